"""What the race map draws besides the runs: a growing trail or the whole paths, and one optimizer's step arrows.

Two widgets, both in the URL: ``?trail=false`` draws every path whole from the start (the trail grows
behind its marker by default), ``?arrows=2`` draws optimizer 2's step arrows (none by default). An arrow
choice beyond the optimizers on the page draws nothing and stays in the URL, so that adding the optimizer
back brings its arrows back.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from figures.race import FULL_PATH, GROWING
from figures.step_arrows import MAX_ARROWS, ArrowsFor
from optimizers.settings import OptimizerSettings
from optimizers.step_parts import StepParts, step_parts
from surfaces.choice import SurfaceChoice, resolve_surface
from ui.compute import race
from ui.language import t
from ui.url_choice import url_choice

ARROW_CHOICES = (0, 1, 2, 3, 4)  # 0: no arrows, k: optimizer k's


@dataclass(frozen=True)
class PictureChoice:
    """The race map's trail (``figures.race.GROWING`` or ``FULL_PATH``) and whose arrows it draws (0: none)."""

    trail: str = GROWING
    arrows_for: int = 0


def picture_controls(where=st) -> PictureChoice:
    """The trail toggle and the arrows menu, side by side in ``where``."""
    left, right = where.columns(2)
    growing = left.toggle(t("race_picture.trail"), value=True, key="trail", bind="query-params",
                          help=t("race_picture.trail_help"))
    arrows_for = url_choice(right, "selectbox", t("race_picture.arrows_for"), ARROW_CHOICES, key="arrows", default=0,
                            help=t("race_picture.arrows_for_help", most=MAX_ARROWS),
                            format_func=lambda slot: t("race_picture.arrows_for_none") if slot == 0
                            else t("optimizer_panel.title", number=slot))
    return PictureChoice(GROWING if growing else FULL_PATH, arrows_for)


@st.cache_data(max_entries=8, show_spinner=False)
def _step_parts(choice: SurfaceChoice, start: tuple[float, float], settings: tuple[OptimizerSettings, ...],
                steps: int, sweep_slot: int, slot: int) -> StepParts:
    """The parts of run ``slot``'s steps, from the page's race (``ui.compute.race``: already cached)."""
    result = race(choice, start, settings, steps, sweep_slot)
    return step_parts(result.trajectories, slot, settings[slot], resolve_surface(choice).example_losses)


def race_picture_options(picture: PictureChoice, choice: SurfaceChoice, start: tuple[float, float],
                         settings: tuple[OptimizerSettings, ...], steps: int, sweep_slot: int) -> dict:
    """The race map's keyword arguments (``trail``, ``arrows``) for the page's race of ``settings``."""
    slot = picture.arrows_for - 1
    arrows = None
    if 0 <= slot < len(settings):
        arrows = ArrowsFor(slot, _step_parts(choice, start, settings, steps, sweep_slot, slot))
    return {"trail": picture.trail, "arrows": arrows}
