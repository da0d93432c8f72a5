// Reports where the user clicked a Plotly chart that st.plotly_chart(key=...) drew on the page.
//
// v2 components are not iframes: this module runs in the app's own document, so it can listen to
// the chart's DOM. Streamlit calls the default export again whenever the component's data changes
// and keeps only the last returned cleanup, so each mount point gets exactly one controller.
//
// A click is a press and release that moves less than plotly's own drag threshold; anything
// longer is a zoom, pan or rotation and is ignored.
// Flat charts: the press must be on a cartesian subplot's drag layer (`.nsewdrag`, which covers
// the plot area); its pixel is converted to data units by the axis objects (`axis.p2c`). This
// works on empty background too, where no trace is hit and plotly emits no `plotly_click`.
// 3D charts: the point plotly picks under the pointer. gl3d emits `plotly_click` while the button
// is down (even at the start of a rotation, hence the check at release); for a press too short to
// span a rendered frame the last `plotly_hover` point (the one whose label is shown) is used.
//
// Listening on `document` (event delegation) keeps this working when a rerun replaces the chart's
// DOM; plotly's own events are attached to each plot element the first time the pointer enters it.

// plotly.js's MINDRAG: a press that moves less than this is a click, not a zoom or a pan.
const DRAG_THRESHOLD_PX = 8;
const TRIGGER = "click";
const PLOTLY_EVENTS = ["plotly_click", "plotly_hover", "plotly_unhover"];

const controllers = new WeakMap();

function plotInChart(target, chartClass) {
  if (!chartClass || !(target instanceof Element)) return null;
  const plot = target.closest(".js-plotly-plot");
  if (!plot || !plot.closest(`.${chartClass}`)) return null;
  return plot;
}

function axesOf(plot, dragLayer) {
  const layout = plot._fullLayout;
  if (!layout) return null;
  const subplot = layout._plots && layout._plots[dragLayer.getAttribute("data-subplot")];
  const xaxis = subplot ? subplot.xaxis : layout.xaxis;
  const yaxis = subplot ? subplot.yaxis : layout.yaxis;
  if (!xaxis || !yaxis || typeof xaxis.p2c !== "function" || typeof yaxis.p2c !== "function") {
    return null;
  }
  return { xaxis, yaxis };
}

// The drag layer covers exactly the subplot's plot area, so a pixel relative to its corner is the
// axis pixel that plotly's p2c expects (p2c undoes the axis's linear or log scaling and direction).
function planePoint(press) {
  const axes = axesOf(press.plot, press.dragLayer);
  if (!axes) return null;
  const box = press.dragLayer.getBoundingClientRect();
  const x = axes.xaxis.p2c(press.clientX - box.left);
  const y = axes.yaxis.p2c(press.clientY - box.top);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
  return { x, y, z: null, source: "plane" };
}

function surfacePoint(eventData) {
  const point = eventData && eventData.points && eventData.points[0];
  // Cartesian traces also emit plotly events; their clicks are read from the drag layer instead.
  if (!point || !point.fullData || point.fullData.scene === undefined) return null;
  const { x, y, z } = point;
  if (![x, y, z].every(Number.isFinite)) return null;
  return { x, y, z, source: "surface" };
}

function createController(mountPoint) {
  const controller = { chartClass: null, setTriggerValue: null, press: null };
  const watched = new Map(); // plot element -> its plotly event handlers
  const hovered = new WeakMap(); // plot element -> 3D point under the pointer

  const watch = (plot) => {
    for (const [known, handlers] of watched) {
      if (!known.isConnected) {
        unwatch(known, handlers);
        watched.delete(known);
      }
    }
    if (watched.has(plot) || typeof plot.on !== "function") return;
    const handlers = {
      plotly_click: (eventData) => {
        const press = controller.press;
        const point = surfacePoint(eventData);
        if (press && press.plot === plot && point) press.surfacePoint = point;
      },
      plotly_hover: (eventData) => hovered.set(plot, surfacePoint(eventData)),
      plotly_unhover: () => hovered.delete(plot),
    };
    for (const name of PLOTLY_EVENTS) plot.on(name, handlers[name]);
    watched.set(plot, handlers);
  };

  const unwatch = (plot, handlers) => {
    if (typeof plot.removeListener !== "function") return;
    for (const name of PLOTLY_EVENTS) plot.removeListener(name, handlers[name]);
  };

  const onPointerOver = (event) => {
    const plot = plotInChart(event.target, controller.chartClass);
    if (plot) watch(plot);
  };

  const onPointerDown = (event) => {
    controller.press = null;
    // Streamlit can unmount a component before its module has run (and returned its cleanup);
    // such a controller would outlive its element, so it removes itself.
    if (!mountPoint.isConnected) {
      controller.dispose();
      return;
    }
    if (!event.isPrimary || event.button !== 0) return;
    const plot = plotInChart(event.target, controller.chartClass);
    if (!plot) return;
    watch(plot);
    const dragLayer = event.target.closest(".nsewdrag");
    const inScene = event.target.closest(".gl-container") !== null;
    if (!dragLayer && !inScene) return;
    controller.press = {
      plot, dragLayer, pointerId: event.pointerId, clientX: event.clientX, clientY: event.clientY,
      surfacePoint: null,
    };
  };

  const onPointerUp = (event) => {
    const press = controller.press;
    controller.press = null;
    if (!press || event.pointerId !== press.pointerId) return;
    const moved = Math.hypot(event.clientX - press.clientX, event.clientY - press.clientY);
    if (moved >= DRAG_THRESHOLD_PX) return;
    const point = press.dragLayer
      ? planePoint(press)
      : press.surfacePoint || hovered.get(press.plot) || null;
    if (point && controller.setTriggerValue) controller.setTriggerValue(TRIGGER, point);
  };

  const onPointerCancel = () => {
    controller.press = null;
  };

  const listeners = {
    pointerover: onPointerOver,
    pointerdown: onPointerDown,
    pointerup: onPointerUp,
    pointercancel: onPointerCancel,
  };
  for (const [name, listener] of Object.entries(listeners)) {
    document.addEventListener(name, listener, true);
  }

  controller.dispose = () => {
    for (const [name, listener] of Object.entries(listeners)) {
      document.removeEventListener(name, listener, true);
    }
    for (const [plot, handlers] of watched) unwatch(plot, handlers);
    watched.clear();
    controller.setTriggerValue = null;
    if (controllers.get(mountPoint) === controller) controllers.delete(mountPoint);
  };
  return controller;
}

export default function mountPlotlyClick({ data, parentElement, setTriggerValue }) {
  let controller = controllers.get(parentElement);
  if (!controller) {
    controller = createController(parentElement);
    controllers.set(parentElement, controller);
  }
  controller.chartClass = data && data.chart_class;
  controller.setTriggerValue = setTriggerValue;
  return controller.dispose;
}
