// A plotly chart as an anywidget, drawn with Plotly.react from the figure's JSON.
//
// plotly's own FigureWidget carries the whole of plotly.js (5 MB) in every
// instance, sent over the websocket and evaluated once per chart. Here the page
// loads plotly.js once: from the server's `workbench/plotly.min.js` route (which
// `workbench serve` and `workbench lab` add, and which the browser caches), or,
// on a server without that route, from the kernel through this widget's comm.

const state = (window.__workbenchPlotly = window.__workbenchPlotly || {});

function baseUrl() {
  const config = document.getElementById("jupyter-config-data");
  if (config) {
    try {
      const base = JSON.parse(config.textContent).baseUrl;
      if (base) return base.endsWith("/") ? base : base + "/";
    } catch (_) { /* not JSON: use the root */ }
  }
  return "/";
}

// plotly.min.js is a UMD bundle: where a page has RequireJS (define.amd), it
// would register as an anonymous AMD module and never set window.Plotly.
function runScript(attributes) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    const define = window.define;
    window.define = undefined;
    const done = (ok, why) => {
      window.define = define;
      if (ok && window.Plotly && window.Plotly.react) resolve(window.Plotly);
      else reject(new Error(why || "plotly.js did not define window.Plotly"));
    };
    script.src = attributes.src;
    script.onload = () => done(true);
    script.onerror = () => done(false, "could not load " + attributes.src);
    document.head.appendChild(script);
  });
}

function bundleFromKernel(model) {
  return new Promise((resolve) => {
    const onMessage = (message) => {
      if (message && typeof message.plotly_js === "string") {
        model.off("msg:custom", onMessage);
        resolve(message.plotly_js);
      }
    };
    model.on("msg:custom", onMessage);
    model.send({ request: "plotly_js" });
  });
}

function loadPlotly(model) {
  if (window.Plotly && window.Plotly.react) return Promise.resolve(window.Plotly);
  if (!state.loading) {
    state.loading = runScript({ src: baseUrl() + "workbench/plotly.min.js" })
      .catch(async () => {
        // from a blob: URL, not an inline script: the served pages' Content-Security-Policy runs
        // no inline script without the server's nonce, and allows blob: scripts
        const text = await bundleFromKernel(model);
        const url = URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
        try {
          return await runScript({ src: url });
        } finally {
          URL.revokeObjectURL(url);
        }
      })
      .catch((error) => {
        state.loading = null;  // let the next chart try again
        throw error;
      });
  }
  return state.loading;
}

// The chart follows the width of its place on the page (a projector, a laptop at 125 %, a big
// screen): figures carry no pixel width, and a ResizeObserver re-lays the chart out when its
// container changes size (also when a hidden tab or accordion opens).
const CONFIG = { displaylogo: false, responsive: false, modeBarButtonsToRemove: ["sendDataToCloud"] };

async function render({ model, el }) {
  const plot = document.createElement("div");
  plot.className = "wb-plotly-chart";
  plot.style.width = "100%";
  el.style.width = "100%";
  el.appendChild(plot);
  let Plotly;
  try {
    Plotly = await loadPlotly(model);
  } catch (error) {
    plot.textContent = "图表无法显示 · The chart cannot be shown: " + error.message;
    return;
  }
  // Draws run one after another: a slider moved quickly sends figures faster than
  // the browser draws them, and only the newest one waiting is worth drawing.
  let drawing = null;
  let waiting = false;
  const draw = async () => {
    if (drawing) { waiting = true; return; }
    const figure = JSON.parse(model.get("figure_json") || "{}");
    drawing = Plotly.react(plot, figure.data || [], figure.layout || {}, CONFIG);
    try { await drawing; } finally { drawing = null; }
    if (waiting) { waiting = false; await draw(); }
  };
  model.on("change:figure_json", draw);
  await draw();
  let lastWidth = plot.clientWidth;
  let pending = null;
  const observer = new ResizeObserver(() => {
    const width = plot.clientWidth;
    if (!width || width === lastWidth) return;  // hidden, or only the height changed
    lastWidth = width;
    clearTimeout(pending);
    pending = setTimeout(() => { if (!drawing) Plotly.Plots.resize(plot); }, 60);
  });
  observer.observe(plot);
  return () => {
    observer.disconnect();
    clearTimeout(pending);
    model.off("change:figure_json", draw);
    Plotly.purge(plot);
  };
}

export default { render };
