/* The consultation page's "More comments" links (progressive enhancement): without JavaScript
   each opens the article's pages of comments; with it, the article's threads are fetched a page
   at a time from the hearings API (/api/v1/hearings/consultations/<id>/threads) and added in
   place (the previewed thread gets the replies it left out), and the link moves on to the page
   after, or goes when there is none. Texts come translated from the
   link's data attributes; comment bodies are set as text, never as HTML. */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function when(iso, zone) {
    var date = new Date(iso);
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        dateStyle: "medium", timeStyle: "short", hourCycle: "h23", timeZone: zone || undefined
      }).format(date);
    } catch (e) {
      return date.toLocaleString();
    }
  }

  function texts() {
    var holder = document.getElementById("comments-texts");
    return holder ? holder.dataset : {};
  }

  function comment(item, link, top) {
    var d = texts();
    var li = el("li", "comment card");
    li.id = "comment-" + item.id;
    li.setAttribute("data-comment", item.id);
    var meta = el("p", "meta");
    if (item.register_number) {
      meta.appendChild(el("span", "register-number", d.number.replace("{n}", item.register_number)));
      meta.appendChild(document.createTextNode(" · "));
    }
    meta.appendChild(el("strong", "", item.organisation || item.author));
    if (item.organisation) {
      meta.appendChild(document.createTextNode(" (" + d.onBehalf.replace("{name}", item.author) + ")"));
    }
    meta.appendChild(document.createTextNode(" · "));
    var time = el("time", "", when(item.created_at, d.zone));
    time.setAttribute("datetime", item.created_at);
    meta.appendChild(time);
    if (item.edited_at) meta.appendChild(document.createTextNode(" · " + d.edited));
    li.appendChild(meta);
    if (item.status === "hidden") {
      li.appendChild(el("p", "notice notice-warning", d.hidden.replace("{reason}", item.hidden_reason || "")));
    }
    if (item.status === "withdrawn") {
      var p = el("p", "meta");
      p.appendChild(el("em", "", d.withdrawn));
      li.appendChild(p);
    } else {
      var body = el("div", "comment-body");
      (item.body || "").split("\n").forEach(function (line, i) {
        if (i) body.appendChild(document.createElement("br"));
        body.appendChild(document.createTextNode(line));
      });
      li.appendChild(body);
    }
    if (top && item.replies && item.replies.length) {
      var ul = el("ul", "replies");
      item.replies.forEach(function (r) { ul.appendChild(comment(r, link, false)); });
      li.appendChild(ul);
    }
    return li;
  }

  function load(event) {
    var link = event.currentTarget;
    if (!link.dataset.api || !window.fetch) return;
    event.preventDefault();
    var label = link.textContent;
    link.setAttribute("aria-busy", "true");
    link.textContent = texts().loading || label;
    fetch(link.dataset.api, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        var pages = JSON.parse(response.headers.get("X-Pagination") || "{}");
        return response.json().then(function (items) { return { items: items, pages: pages }; });
      })
      .then(function (answer) {
        var holder = link.closest(".more-comments");
        var list = holder.previousElementSibling;
        if (!list || !list.classList.contains("comments")) {
          list = el("ul", "comments");
          holder.parentNode.insertBefore(list, holder);
        }
        answer.items.forEach(function (item) {
          var shown = document.getElementById("comment-" + item.id);
          if (!shown) { list.appendChild(comment(item, link, true)); return; }
          // a thread the page previewed: add the replies it left out
          var replies = shown.querySelector(":scope > ul.replies");
          (item.replies || []).forEach(function (r) {
            if (document.getElementById("comment-" + r.id)) return;
            if (!replies) {
              replies = el("ul", "replies");
              var after = shown.querySelector(":scope > .more-replies") || shown.querySelector(":scope > details");
              shown.insertBefore(replies, after);
            }
            replies.appendChild(comment(r, link, false));
          });
          var more = shown.querySelector(":scope > .more-replies");
          if (more) more.remove();
        });
        var next = answer.pages.next_page;
        if (next) {
          var api = new URL(link.dataset.api, window.location.href);
          api.searchParams.set("page", next);
          link.dataset.api = api.pathname + api.search;
          var page = new URL(link.href, window.location.href);
          page.searchParams.set("page", next);
          link.href = page.pathname + page.search;
          link.textContent = label;
          link.removeAttribute("aria-busy");
        } else {
          holder.remove();
        }
      })
      .catch(function () {
        link.textContent = label;
        link.removeAttribute("aria-busy");
        link.removeAttribute("data-api");
        link.title = texts().failed || "";
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".more-comments a[data-api]").forEach(function (link) {
      link.addEventListener("click", load);
    });
  });
})();
