/* Admin's charts (the editorial dashboard on the index, the audience dashboard): each
   <canvas data-chart="name" data-kind="bar|hbar|stacked|line|doughnut"> is drawn with Chart.js (vendored in
   tagging/static/tagging/vendor) from the figure of that name in the page's "…-charts" JSON (json_script). The tables
   beside each chart hold the same figures for screen readers and copying. */
(function () {
  "use strict";
  var PALETTE = ["#0052D9", "#2BA471", "#E37318", "#D54941", "#7E2FC7", "#029CD4", "#C9353F", "#5E7CE0"];

  function draw() {
    var sources = document.querySelectorAll('script[type="application/json"][id$="-charts"]');
    if (sources.length === 0 || typeof Chart === "undefined") {
      return;
    }
    var charts = {};
    sources.forEach(function (source) {
      Object.assign(charts, JSON.parse(source.textContent));
    });
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var figure = charts[canvas.dataset.chart];
      if (!figure || figure.labels.length === 0 || figure.datasets.length === 0) {
        canvas.parentNode.style.display = "none";
        return;
      }
      var kind = canvas.dataset.kind;
      var horizontal = kind === "hbar";
      var datasets = figure.datasets.map(function (dataset, index) {
        var colour = PALETTE[index % PALETTE.length];
        return {
          label: dataset.label,
          data: dataset.data,
          backgroundColor: kind === "doughnut" ? PALETTE : colour,
          borderColor: colour,
          fill: false,
          tension: 0.2
        };
      });
      var scales = {};
      if (kind !== "doughnut") {
        var valueAxis = horizontal ? "x" : "y";
        scales[valueAxis] = { beginAtZero: true, ticks: { precision: 0 }, stacked: kind === "stacked" };
        if (kind === "stacked") {
          scales.x = { stacked: true };
        }
        if (canvas.dataset.max) {
          scales[valueAxis].max = Number(canvas.dataset.max);
        }
      }
      new Chart(canvas, {
        type: kind === "hbar" || kind === "stacked" ? "bar" : kind,
        data: { labels: figure.labels, datasets: datasets },
        options: {
          indexAxis: horizontal ? "y" : "x",
          maintainAspectRatio: false,
          animation: false,
          scales: scales,
          plugins: { legend: { display: datasets.length > 1 || kind === "doughnut" } }
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
