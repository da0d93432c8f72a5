"""Lecture tour: one scene per part of the lecture, its claim in a preview beside its own two or three
controls, each opened with one click."""

import streamlit as st

from components.live_chart import live_chart
from scenes.tour import COMPARE, EXPERIMENT, INSPECTOR, LAB, SCENE_LIST, SCENES
from scenes.tour_controls import with_values
from ui.language import t
from ui.layout import page_header, screen_fit, stage, stage_figure_height
from ui.look import look_controls
from ui.page import page_setup
from ui.tour_links import follow_open_request, request_scene
from ui.tour_preview import (changed_note, control_values, measured_findings, preview_caption, scene_preview,
                             surface_title)
from ui.url_choice import url_choice
from ui.url_state import UrlCheck

# The preview takes more of the width than the explorer's map: beside it sit only the scene's menu, its
# two or three controls and its button.
STAGE_WIDTHS = (1.7, 1.0)
# A compare scene's buttons name a surface each ("Open “Tiny classifier under cross-entropy” in the
# explorer"): wrapped onto two lines rather than cut short in the narrow column.
WRAPPED_BUTTONS = "<style>[class*='st-key-open_'] button p { white-space: normal; }</style>"

CAPTION_ROOM = 44  # pixels under the preview for its caption (two lines) on the first screen

page_setup()
follow_open_request()
url_check = UrlCheck.start()
look = look_controls()

st.html(WRAPPED_BUTTONS)
figure_column, control_column = stage(look, STAGE_WIDTHS)
with control_column:
    page_header(f"🎓 {t('tour.title')}")
    preset = SCENES[url_choice(st, "selectbox", t("tour.choose"), tuple(SCENES), key="scene",
                               default=SCENE_LIST[0].key,
                               format_func=lambda key: f"{SCENES[key].part} · {t(f'tour.{key}.title')}")]
    values = control_values(preset)
    scene = with_values(preset, values)
    if scene.page == COMPARE:
        for choice in (scene.surface, scene.other):
            st.button(t("tour.open_side", surface=surface_title(choice)), key=f"open_{scene.key}_{choice.key}",
                      on_click=request_scene, args=(scene, choice), width="stretch")
    else:
        label = t({INSPECTOR: "tour.open_inspector", LAB: "tour.open_lab", EXPERIMENT: "tour.open_experiment"}.get(scene.page, "tour.open_explorer"))
        st.button(label, key=f"open_{scene.key}", type="primary", on_click=request_scene, args=(scene,),
                  width="stretch")
    changed_note(preset, values)  # just above the claims it qualifies
    if scene.page == EXPERIMENT:  # what the experiment measured, from its results file
        st.info(f"**{t('experiments.measured')}**\n\n{measured_findings(scene.experiment, look.language)}", icon="👀")
    else:
        st.info(f"**{t('tour.look_for_heading')}.** {t(f'tour.{scene.key}.look_for')}", icon="👀")

with figure_column:
    figure = scene_preview(scene, look, stage_figure_height(look) - 40)
    if figure is not None:
        live_chart(figure, key=f"tour_{scene.key}", fit=screen_fit(look, below=CAPTION_ROOM))
    st.caption(preview_caption(scene, look.language))

# The story and the formula below the stage; for the Lab's scene, which has no picture, in its place.
with st.container() if figure is not None else figure_column:
    st.subheader(f"{t('tour.part', part=scene.part)} · {t(f'tour.{scene.key}.title')}")
    st.markdown(t(f"tour.{scene.key}.story"))
    st.latex(scene.latex)
st.caption(t("tour.intro"))

url_check.finish()
