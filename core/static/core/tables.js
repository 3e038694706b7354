// Narrow screens show every table as one card per row (sympraxis.css): each cell is labelled by
// its column's heading. Tables written with data-label keep theirs; this labels the others.
document.querySelectorAll("main table").forEach(function (table) {
  var heads = table.querySelectorAll("thead th");
  if (!heads.length) return;
  table.querySelectorAll("tbody tr").forEach(function (row) {
    Array.prototype.forEach.call(row.children, function (cell, i) {
      if (!cell.hasAttribute("data-label") && heads[i] && heads[i].textContent.trim()) {
        cell.setAttribute("data-label", heads[i].textContent.trim());
      }
    });
  });
});
