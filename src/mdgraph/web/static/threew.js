// The 3W matrix: changing an axis redraws the table at once, and the row and column of the
// cell under the pointer or keyboard focus are outlined. The table works without this.
(function () {
  "use strict";
  document.querySelectorAll("form.axes select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  const table = document.getElementById("matrix");
  if (!table) { return; }
  function mark(cell, on) {
    const row = cell.parentElement;
    const column = Array.prototype.indexOf.call(row.children, cell);
    row.classList.toggle("crosshair", on);
    table.querySelectorAll("tr").forEach(function (tr) {
      const other = tr.children[column];
      if (other) { other.classList.toggle("crosshair", on); }
    });
  }
  ["mouseover", "focusin"].forEach(function (type) {
    table.addEventListener(type, function (event) {
      const cell = event.target.closest("td");
      if (cell) { mark(cell, true); }
    });
  });
  ["mouseout", "focusout"].forEach(function (type) {
    table.addEventListener(type, function (event) {
      const cell = event.target.closest("td");
      if (cell) { mark(cell, false); }
    });
  });
})();
