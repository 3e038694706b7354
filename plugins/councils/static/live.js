// The meeting page's live quorum (progressive enhancement: without JavaScript a reload shows
// the same). Every few seconds it asks the page's JSON for who is present against the quorum;
// the secretary's attendance boxes are saved as they are ticked; each item's vote count follows. When the quorum is reached or
// lost the page reloads (the voting forms come or go), unless someone is typing in a form.
// A file, not an inline script: the Content-Security-Policy allows the platform's scripts only.
(function () {
  "use strict";
  var box = document.getElementById("councils-quorum");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-live-url");
  var every = parseInt(box.getAttribute("data-poll-ms"), 10) || 4000;
  var reached = box.getAttribute("data-reached");
  var names = document.getElementById("councils-present-names");
  var form = document.getElementById("councils-attendance");
  var timer = null;

  function show(state) {
    box.textContent = state.message;
    box.setAttribute("data-present", String(state.present));
    if (names) { names.textContent = state.present_names.join(", "); }
    Object.keys(state.tallies || {}).forEach(function (item) {
      var tally = document.querySelector('[data-tally="' + item + '"]');
      if (tally) { tally.textContent = state.tallies[item]; }
    });
    var now = state.reached ? "1" : "0";
    if (now !== reached) {
      reached = now;
      var active = document.activeElement;
      var typing = active && active.form && active.type !== "checkbox" && active.type !== "submit";
      if (!typing) { window.location.reload(); }
    }
  }

  function ask(init) {
    init = init || {};
    init.credentials = "same-origin";
    init.cache = "no-store";
    init.headers = { Accept: "application/json" };
    return fetch(init.method === "POST" ? form.action : url, init)
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) { if (state) { show(state); } })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  function poll() {
    clearTimeout(timer);
    var next = function () { timer = setTimeout(poll, every); };
    if (document.hidden) { next(); return; }
    ask().then(next, next);
  }

  if (form) {
    form.addEventListener("change", function () {
      var data = new FormData(form);
      // the page's form is posted again at each tick: its one-submission token (core.form_once)
      // would make every tick after the first a repeat; setting attendance is safe to repeat
      data.delete("_once");
      ask({ method: "POST", body: data });
    });
  }
  timer = setTimeout(poll, every);
})();
