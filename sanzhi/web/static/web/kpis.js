/* The KPI dashboard's charts (ECharts, vendored): trend, category mix and the ranking of children. */
(function () {
  "use strict";
  var source = document.getElementById("kpi-data");
  if (!source || typeof window.echarts !== "object") { return; }
  var data = JSON.parse(source.textContent);
  var lang = document.documentElement.lang || "zh-hans";
  var zh = lang.indexOf("zh") === 0;
  var t = function (zhText, enText) { return zh ? zhText : enText; };
  var charts = [];
  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = window.echarts.init(el);
    chart.setOption(option);
    el.setAttribute("data-rendered", "true");
    charts.push(chart);
  }
  var pct = function (v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; };
  draw("kpi-trend", {
    tooltip: { trigger: "axis" },
    legend: { data: [t("有效诉求", "Valid"), t("办结", "Resolved"), t("解决率", "Resolution rate")] },
    grid: { left: 40, right: 50, bottom: 30, top: 40 },
    xAxis: { type: "category", data: data.trend.labels },
    yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 1, axisLabel: { formatter: pct } }],
    series: [
      { name: t("有效诉求", "Valid"), type: "bar", data: data.trend.received },
      { name: t("办结", "Resolved"), type: "bar", data: data.trend.resolved },
      { name: t("解决率", "Resolution rate"), type: "line", yAxisIndex: 1, data: data.trend.resolution_rate,
        tooltip: { valueFormatter: pct } }
    ]
  });
  draw("kpi-mix", {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "70%"], data: data.categories }]
  });
  var ranking = data.ranking.slice().reverse();
  draw("kpi-ranking", {
    tooltip: { trigger: "axis", valueFormatter: pct },
    grid: { left: 120, right: 40, top: 10, bottom: 20 },
    xAxis: { type: "value", min: 0, max: 1, axisLabel: { formatter: pct } },
    yAxis: { type: "category", data: ranking.map(function (r) { return r.name; }) },
    series: [{ type: "bar", data: ranking.map(function (r) { return r.value; }),
      label: { show: true, position: "right", formatter: function (p) { return pct(p.value); } } }]
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
