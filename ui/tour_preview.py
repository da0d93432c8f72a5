"""The tour's preview beside its controls: the scene's picture (cached per scene, values and look), the
scene's own two or three knobs (bound to the URL), the note when they leave the preset, and its reset."""

from __future__ import annotations

import streamlit as st

from analysis.point_report import inspect_point
from figures.inspector import inspector_contour_figure
from figures.runs import run_labels
from figures.spec import FigureSpec
from figures.style import Look
from i18n import text
from figures.experiment_views import experiment_figure, figure_views
from scenes.tour import COMPARE, EXPERIMENT, EXPLORER, INSPECTOR, Scene
from scenes.tour_controls import changed_controls, scene_controls
from scenes.tour_previews import PLANS, basins_caption, preview_spec
from surfaces.choice import SurfaceChoice, resolve_surface
from ui.compute import surface_view
from experiments.registry import experiment
from scenes.experiment_summary import claim_line
from ui.experiment_compute import stored
from ui.language import t


def surface_title(choice: SurfaceChoice) -> str:
    """The surface's name in the current language."""
    return t(f"surfaces.{choice.key}.name")


def _value_text(value: float | int) -> str:
    return f"{value:g}"


def control_values(scene: Scene) -> dict[str, float | int]:
    """Draw the scene's controls (each starting at the preset's value, its key in the URL) and return their values."""
    values = {}
    for control in scene_controls(scene):
        label = t(f"tour.controls.{control.knob}")
        if len(control.slots) < len(scene.optimizers):  # name the rule of the runs it sets, not them all
            rules = dict.fromkeys(t(f"optimizers.{scene.optimizers[slot].kind.value}") for slot in control.slots)
            label = t("tour.controls.runs", control=label, runs=", ".join(rules))
        values[control.knob] = st.select_slider(label, control.options, value=control.preset(scene),
                                                format_func=_value_text, key=control.key(scene), bind="query-params")
    return values


def _reset(scene: Scene) -> None:
    for control in scene_controls(scene):
        st.session_state[control.key(scene)] = control.preset(scene)


def changed_note(scene: Scene, values: dict[str, float | int]) -> None:
    """One line when the controls left the preset, with a button back to it."""
    changed = changed_controls(scene, values)
    if not changed:
        return

    def settings(value_of) -> str:
        return ", ".join(f"{t(f'tour.controls.{control.knob}_symbol')} = {_value_text(value_of(control))}"
                         for control in changed)

    st.warning(t("tour.changed", changes=settings(lambda control: values[control.knob]),
                 preset=settings(lambda control: control.preset(scene))), icon="✋")
    st.button(t("tour.reset"), key=f"tour_reset_{scene.key}", on_click=_reset, args=(scene,))


@st.cache_data(max_entries=32, show_spinner=False)
def _race_preview(scene: Scene, look: Look, height: int) -> FigureSpec:
    choices = (scene.surface,) if scene.other is None else (scene.surface, scene.other)
    return preview_spec(scene, [surface_view(choice).landscape for choice in choices],
                        run_labels(scene.optimizers, look.language),
                        [t(f"surfaces.{choice.key}.name") for choice in choices], height=height, look=look)


@st.cache_data(max_entries=8, show_spinner=False)
def _point_preview(scene: Scene, look: Look, height: int) -> FigureSpec:
    report = inspect_point(resolve_surface(scene.surface).loss, *scene.point)
    return inspector_contour_figure(surface_view(scene.surface).landscape, report, height=height, look=look)


def scene_preview(scene: Scene, look: Look, height: int) -> FigureSpec | None:
    """The preview of ``scene`` as set (the race with its curves, the inspector's point), or None (network)."""
    if scene.page in (EXPLORER, COMPARE):
        return _race_preview(scene, look, height)
    if scene.page == INSPECTOR:
        return _point_preview(scene, look, height)
    if scene.page == EXPERIMENT and stored(scene.experiment) is not None:
        return _experiment_preview(scene.experiment, look, height)
    return None


@st.cache_data(max_entries=16, show_spinner=False)
def _experiment_preview(name: str, look: Look, height: int) -> FigureSpec:
    """The experiment's main figure, from its results file."""
    return experiment_figure(name, stored(name).result, None, look=look, height=height)


@st.cache_data(max_entries=16, show_spinner=False)
def preview_caption(scene: Scene, language: str) -> str:
    """What the caption under the preview says: the seeded counts where the preview has seeds, else the plan's note."""
    if scene.key in PLANS and PLANS[scene.key].seeds > 1:
        return basins_caption(scene, run_labels(scene.optimizers, language), language)
    if scene.page in (EXPLORER, COMPARE):
        return text("tour.preview", language)
    if scene.page == EXPERIMENT:
        return text(f"exp.{scene.experiment}.caption.{figure_views(scene.experiment)[0]}", language)
    return text(f"tour.curves.{scene.key}", language)



def measured_findings(name: str, language: str) -> str:
    """The lecture's claims experiment ``name`` tests, one per line, each marked with what its results file
    measured (the numbers are on the experiment's page); the page's note when there is no file yet."""
    stored_result = stored(name)
    if stored_result is None:
        return text("experiments.no_file", language, name=name)
    result = stored_result.result
    return "\n".join(f"- {claim_line(name, finding, result, language)}" for finding in experiment(name).findings(result))
