// The statistics page's charts (Apache ECharts, served from our own static files): acceptances and
// completions per month, the on-time rate per department. The figures come from the page's
// <script type="application/json" id="stats-chart-data"> element (no inline script: the CSP forbids it).
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("stats-chart-data");
    if (!source || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var labels = data.labels;
    var font = { fontFamily: "'Noto Sans CJK SC', 'Noto Sans SC', sans-serif" };

    var months = document.getElementById("chart-months");
    if (months) {
      var monthChart = window.echarts.init(months, null, { renderer: "canvas" });
      monthChart.setOption({
        animation: false,
        textStyle: font,
        title: { text: labels.per_month, left: "center", textStyle: { fontSize: 15 } },
        tooltip: { trigger: "axis" },
        legend: { bottom: 0, data: [labels.accepted, labels.completed] },
        grid: { left: 48, right: 16, top: 40, bottom: 48 },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: labels.accepted, type: "bar", data: data.accepted, itemStyle: { color: "#1d4f91" } },
          { name: labels.completed, type: "bar", data: data.completed, itemStyle: { color: "#1f7a3a" } }
        ]
      });
      months.dataset.rendered = "true";
      window.addEventListener("resize", function () { monthChart.resize(); });
    }

    var departments = document.getElementById("chart-departments");
    if (departments) {
      var departmentChart = window.echarts.init(departments, null, { renderer: "canvas" });
      departmentChart.setOption({
        animation: false,
        textStyle: font,
        title: { text: labels.per_department, left: "center", textStyle: { fontSize: 15 } },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
        grid: { left: 120, right: 56, top: 40, bottom: 24 },
        xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        yAxis: { type: "category", data: data.departments, inverse: true },
        series: [
          {
            name: labels.rate,
            type: "bar",
            data: data.on_time_rate,
            itemStyle: { color: "#b7791f" },
            label: { show: true, position: "right", formatter: "{c}%" }
          }
        ]
      });
      departments.dataset.rendered = "true";
      window.addEventListener("resize", function () { departmentChart.resize(); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
