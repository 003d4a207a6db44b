/* Scans at the window: drop files on a material's row (or the desk's scan field) to attach them. */
(function () {
  function dropTarget(zone, input, submit) {
    zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("dragging"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("dragging");
      if (!e.dataTransfer || !e.dataTransfer.files.length) { return; }
      input.files = e.dataTransfer.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      if (submit) { input.form.requestSubmit(); }
    });
  }
  document.querySelectorAll("tr.scan-drop").forEach(function (row) {
    var input = row.querySelector("form.scan-upload input[type=file]");
    if (input) { dropTarget(row, input, true); }
  });
  document.querySelectorAll("tr[data-scan-row]").forEach(function (row) {
    var input = row.querySelector("input[type=file]");
    var received = row.querySelector("input[name=materials]");
    if (!input) { return; }
    dropTarget(row, input, false);
    // A scanned material was received: tick it (the server refuses scans of unticked materials).
    input.addEventListener("change", function () { if (input.files.length && received) { received.checked = true; } });
  });
})();
