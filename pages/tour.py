"""Lecture tour: one scene per part of the lecture, each opened with one click."""

import streamlit as st

from components.live_chart import live_chart
from scenes.tour import COMPARE, EXPLORER, INSPECTOR, NETWORK, SCENE_LIST, SCENES
from ui.language import t
from ui.look import look_controls
from ui.page import page_setup
from ui.tour_links import follow_open_request, request_scene
from ui.tour_preview import scene_preview, surface_title
from ui.url_choice import url_choice
from ui.url_state import UrlCheck

page_setup()
follow_open_request()
url_check = UrlCheck.start()
look = look_controls()

st.title(f"🎓 {t('tour.title')}")
st.caption(t("tour.intro"))

scene = SCENES[url_choice(st, "selectbox", t("tour.choose"), tuple(SCENES), key="scene", default=SCENE_LIST[0].key,
                          format_func=lambda key: f"{SCENES[key].part} · {t(f'tour.{key}.title')}")]
with st.container(border=True):
    st.subheader(t(f"tour.{scene.key}.title"))
    st.markdown(f"**{t('tour.part', part=scene.part)}** · {t(f'tour.{scene.key}.story')}")
    st.latex(scene.latex)
    st.info(f"**{t('tour.look_for_heading')}.** {t(f'tour.{scene.key}.look_for')}", icon="👀")
    if scene.page == COMPARE:
        columns = st.columns(2)
        for column, choice in zip(columns, (scene.surface, scene.other)):
            with column:
                st.markdown(f"**{surface_title(choice)}**")
                live_chart(scene_preview(scene, choice, look), key=f"tour_{scene.key}_{choice.key}")
                st.button(t("tour.open_side", surface=surface_title(choice)), key=f"open_{scene.key}_{choice.key}",
                          on_click=request_scene, args=(scene, choice))
    else:
        label = t({INSPECTOR: "tour.open_inspector", NETWORK: "tour.open_network"}.get(scene.page, "tour.open_explorer"))
        st.button(label, key=f"open_{scene.key}", type="primary", on_click=request_scene, args=(scene,))
        if scene.page == EXPLORER:
            st.caption(t("tour.preview"))
            live_chart(scene_preview(scene, scene.surface, look), key=f"tour_{scene.key}")

url_check.finish()
