"""When a change in the page reaches the screen: the frame that paints it.

The browser benchmarks time "input → the chart shows the new state". At the scale of the targets (50 ms
for the sweep) it matters which frame the clock stops at:

* a change made by an ordinary task (``Plotly.react`` after a websocket message, a React commit) is painted
  by the *next* frame: the clock stops when that frame begins (at its animation-frame callbacks);
* a change made inside a frame (``Plotly.animate`` draws from a ``requestAnimationFrame`` callback) is painted
  by *that* frame: the clock stops at the change. Asking for another animation frame there, as the sweep's
  timing used to, adds a whole frame (16.7 ms) the student does not wait for. Measured on the sweep: pointer →
  ``plotly_animated`` + one more frame p50 44 ms; pointer → the end of the painting frame p50 32 ms, the same
  as Chromium's own Event Timing of the click (32 ms, which counts to the end of the next paint).

The page cannot tell the two apart reliably by itself (a marker cleared by a message posted from the frame
is cleared only after the tasks queued before it, so changes made by those tasks looked "in the frame":
measured, up to 62 ms early on the explorer's slider), so the caller says which kind it times.

Not counted: the painting frame's style, layout and paint (a few ms). Their end cannot be read reliably from
a busy page either: a message posted to mark it waits behind the queued tasks (measured: a median of
+5 ms on the explorer's slider, but up to +280 ms while the other charts were still being drawn).

:data:`FRAME_CLOCK` is an init script defining ``window.__timeChange(root, changed, inFrame, limit)``: it
resolves with the milliseconds from the call until the frame that paints the first change under ``root``
for which ``changed()`` holds (or -1 after ``limit`` ms). ``changed`` is checked by a ``MutationObserver``,
whose callbacks run right after the script that changed the DOM, in the same task or frame.
"""

from __future__ import annotations

FRAME_CLOCK = """
window.__timeChange = (root, changed, inFrame = false, limit = 30000) => new Promise(resolve => {
    const began = performance.now();
    let seen = false;
    const stop = value => { observer.disconnect(); clearTimeout(timer); resolve(value); };
    const observer = new MutationObserver(() => {
        if (seen || !changed()) return;
        seen = true;
        if (inFrame) stop(performance.now() - began);
        else requestAnimationFrame(() => stop(performance.now() - began));
    });
    observer.observe(root, {subtree: true, childList: true, attributes: true, characterData: true});
    const timer = setTimeout(() => { if (!seen) stop(-1); }, limit);
});
"""
