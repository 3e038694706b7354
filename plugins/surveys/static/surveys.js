// Conditional questions: show a question only while the earlier one it depends on has the
// answer it asks for. Without JavaScript every question shows, with a note saying when to answer
// it; the server ignores the answers of questions whose condition is not met.
(function () {
  "use strict";
  function values(form, name) {
    var out = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") ? el.checked : el.value) out.push(el.value);
    });
    return out;
  }
  function visible(form, el) {
    var target = form.querySelector("#" + CSS.escape(el.dataset.showIf));
    if (target && target.hidden) return false;
    return values(form, el.dataset.showIf).indexOf(el.dataset.showValue) !== -1;
  }
  function update(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (el) {
      el.hidden = !visible(form, el);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.survey-form");
    if (!form) return;
    form.querySelectorAll(".survey-cond-hint").forEach(function (el) { el.classList.add("visually-hidden"); });
    update(form);
    form.addEventListener("change", function () { update(form); });
  });
})();
