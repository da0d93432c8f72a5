// Draws a Plotly figure that stays mounted across Streamlit reruns and is updated in place.
//
// st.plotly_chart gives a chart a new identity whenever its figure changes, so every rerun that
// moves a path unmounts the chart and plots it from scratch (measured in Chromium with software
// WebGL: 3D surface 1.9 s from scratch, 0.25 s with Plotly.react; contour race 0.43 s vs 0.08 s).
// This module keeps one plot per mount point and hands every new figure to Plotly.react, which
// redraws only what changed and keeps the user's zoom and 3D camera (layout.uirevision).
//
// plotly.js is the copy that ships with the Python plotly package, served by Streamlit's static
// file serving. It is evaluated once per page as a CommonJS module: nothing is added to `window`,
// so Streamlit's own Plotly (used by st.plotly_chart elsewhere) is left alone.

// Charts draw for the first time one at a time, the one highest on the page first, with a paint
// between two charts (drawQueue below). plotly.js runs on the page's only thread and a draw cannot be
// interrupted: four first draws back to back were one long task (~4 s in software WebGL here) in which
// the browser painted nothing, not even the chart that was ready first.
//
// A page can ask for plotly.js before its first chart arrives (`{"preload": url}`): evaluating
// plotly.js takes ~1.5 s here, which then overlaps the server's first run instead of following it.

const LIBRARY = Symbol.for("error-surface-lab.plotly");
const QUEUE = Symbol.for("error-surface-lab.draw-queue");
const PRELOADED = Symbol.for("error-surface-lab.plotly-preloaded");
const PAINT_WAIT_MS = 50; // a hidden tab runs no animation frames: don't wait for one longer than this
const charts = new WeakMap(); // mount point -> chart controller

function loadPlotly(url) {
  const cache = (globalThis[LIBRARY] ||= new Map());
  if (!cache.has(url)) {
    const loading = fetch(url)
      .then((response) => {
        if (!response.ok) throw new Error(`plotly.js: HTTP ${response.status} for ${url}`);
        return response.text();
      })
      .then((code) => {
        const module = { exports: {} };
        new Function("module", "exports", code)(module, module.exports);
        return module.exports;
      });
    loading.catch(() => cache.delete(url)); // a failed download is retried by the next render
    cache.set(url, loading);
  }
  return cache.get(url);
}

// Draws a small chart of the kinds the pages draw (lines, markers, an image, a legend, a slider) out of
// sight and throws it away. The first chart a page draws is slow (~1.2 s here against ~0.1 s for a
// later one: plotly's code runs for the first time); this moves that cost to the preload.
async function warmUp(Plotly) {
  const scratch = document.createElement("div");
  scratch.style.cssText = "position:absolute;left:-10000px;top:0;width:480px;height:360px;visibility:hidden";
  document.body.appendChild(scratch);
  const xs = Array.from({ length: 50 }, (_, i) => i / 49);
  try {
    await Plotly.newPlot(scratch, [
      { type: "scatter", mode: "lines", x: xs, y: xs.map((x) => x * x), name: "a" },
      { type: "scatter", mode: "lines+markers", x: xs, y: xs.map((x) => 1 - x), name: "b" },
    ], {
      images: [{ source: "data:image/gif;base64,R0lGODlhAQABAAAAACw=", xref: "x", yref: "y", x: 0, y: 1,
                 sizex: 1, sizey: 1, layer: "below" }],
      sliders: [{ steps: xs.slice(0, 10).map((x) => ({ label: String(x), method: "skip" })) }],
      updatemenus: [{ type: "buttons", buttons: [{ label: "▶", method: "skip" }] }],
    }, { responsive: false });
  } finally {
    Plotly.purge(scratch);
    scratch.remove();
  }
}

// Loads and warms up plotly.js once per page, however often a rerun mounts the preload again.
function preload(url) {
  const started = (globalThis[PRELOADED] ||= new Set());
  if (started.has(url)) return;
  started.add(url);
  performance.mark("live-chart:preload");
  loadPlotly(url).then(warmUp).catch(() => {}); // a failure is reported by the first chart that needs plotly.js
}

function decode(data) {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return new TextDecoder().decode(data);
  throw new Error(`live_chart expects the figure as bytes, got ${typeof data}`);
}

