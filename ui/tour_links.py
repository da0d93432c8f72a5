"""Opening a tour scene: its preset written into the widgets of the page it opens.

The explorer's and inspector's widgets all have keys (bound to the URL), so a scene is opened by
writing its values into ``st.session_state`` under those keys and switching page: the page then
draws its widgets with the scene's values and the URL follows them, ready to be shared.
"""

from __future__ import annotations

import streamlit as st

from optimizers.settings import OptimizerSettings
from scenes.tour import COMPARE, EXPERIMENT, EXPLORER, INSPECTOR, LAB, PAGES_WITHOUT_SURFACE, Scene
from surfaces.catalogue import get_surface
from surfaces.choice import SurfaceChoice

PAGE_FILES = {
    EXPLORER: "pages/explorer.py", COMPARE: "pages/explorer.py", INSPECTOR: "pages/inspector.py",
    LAB: "pages/lab.py", EXPERIMENT: "pages/experiment.py",
}
OPEN_REQUEST = "tour_open_request"


def surface_state(choice: SurfaceChoice) -> dict[str, object]:
    """The sidebar's widget values for a built-in surface (and its knob)."""
    state: dict[str, object] = {"surface": choice.key}
    knob = get_surface(choice.key).parameter
    if knob is not None:
        state[f"{choice.key}_{knob.name}"] = knob.default if choice.parameter is None else choice.parameter
    return state


def optimizer_state(slot: int, settings: OptimizerSettings) -> dict[str, object]:
    """The optimizer panel's widget values for ``settings`` in ``slot``."""
    schedule = settings.schedule
    return {
        f"opt{slot}": settings.kind.value, f"lr{slot}": settings.lr,
        f"mom{slot}": settings.momentum, f"alpha{slot}": settings.alpha,
        f"beta1{slot}": settings.betas[0], f"beta2{slot}": settings.betas[1],
        f"sched{slot}": schedule.kind, f"gamma{slot}": schedule.gamma, f"every{slot}": schedule.step_size,
        f"warm{slot}": schedule.warmup_steps, f"noise{slot}": settings.noise, f"seed{slot}": settings.seed,
        f"batch{slot}": settings.batch_size,
    }


def widget_state(scene: Scene, surface: SurfaceChoice | None = None) -> dict[str, object]:
    """Every widget value the scene sets on its page (``surface`` overrides the scene's, for compare scenes)."""
    if scene.page == EXPERIMENT:  # the measured experiment, as its results file has it
        return {"exp": scene.experiment}
    if scene.page in PAGES_WITHOUT_SURFACE:  # they open with their own defaults
        return {}
    state = surface_state(surface or scene.surface)
    if scene.page == INSPECTOR:
        state["px"], state["py"] = scene.point
        return state
    state.update({"n": len(scene.optimizers), "steps": scene.steps, "x0": scene.start[0], "y0": scene.start[1],
                  "sweep": 0})
    for slot, settings in enumerate(scene.optimizers):
        state.update(optimizer_state(slot, settings))
    return state


def request_scene(scene: Scene, surface: SurfaceChoice | None = None) -> None:
    """Button callback: write the scene into the widgets' state and ask the page to switch."""
    state = widget_state(scene, surface)
    st.session_state[OPEN_REQUEST] = (PAGE_FILES[scene.page], {key: str(value) for key, value in state.items()})


def follow_open_request() -> None:
    """Switch to the page a tour button asked for, if any (call in the page body, not in a callback).

    The scene's values go both into the widgets' state (above) and into the new page's URL: Streamlit
    1.67 (measured) writes a programmatically set value into the URL only for a widget drawn before in
    this session, so a student who opens the tour first would get a view whose link loses the scene.
    Passing the parameters also avoids ``st.switch_page``'s plain clear of the URL, which raises while
    this page's own widgets (``?scene=...``) are bound to it.
    """
    request = st.session_state.pop(OPEN_REQUEST, None)
    if request is not None:
        target, parameters = request
        st.switch_page(target, query_params=parameters)
