// The speaker queue's "update every 20 seconds" switch (progressive enhancement: hidden without
// JavaScript, where the Refresh link does the same). A file, not an inline script: the
// Content-Security-Policy allows scripts from the platform only.
(function () {
  var box = document.getElementById("auto-refresh"), wrap = document.getElementById("auto-wrap"), timer = null;
  if (!box || !wrap) { return; }
  wrap.hidden = false;
  box.checked = sessionStorage.getItem("hearings-auto-refresh") === "1";
  function arm() { clearTimeout(timer); if (box.checked) { timer = setTimeout(function () { location.reload(); }, 20000); } }
  box.addEventListener("change", function () { sessionStorage.setItem("hearings-auto-refresh", box.checked ? "1" : "0"); arm(); });
  arm();
})();