function createChart(mountPoint) {
  const plot = document.createElement("div");
  plot.className = "live-chart";
  plot.style.width = "100%";
  mountPoint.appendChild(plot);
  const chart = { plot, shown: null, wanted: null, drawing: false, drawn: false, Plotly: null };
  // Streamlit changes a column's width without resizing the window (sidebar, layout): follow it.
  // A fitted chart refits too: a map's height follows its width, and its top moves while the page settles.
  chart.resizer = new ResizeObserver(() => {
    if (!chart.Plotly || chart.shown === null) return;
    if (!refit(chart)) chart.Plotly.Plots.resize(plot);
  });
  chart.resizer.observe(plot);
  chart.onWindowResize = () => refit(chart);
  window.addEventListener("resize", chart.onWindowResize);
  chart.dispose = () => {
    drawQueue().waiting.delete(chart);
    chart.resizer.disconnect();
    window.removeEventListener("resize", chart.onWindowResize);
    if (chart.Plotly) chart.Plotly.purge(plot);
    plot.remove();
    charts.delete(mountPoint);
  };
  return chart;
}

// Lets the browser handle input and paint: the next animation frame (or PAINT_WAIT_MS), then a task.
function yieldToBrowser() {
  return new Promise((resolve) => {
    let done = false;
    const go = () => { if (!done) { done = true; setTimeout(resolve, 0); } };
    requestAnimationFrame(go);
    setTimeout(go, PAINT_WAIT_MS);
  });
}

// The page's charts waiting for a draw, drawn one per turn, topmost first (document order).
function drawQueue() {
  return (globalThis[QUEUE] ||= { waiting: new Set(), running: false });
}

function byPagePosition(a, b) {
  return a.plot.compareDocumentPosition(b.plot) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
}

function schedule(chart) {
  const queue = drawQueue();
  chart.plot.dataset.drawing = "true"; // tests wait for this to go away before reading the plot
  queue.waiting.add(chart);
  if (!queue.running) pump(queue);
}

async function pump(queue) {
  queue.running = true;
  try {
    // The other charts of this update join first. React mounts one update's charts in one batch but not
    // in page order (the race map, topmost, was seen mounting last), and under load not always in one
    // task: a paint lets the whole batch in (a bare setTimeout(0) once let the 3D view go first in CI).
    await yieldToBrowser();
    while (queue.waiting.size > 0) {
      const [chart] = [...queue.waiting].sort(byPagePosition);
      queue.waiting.delete(chart);
      await draw(chart);
      await yieldToBrowser();
    }
  } finally {
    queue.running = false;
  }
}

// How high a chart with a `fit` is drawn: down to the window's bottom edge (less `fit.gap`) from where the
// chart starts with the page scrolled to its top, within [fit.min, fit.max]. A map drawn to scale
// (`fit.aspect`: its height over its width) is no higher than its width needs (`fit.extra`: room the
// legend takes above the plot). The server cannot know the window: this is where the figure gets to
// fill a projector's screen and to fit a laptop's.
function fittedHeight(plot, layout, fit) {
  let top = plot.getBoundingClientRect().top;
  for (let node = plot.parentElement; node; node = node.parentElement) top += node.scrollTop || 0;
  let height = window.innerHeight - top - (fit.gap || 0);
  if (fit.aspect) {
    const margin = layout.margin || {};
    const width = plot.getBoundingClientRect().width - (margin.l ?? 80) - (margin.r ?? 80);
    height = Math.min(height, width * fit.aspect + (margin.t ?? 100) + (margin.b ?? 80) + (fit.extra || 0));
  }
  return Math.round(Math.max(fit.min || 0, Math.min(fit.max || Infinity, height)));
}

// Follows the window's height (a laptop's window resized, a browser going full screen on a projector).
// Drawn again with Plotly.react, as an update: a relayout of the height alone makes plotly write the
// width into the layout too, and the chart then stops following its column's width.
// Returns whether it drew the chart again.
function refit(chart) {
  if (!chart.fit || !chart.Plotly || chart.shown === null || !chart.figure || !chart.plot.isConnected) return false;
  const height = fittedHeight(chart.plot, chart.figure.layout, chart.fit);
  if (Math.abs(height - chart.height) < 2) return false;
  chart.height = height;
  chart.figure.layout.height = height;
  chart.plot.style.height = `${height}px`;
  chart.Plotly.react(chart.plot, chart.figure);
  return true;
}

