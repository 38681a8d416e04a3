/* Charts for every page (DESIGN §2): a chart is <div class="chart" data-option-id="ID"> beside a
   <script type="application/json" id="ID"> holding an ECharts option built on the server, so what a chart
   shows is the page's JSON. Optional: data-geo-name / data-geo-url register a GeoJSON map (served by the
   application itself) before the chart is drawn; data-file-name names the PNG download.
   Every chart gets a "save as PNG" tool; a data item with a `url` is a link (click to drill down).
   Without ECharts (assets not installed) the charts stay empty and the tables beside them carry the data. */
(function () {
  "use strict";
  var geoLoaded = {};

  function big() { return document.documentElement.classList.contains("big"); }

  function loadGeo(name, url) {
    if (!name || !url) return Promise.resolve(true);
    if (!geoLoaded[name]) {
      geoLoaded[name] = fetch(url, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (geojson) { window.echarts.registerMap(name, geojson); return true; })
        .catch(function () { return false; });
    }
    return geoLoaded[name];
  }

  function withDefaults(option, element) {
    if (!option.toolbox) {
      option.toolbox = { right: 8, feature: { saveAsImage: {
        type: "png", pixelRatio: 2, title: element.getAttribute("data-save-title") || "PNG",
        name: element.getAttribute("data-file-name") || element.getAttribute("data-option-id") || "chart" } } };
    }
    if (big()) option.backgroundColor = option.backgroundColor || "transparent";
    return option;
  }

  function draw(element) {
    if (element.getAttribute("data-drawn") || !window.echarts) return;
    var source = document.getElementById(element.getAttribute("data-option-id"));
    if (!source) return;
    element.setAttribute("data-drawn", "1");
    var option = withDefaults(JSON.parse(source.textContent), element);
    loadGeo(element.getAttribute("data-geo-name"), element.getAttribute("data-geo-url")).then(function (ok) {
      if (!ok) {
        element.classList.add("chart-missing");
        element.textContent = element.getAttribute("data-missing-text") || "";
        return;
      }
      var chart = window.echarts.init(element, big() ? "dark" : null, { renderer: "canvas" });
      chart.setOption(option);
      chart.on("click", function (params) {
        if (params.data && params.data.url) window.location.href = params.data.url;
      });
      element._chart = chart;
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll(".chart[data-option-id]").forEach(draw);
  }

  function redrawAll() {
    document.querySelectorAll(".chart[data-drawn]").forEach(function (element) {
      if (element._chart) { element._chart.dispose(); element._chart = null; }
      element.removeAttribute("data-drawn");
    });
    drawAll(document);
  }

  // The big-screen switch: larger type and a dark theme for a 1920×1080 wall, kept per browser.
  function setBig(on) {
    document.documentElement.classList.toggle("big", on);
    try { localStorage.setItem("ib-big-screen", on ? "1" : ""); } catch (e) { /* private mode */ }
    var button = document.getElementById("big-screen");
    if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("big-screen");
    if (button) {
      button.hidden = false;
      button.setAttribute("aria-pressed", big() ? "true" : "false");
      button.addEventListener("click", function () { setBig(!big()); redrawAll(); });
    }
    drawAll(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      document.querySelectorAll(".chart[data-drawn]").forEach(function (e) { if (e._chart) e._chart.resize(); });
    }, 150);
  });
})();
