// The lobby screen refreshes itself: every data-refresh seconds it fetches the public figures (aggregates
// only) and rewrites the numbers. On a failure it keeps the last figures and tries again next time.
(function () {
  "use strict";

  function percent(rate) {
    return rate === null ? "—" : Math.round(rate * 100) + "%";
  }

  function cell(tag, text) {
    var element = document.createElement(tag);
    element.textContent = text;
    return element;
  }

  function render(data) {
    document.getElementById("lobby-date").textContent = data.date;
    document.getElementById("lobby-updated").textContent = data.updated_at.slice(11, 16);
    document.getElementById("lobby-accepted").textContent = data.accepted_today;
    document.getElementById("lobby-in-progress").textContent = data.in_progress;
    document.getElementById("lobby-issued").textContent = data.issued_today;
    document.getElementById("lobby-rate").textContent = percent(data.on_time_rate_month);
    var body = document.getElementById("lobby-departments");
    var rows = document.createDocumentFragment();
    data.departments.forEach(function (d) {
      var row = document.createElement("tr");
      row.appendChild(cell("th", d.name));
      row.appendChild(cell("td", d.accepted_today));
      row.appendChild(cell("td", d.in_progress));
      row.appendChild(cell("td", d.issued_today));
      row.appendChild(cell("td", percent(d.on_time_rate_month)));
      rows.appendChild(row);
    });
    body.replaceChildren(rows);
  }

  function start() {
    var root = document.getElementById("lobby");
    if (!root || !document.getElementById("lobby-accepted")) {
      return;
    }
    var seconds = parseInt(root.dataset.refresh, 10) || 30;
    function refresh() {
      fetch(root.dataset.source, { headers: { Accept: "application/json" }, credentials: "omit" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data) { render(data); } })
        .catch(function () { /* keep the last figures */ });
    }
    window.setInterval(refresh, seconds * 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
