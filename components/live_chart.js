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

const LIBRARY = Symbol.for("error-surface-lab.plotly");
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
  const chart = { plot, shown: null, wanted: null, drawing: false, Plotly: null };
  // Streamlit changes a column's width without resizing the window (sidebar, layout): follow it.
  chart.resizer = new ResizeObserver(() => {
    if (chart.Plotly && chart.shown !== null) chart.Plotly.Plots.resize(plot);
  });
  chart.resizer.observe(plot);
  chart.dispose = () => {
    chart.resizer.disconnect();
    if (chart.Plotly) chart.Plotly.purge(plot);
    plot.remove();
    charts.delete(mountPoint);
  };
  return chart;
}

// Draws the newest wanted figure; figures that arrive while one is being drawn replace each other,
// so a fast slider never queues stale work.
async function draw(chart) {
  if (chart.drawing) return;
  chart.drawing = true;
  chart.plot.dataset.drawing = "true"; // tests wait for this to go away before reading the plot
  try {
    while (chart.wanted !== null && chart.wanted !== chart.shown) {
      const text = chart.wanted;
      const spec = JSON.parse(text);
      chart.Plotly = await loadPlotly(spec.library);
      const figure = spec.figure;
      const height = figure.layout && figure.layout.height;
      if (height) chart.plot.style.height = `${height}px`;
      await chart.Plotly.react(chart.plot, {
        data: figure.data || [],
        layout: figure.layout || {},
        frames: figure.frames || [],
        config: spec.config || {},
      });
      chart.shown = text;
      chart.plot.dataset.revision = String(Number(chart.plot.dataset.revision || 0) + 1);
    }
  } catch (error) {
    chart.plot.textContent = `This chart could not be drawn: ${error.message}`;
    chart.shown = null;
    chart.wanted = null;
  } finally {
    chart.drawing = false;
    delete chart.plot.dataset.drawing;
  }
}

export default function mountLiveChart({ data, parentElement }) {
  let chart = charts.get(parentElement);
  if (!chart) {
    chart = createChart(parentElement);
    charts.set(parentElement, chart);
  }
  chart.wanted = decode(data);
  draw(chart);
  return chart.dispose;
}