// The page is still being laid out when a chart first draws (elements above it arrive later, fonts load):
// look again once it has settled.
const REFIT_AFTER_MS = [300, 1200, 3000];

// Draws the newest wanted figure; figures that arrive while one is drawn or waits replace each other,
// so a fast slider never queues stale work.
async function draw(chart) {
  if (chart.drawing || !chart.plot.isConnected) return; // the running loop takes the newest; or unmounted
  chart.drawing = true;
  chart.plot.dataset.drawing = "true"; // tests wait for this to go away before reading the plot
  try {
    while (chart.wanted !== null && chart.wanted !== chart.shown) {
      const text = chart.wanted;
      const spec = JSON.parse(text);
      chart.Plotly = await loadPlotly(spec.library);
      const figure = spec.figure;
      chart.fit = spec.fit || null;
      if (chart.fit) {
        figure.layout = figure.layout || {};
        figure.layout.height = fittedHeight(chart.plot, figure.layout, chart.fit);
      }
      const height = figure.layout && figure.layout.height;
      chart.height = height;
      if (height) chart.plot.style.height = `${height}px`;
      chart.figure = {
        data: figure.data || [],
        layout: figure.layout || {},
        frames: figure.frames || [],
        config: spec.config || {},
      };
      await chart.Plotly.react(chart.plot, chart.figure);
      chart.shown = text;
      chart.drawn = true;
      if (chart.fit) for (const delay of REFIT_AFTER_MS) setTimeout(() => refit(chart), delay);
      chart.plot.dataset.revision = String(Number(chart.plot.dataset.revision || 0) + 1);
    }
  } catch (error) {
    chart.plot.textContent = `This chart could not be drawn: ${error.message}`;
    chart.shown = null;
    chart.wanted = null;
  } finally {
    chart.drawing = false;
    if (!drawQueue().waiting.has(chart)) delete chart.plot.dataset.drawing;
  }
}

// A chart's first draw (from nothing: up to ~2 s for the 3D view here) waits its turn in the page's
// queue; an update of a drawn chart (Plotly.react, ~0.1 s) starts as soon as its figure arrives.
// Queueing the updates too cost a slider ~150 ms (p50, keys pressed back to back, same machine state).
function request(chart) {
  if (chart.drawn) draw(chart);
  else schedule(chart);
}

// The figures are drawn in the theme the server knew of (light or dark); Streamlit does not rerun when the
// viewer switches its theme (menu ⋮), so the page watches its own background and asks for a rerun, once
// per switch, when it no longer matches: the rerun's figures then follow the theme in use.
const THEME = Symbol.for("error-surface-lab.theme");
const THEME_CHECK_MS = 500;

// Whether the app's background is dark; null while it has none yet (transparent).
function pageIsDark() {
  const app = document.querySelector(".stApp");
  const parts = app ? (getComputedStyle(app).backgroundColor.match(/[\d.]+/g) || []).map(Number) : [];
  if (parts.length < 3 || parts[3] === 0) return null;
  return 0.299 * parts[0] + 0.587 * parts[1] + 0.114 * parts[2] < 128;
}

function watchTheme(drawnDark, setTriggerValue) {
  const watch = (globalThis[THEME] ||= { drawnDark, asked: null, trigger: null, timer: null });
  watch.drawnDark = drawnDark;
  watch.trigger = setTriggerValue;
  if (watch.timer !== null) return;
  watch.timer = setInterval(() => {
    const dark = pageIsDark();
    if (dark === null || dark === watch.drawnDark || dark === watch.asked || !watch.trigger) return;
    watch.asked = dark; // once per switch, even before the rerun's figures arrive
    watch.trigger("theme", dark ? "dark" : "light");
  }, THEME_CHECK_MS);
}

export default function mountLiveChart({ data, parentElement, setTriggerValue }) {
  const text = decode(data);
  if (text.startsWith('{"preload"')) {
    const request = JSON.parse(text);
    preload(request.preload);
    if (typeof request.dark === "boolean") watchTheme(request.dark, setTriggerValue);
    return () => {};
  }
  let chart = charts.get(parentElement);
  if (!chart) {
    chart = createChart(parentElement);
    charts.set(parentElement, chart);
  }
  chart.wanted = text;
  if (chart.wanted !== chart.shown) request(chart);
  return chart.dispose;
}
