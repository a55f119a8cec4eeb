(function () {
  function enhance(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!Number.isNaN(d.getTime())) el.textContent = d.toLocaleString(document.documentElement.lang, { dateStyle: "full", timeStyle: "short" });
    });
    // Each photo (a delivery may have up to three) enlarges in its own dialog.
    root.querySelectorAll("[data-photo]").forEach(function (photo) {
      var zoom = photo.querySelector("a[data-zoom]"), dialog = photo.querySelector("dialog.zoom");
      if (!zoom || !dialog || !dialog.showModal) return;
      zoom.addEventListener("click", function (event) { event.preventDefault(); dialog.showModal(); });
      dialog.addEventListener("click", function (event) { if (event.target === dialog || event.target.tagName === "IMG") dialog.close(); });
    });
  }
  enhance(document);
  var card = document.querySelector("[data-events]");
  if (!card || !window.EventSource) return;
  var source = new EventSource(card.getAttribute("data-events"));
  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-events]");
        var current = document.querySelector("[data-events]");
        if (!fresh || !current) return;
        current.replaceWith(fresh);
        enhance(fresh);
        fresh.setAttribute("data-updated", "live");
      });
  }
  ["delivery.delivered", "photo.deleted"].forEach(function (type) { source.addEventListener(type, refresh); });
})();
