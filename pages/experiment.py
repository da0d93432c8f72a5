"""Experiments: the lecture's claims tested on real networks, each with the numbers measured here beside the claim."""

import uuid

import streamlit as st

from components.live_chart import live_chart
from experiments.registry import NAMES, experiment, live_settings
from figures.experiment_views import experiment_figure, figure_views
from i18n import catalogue
from scenes.experiment_summary import finding_line, finding_why, markdown_table, stored_summary, summary_rows
from scenes.lab_links import lab_url
from ui import experiment_compute
from ui.exports import chart_config
from ui.language import t
from ui.layout import page_header, screen_fit, stage
from ui.look import look_controls
from ui.page import page_setup
from ui.url_choice import url_choice
from ui.url_state import UrlCheck
from workers import Superseded

ALL = "all"
SOURCES = ("file", "live")
MAX_LINK_BUTTONS = 3  # more runs to open in the Lab (a scatter's) go in a menu
OWNER = "experiments_owner"  # this session's name for its live runs: a newer one supersedes the older


def menu_label(name: str) -> str:
    if name == ALL:
        return t("experiments.all")
    return f"{t('experiments.part', part=experiment(name).PART)} · {t(f'exp.{name}.title')}"


page_setup()
url_check = UrlCheck.start()
look = look_controls()
owner = st.session_state.setdefault(OWNER, uuid.uuid4().hex)

figure_column, control_column = stage(look)
with control_column:
    page_header(f"🔬 {t('experiments.title')}")
    name = url_choice(st, "selectbox", t("experiments.choose"), (*NAMES, ALL), key="exp", default=NAMES[0],
                      format_func=menu_label)

if name == ALL:  # the README's table, in the student's language, below the stage at the page's full width
    st.markdown(markdown_table(stored_summary(look.language, read=experiment_compute.stored), look.language))
    st.caption(t("experiments.mark_help"))
    url_check.finish()
    st.stop()

stored, module = experiment_compute.stored(name), experiment(name)
with control_column:
    st.markdown(f"**{t('experiments.lecture')}:** {t(f'exp.{name}.claim')}")
    source = url_choice(st, "segmented_control", t("experiments.source"), SOURCES, key="exp_src",
                        default="file", format_func=lambda key: t(f"experiments.sources.{key}"),
                        help=t("experiments.source_help"))
    if source == "file" and stored is None:
        st.info(t("experiments.no_file", name=name), icon="📄")
        source = "live"
    # The live preset's own first seed by default (an experiment may keep a seed apart, e.g. for tuning η).
    seed = int(st.number_input(t("experiments.seed"), 0, 9999, module.PRESETS["live"].seeds[0], key="exp_seed",
                               bind="query-params", help=t("experiments.seed_help"))) if source == "live" else 0
    findings_slot = st.container()

if source == "live":
    progress = figure_column.empty()
    outcome = experiment_compute.live(
        name, seed, owner,
        lambda fraction: progress.progress(min(fraction, 1.0), text=t("experiments.running", name=t(f"exp.{name}.title"),
                                                                      seed=seed)))
    progress.empty()
    if isinstance(outcome, Superseded):
        st.stop()  # this session asked for another run: that run draws the page
    if isinstance(outcome, Exception):
        control_column.error(t("experiments.live_failed", problem=str(outcome)), icon="⚠️")
        st.stop()
    result = outcome
else:
    result = stored.result

with figure_column:
    views = figure_views(name)
    # A menu: the figures' names are sentences (“Minimum ratio vs training loss”), too long for buttons.
    view = url_choice(st, "selectbox", t("experiments.view"), views, key="exp_view", default=views[0],
                      format_func=lambda key: t(f"exp.{name}.views.{key}"), label_visibility="collapsed") \
        if len(views) > 1 else views[0]
    figure = experiment_figure(name, result, view, look=look)
    live_chart(figure, key=f"exp_{name}_{view}", config=chart_config(f"experiment-{name}-{view}"),
               fit=screen_fit(look, below=40))
    st.caption(t(f"exp.{name}.caption.{view}"))

findings = module.findings(result)
with findings_slot:
    st.markdown(f"**{t('experiments.measured')}**")
    for finding in findings:
        st.markdown(finding_line(name, finding, result, look.language))
        why = finding_why(name, finding, result, look.language)
        if why is not None:
            st.caption(why)

st.markdown(f"**{t('experiments.setup')}.** {t(f'exp.{name}.setup', **module.setup_fields(result))}")
if source == "file":
    computed = stored.computed
    machine = computed["machine"]
    st.caption(t("experiments.computed", command=computed["command"], date=computed["date"], seconds=computed["seconds"],
                 machine=f"{machine['processor']}, {machine['cores']} cores", torch=machine["torch"]))
else:
    seeds = live_settings(name, seed).seeds
    st.caption(t("experiments.live_computed", seeds=", ".join(map(str, seeds))))

links = []
for link in module.lab_links(result):
    try:
        links.append((t(f"exp.{name}.links.{link.key}", **link.fields), lab_url(link.settings)))
    except ValueError:  # the Lab's menus cannot express this run
        continue
if len(links) > MAX_LINK_BUTTONS:  # every run of a scatter: pick one, then open it
    chosen = st.selectbox(t("experiments.open_lab"), range(len(links)), format_func=lambda index: links[index][0],
                          key=f"exp_link_{name}")
    st.link_button(t("experiments.open_chosen"), links[chosen][1], icon="🧪")
elif links:
    st.markdown(f"**{t('experiments.open_lab')}:**")
    for label, url in links:  # one per row: their labels say what the Lab can and cannot redo
        st.link_button(label, url, icon="🧪")
else:
    st.caption(t("experiments.no_links"))
note = catalogue(look.language).get(f"exp.{name}.lab_note")  # which runs have no link, where an experiment says
if note is not None:
    st.caption(note)
with st.expander(t("experiments.all")):
    st.markdown(markdown_table(summary_rows(name, result, look.language, findings), look.language))
    st.caption(t("experiments.mark_help"))

url_check.finish()
