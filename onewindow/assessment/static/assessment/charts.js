// Monthly scores over a year (Apache ECharts, served by the stats app from our own static files: no CDN).
// Each <div data-score-chart="ID"> draws the figures of <script type="application/json" id="ID">
// (assessment.selectors.monthly_scores); no inline script: the CSP forbids it.
(function () {
  "use strict";

  var COLOURS = ["#1d4f91", "#1f7a3a", "#b7791f", "#8e3b8e", "#c0392b", "#2c7a7b", "#5a5a5a", "#7d5a2b"];

  function draw(box) {
    var source = document.getElementById(box.getAttribute("data-score-chart"));
    if (!source || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      color: COLOURS,
      textStyle: { fontFamily: "'Noto Sans CJK SC', 'Noto Sans SC', sans-serif" },
      title: { text: box.getAttribute("data-title") || "", left: "center", textStyle: { fontSize: 15 } },
      tooltip: { trigger: "axis" },
      legend: { show: data.series.length > 1, type: "scroll", bottom: 0 },
      grid: { left: 44, right: 20, top: 44, bottom: data.series.length > 1 ? 56 : 32 },
      xAxis: { type: "category", data: data.months, boundaryGap: false },
      yAxis: { type: "value", min: 0, max: 100, interval: 20 },
      series: data.series.map(function (s) {
        return {
          name: s.name,
          type: "line",
          data: s.data,
          connectNulls: false,
          symbolSize: 7,
          label: { show: data.series.length === 1, position: "top" }
        };
      })
    });
    box.dataset.rendered = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll() {
    var boxes = document.querySelectorAll("[data-score-chart]");
    for (var i = 0; i < boxes.length; i += 1) {
      draw(boxes[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
