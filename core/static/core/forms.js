// A live character counter under every textarea with a maxlength (progressive enhancement: the
// server checks the length anyway, and says so in the person's language). The wording comes from
// the page (data-counter-text on <body>), so it is translated like every other string.
(function () {
  var template = document.body.getAttribute("data-counter-text");
  if (!template) return;
  document.querySelectorAll("textarea[maxlength]").forEach(function (area, n) {
    var limit = parseInt(area.getAttribute("maxlength"), 10);
    if (!limit) return;
    var counter = document.createElement("div");
    counter.className = "form-text char-counter";
    counter.id = (area.id || "textarea-" + n) + "-counter";
    counter.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", counter);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    var lastAnnounced = -1;
    function update() {
      var used = area.value.length;
      counter.textContent = template.replace("{used}", used.toLocaleString(document.documentElement.lang))
        .replace("{limit}", limit.toLocaleString(document.documentElement.lang));
      counter.classList.toggle("text-danger", used >= limit * 0.9);
      // screen readers hear it near the limit, not on every key press
      var nearLimit = used >= limit * 0.9;
      counter.setAttribute("aria-live", nearLimit && used !== lastAnnounced ? "polite" : "off");
      lastAnnounced = used;
    }
    area.addEventListener("input", update);
    update();
  });
})();
