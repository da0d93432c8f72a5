// The plotly.js this app loads: plotly's core with only the trace types the figures use.
// Keep in step with TRACES in components/plotly_library.py (a test compares the two).
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/contour'),
    require('plotly.js/lib/surface'),
    require('plotly.js/lib/scatter3d'),
]);

module.exports = Plotly;
