// Buttons marked data-print open the browser's print dialogue (progressive enhancement: hidden
// until this script runs; without it, the browser's own Print command does the same).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
