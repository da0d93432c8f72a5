"""Where a Streamlit page puts its main figure and controls on the first screen, and which texts are clipped.

Everything is read in one pass of :data:`MEASURE` in the browser, with the page's scroll container
(Streamlit scrolls ``[data-testid='stMain']``, not the window) at the top, so a box with
``top < viewport height`` is on the first screen a student sees. Boxes are
``getBoundingClientRect`` in CSS pixels of the viewport.

A text is *clipped* when part of it cannot be seen wherever the page is scrolled:

* its box (the box of its text, not of its element) reaches out of an ancestor that hides overflow
  (``overflow`` hidden, clip, auto or scroll, other than the page's own scroll containers);
* its element or input hides overflow and holds more than it shows (``scrollWidth > clientWidth``,
  an ellipsis included);
* a text of a plotly figure reaches out of the figure's paper (axis titles, tick labels) or out of
  its legend's box.

Hidden things (``display: none``, the URL-state widgets of ``ui.url_choice``, zero-size boxes) are
not texts anyone reads and are left out. Everything tolerates one pixel of rounding.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from ui.url_choice import HIDDEN_PREFIX

TOLERANCE = 1.0  # px: subpixel layout rounds both ways
VERTICAL_BLANK = 0.2  # of a text's line box, the blank above and below its glyphs that may hang out unseen
MAIN = "[data-testid='stMain']"

MEASURE = """({main, figure, controls, hiddenPrefix, tolerance, verticalBlank, toTop}) => {
  const root = document.querySelector(main);
  if (!root) return null;
  if (toTop) for (const scroller of [root, document.scrollingElement]) scroller.scrollTop = 0;
  const pageScrollers = new Set([root, document.body, document.documentElement,
    document.querySelector("[data-testid='stAppViewContainer']"), document.querySelector('.stApp')]);
  const box = (rect) => ({left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom});
  const styles = new Map();
  const style = (element) => styles.get(element) || styles.set(element, getComputedStyle(element)).get(element);
  const HIDES = ['hidden', 'clip', 'auto', 'scroll'];
  // The visible area of each ancestor that hides what overflows it (its padding box), nearest first.
  const clippers = (element) => {
    const found = [];
    for (let up = element.parentElement; up && !pageScrollers.has(up); up = up.parentElement) {
      const look = style(up);
      const x = HIDES.includes(look.overflowX), y = HIDES.includes(look.overflowY);
      if (!x && !y) continue;
      const rect = up.getBoundingClientRect();
      const left = rect.left + up.clientLeft, top = rect.top + up.clientTop;
      found.push({element: up, x, y, left, top, right: left + up.clientWidth, bottom: top + up.clientHeight});
    }
    return found;
  };
  // A text's box is its font's line box, taller than its glyphs (KaTeX's superscripts poke 3 px of blank out of
  // their formula's box): vertically, a fifth of the box may hang out before a glyph is cut.
  const outsideOf = (rect, clip, blank = 0) =>
    (clip.x && (rect.left < clip.left - tolerance || rect.right > clip.right + tolerance)) ||
    (clip.y && (rect.top < clip.top - tolerance - blank || rect.bottom > clip.bottom + tolerance + blank));
  const textOutsideOf = (rect, clip) => outsideOf(rect, clip, verticalBlank * rect.height);
  // The screen-reader copy of a text (KaTeX's MathML) sits in a 1-pixel box that hides it on purpose.
  const forReaders = (clips) => clips.some((clip) => clip.right - clip.left <= 1 || clip.bottom - clip.top <= 1);
  const name = (element) => {
    if (!element) return null;
    const key = [...element.classList].find((c) => c.startsWith('st-key-'));
    const testid = element.closest('[data-testid]');
    return `<${element.tagName.toLowerCase()}${key ? ' .' + key : ''}${testid ? ' in ' + testid.dataset.testid : ''}>`;
  };
  const keyOf = (element) => {
    const keyed = element.closest("[class*='st-key-']");
    return keyed ? [...keyed.classList].find((c) => c.startsWith('st-key-')).slice(7) : null;
  };
  const shown = (element) => element.checkVisibility({opacityProperty: true, visibilityProperty: true})
    && !element.closest(`[class*='st-key-${hiddenPrefix}']`);
  // One offender per hiding container (a long formula cut by its box is one finding, not a hundred glyphs).
  const offenders = new Map();
  const flag = (element, text, rect, why, clip) => {
    const group = clip ? clip.element : element;
    const known = offenders.get(group);
    if (known) {
      known.count += 1;
      if (known.text.length < 80) known.text = `${known.text} ${text.trim()}`.slice(0, 80);
      return;
    }
    offenders.set(group, {element: name(element), key: keyOf(element), text: text.trim().slice(0, 80), count: 1,
                          box: box(rect), why, clip: clip ? {by: name(clip.element), left: clip.left, top: clip.top,
                                                             right: clip.right, bottom: clip.bottom} : null});
  };
  const overfull = (element) => {
    const look = style(element);
    const wide = HIDES.includes(look.overflowX) && element.scrollWidth > element.clientWidth + tolerance;
    const tall = ['hidden', 'clip'].includes(look.overflowY) && element.scrollHeight > element.clientHeight + tolerance;
    if (!wide && !tall) return null;
    return `${wide ? `holds ${element.scrollWidth} px of width in ${element.clientWidth}` : ''}`
      + `${wide && tall ? ', ' : ''}${tall ? `holds ${element.scrollHeight} px of height in ${element.clientHeight}` : ''}`
      + (look.textOverflow === 'ellipsis' ? ' (ellipsis)' : '');
  };

  // HTML texts: every non-blank text node and every filled text input of the main area.
  const read = {html: 0, plotly: 0};
  const range = document.createRange();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.data.trim() || !element || element.closest('svg, script, style') || !shown(element)) continue;
    range.selectNodeContents(node);
    const rect = range.getBoundingClientRect();
    if (rect.width < 1 || rect.height < 1) continue;
    const clips = clippers(element);
    if (forReaders(clips)) continue;
    read.html += 1;
    const clip = clips.find((clip) => textOutsideOf(rect, clip));
    if (clip) { flag(element, node.data, rect, 'reaches out of its container', clip); continue; }
    const full = overfull(element);
    if (full) flag(element, element.textContent, element.getBoundingClientRect(), full, null);
  }
  for (const input of root.querySelectorAll('input, textarea')) {
    if (!input.value || ['range', 'hidden', 'checkbox', 'radio'].includes(input.type) || !shown(input)) continue;
    const rect = input.getBoundingClientRect();
    if (rect.width < 1 || rect.height < 1) continue;
    read.html += 1;
    const full = input.scrollWidth > input.clientWidth + tolerance;
    if (full) flag(input, input.value, rect, `holds ${input.scrollWidth} px of width in ${input.clientWidth}`, null);
  }

  // A text drawn in a fully transparent colour (the sweep's slider labels: they feed its current-value
  // line and are not meant to be seen) cannot be seen clipped.
  const unpainted = (text) => {
    const style = getComputedStyle(text);
    const alpha = (style.fill || '').match(/rgba[(][^)]*,\\s*([0-9.]+)[)]/);
    return style.fill === 'none' || Number(style.fillOpacity) === 0 || (alpha !== null && Number(alpha[1]) === 0);
  };

  // Plotly texts: inside the paper, and a legend's inside the legend's box.
  for (const plot of root.querySelectorAll('.js-plotly-plot')) {
    const paper = plot.querySelector('.svg-container');
    if (!paper || !shown(plot)) continue;
    const paperRect = paper.getBoundingClientRect();
    const paperClip = {element: paper, x: true, y: true, left: paperRect.left, top: paperRect.top,
                       right: paperRect.right, bottom: paperRect.bottom};
    for (const text of paper.querySelectorAll('text')) {
      if (!text.textContent.trim() || text.closest('.hoverlayer') || !shown(text) || unpainted(text)) continue;
      const rect = text.getBoundingClientRect();
      if (rect.width < 1 || rect.height < 1) continue;
      read.plotly += 1;
      if (textOutsideOf(rect, paperClip)) { flag(text, text.textContent, rect, 'reaches out of the figure', paperClip); continue; }
      const legend = text.closest('.legend');
      const legendBox = legend && legend.querySelector('.bg');
      if (!legendBox) continue;
      const legendRect = legendBox.getBoundingClientRect();
      const legendClip = {element: legend, x: true, y: true, left: legendRect.left, top: legendRect.top,
                          right: legendRect.right, bottom: legendRect.bottom};
      if (textOutsideOf(rect, legendClip)) flag(text, text.textContent, rect, 'reaches out of the legend', legendClip);
    }
  }

  // The main figure (its plotly paper) and the controls, each with what hides part of it.
  const placed = (element) => {
    if (!element || !shown(element)) return null;
    const rect = element.getBoundingClientRect();
    if (rect.width < 1 || rect.height < 1) return null;
    const clip = clippers(element).find((clip) => outsideOf(rect, clip));
    return {...box(rect), clipped_by: clip ? name(clip.element) : null};
  };
  const firstShown = (selector) => [...document.querySelectorAll(selector)].find(shown);
  const placedControls = {};
  for (const [label, selector] of Object.entries(controls)) placedControls[label] = placed(firstShown(selector));
  // plotly resizes a chart 100 ms after its box changed (Plots.resize); until then the chart is the old size.
  const resizing = [...document.querySelectorAll('.js-plotly-plot')].filter((plot) => plot._resolveResize).length;
  // Streamlit's header (the page menu) stays on top of the page: what lies under it is not seen.
  const header = document.querySelector("[data-testid='stHeader']");
  const screenTop = header && shown(header) ? Math.max(0, header.getBoundingClientRect().bottom) : 0;
  return {viewport: [innerWidth, innerHeight], screenTop, scroll: root.scrollTop + document.scrollingElement.scrollTop,
          figure: placed(firstShown(`${figure} .js-plotly-plot .main-svg`)), controls: placedControls, clipped: [...offenders.values()], read, resizing,
          // What the figure draws its data on: the plot areas (a map, a preview's panels), not its margins.
          plotArea: [...document.querySelectorAll(`${figure} .js-plotly-plot .nsewdrag`)]
            .map((area) => area.getBoundingClientRect()).reduce((sum, box) => sum + box.width * box.height, 0)};
}"""


@dataclass(frozen=True)
class Box:
    """A box in viewport pixels; ``clipped_by`` names an ancestor that hides part of it, if one does."""

    left: float
    top: float
    right: float
    bottom: float
    clipped_by: str | None = None

    @property
    def area(self) -> float:
        return (self.right - self.left) * (self.bottom - self.top)

    def __str__(self) -> str:
        return f"({self.left:.0f}, {self.top:.0f})–({self.right:.0f}, {self.bottom:.0f})"


@dataclass(frozen=True)
class Layout:
    """One measurement of a page: the viewport, the main figure, the controls (None: not found), the clipped
    texts, and how many HTML and plotly texts were looked at (a check that saw no text proves nothing)."""

    viewport: tuple[int, int]
    screen_top: float  # the bottom of Streamlit's header, which covers what scrolls under it
    scroll: float
    figure: Box | None
    controls: Mapping[str, Box | None]
    clipped: tuple[dict, ...]
    texts_read: Mapping[str, int]
    resizing: int = 0
    plot_area: float = 0.0  # px² of the figure's plot areas (the drawn map or panels, margins excluded)

    def off_screen(self, what: str, box: Box | None) -> list[str]:
        """Why ``box`` is not wholly on the first screen (empty list: it is), each with how far off it lies."""
        width, height = self.viewport
        if box is None:
            return [f"{what} not found (no visible element with a non-zero box)"]
        problems = []
        if box.left < -TOLERANCE:
            problems.append(f"{what} left at {box.left:.0f} px < 0")
        if box.top < self.screen_top - TOLERANCE:
            problems.append(f"{what} top at {box.top:.0f} px < {self.screen_top:.0f}, the bottom of the page's header")
        if box.right > width + TOLERANCE:
            problems.append(f"{what} right at {box.right:.0f} px > {width}")
        if box.bottom > height + TOLERANCE:
            problems.append(f"{what} bottom at {box.bottom:.0f} px > {height}"
                            + (f" (top at {box.top:.0f} px: wholly below)" if box.top > height else ""))
        if box.clipped_by:
            problems.append(f"{what} {box} is partly hidden by {box.clipped_by}")
        return problems

    def one_screen_problems(self) -> list[str]:
        """Everything that keeps the figure and the controls from being seen together without scrolling."""
        problems = self.off_screen("figure", self.figure)
        for name, box in self.controls.items():
            problems += self.off_screen(f"control {name}", box)
        return problems


def describe_clipped(offender: dict) -> str:
    """One line a failure message can show: which text, where, and what hides it."""
    box = offender["box"]
    where = f"({box['left']:.0f}, {box['top']:.0f})–({box['right']:.0f}, {box['bottom']:.0f})"
    texts = f" (and {offender['count'] - 1} more texts in it)" if offender["count"] > 1 else ""
    line = f"{offender['element']} key={offender['key']} {offender['text']!r}{texts} at {where}: {offender['why']}"
    if clip := offender["clip"]:
        line += (f" {clip['by']} showing ({clip['left']:.0f}, {clip['top']:.0f})–"
                 f"({clip['right']:.0f}, {clip['bottom']:.0f})")
    return line


def _box(raw: dict | None) -> Box | None:
    return None if raw is None else Box(**raw)


def measure(page, figure: str, controls: Mapping[str, str], to_top: bool = True) -> Layout:
    """Measure the figure (a selector of the element holding the plotly chart, e.g. ``.st-key-race_chart``), the
    controls (name → selector; the first visible match) and the clipped texts, the main area scrolled to the
    top first unless ``to_top`` is False."""
    raw = page.evaluate(MEASURE, {"main": MAIN, "figure": figure, "controls": dict(controls),
                                  "hiddenPrefix": HIDDEN_PREFIX, "tolerance": TOLERANCE,
                                  "verticalBlank": VERTICAL_BLANK, "toTop": to_top})
    if raw is None:
        raise AssertionError(f"no {MAIN} on the page {page.url}")
    return Layout(viewport=tuple(raw["viewport"]), screen_top=raw["screenTop"], scroll=raw["scroll"], figure=_box(raw["figure"]),
                  controls={name: _box(box) for name, box in raw["controls"].items()},
                  clipped=tuple(raw["clipped"]), texts_read=raw["read"], resizing=raw["resizing"],
                  plot_area=raw["plotArea"])


def measure_when_still(page, figure: str, controls: Mapping[str, str], quiet: float = 0.25,
                       timeout: float = 15.0) -> Layout:
    """:func:`measure` once no chart waits to resize and two readings ``quiet`` seconds apart agree (a resize
    relays out the page, then plotly resizes its charts after a debounce), after the fonts have loaded."""
    page.evaluate("() => document.fonts.ready.then(() => true)")
    deadline = time.monotonic() + timeout
    last = measure(page, figure, controls)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = measure(page, figure, controls)
        if now == last and not now.resizing:
            return now
        last = now
    raise AssertionError(f"the layout of {page.url} kept moving for {timeout} s")
