"use strict";
// The activity log, for admins: who changed what (operators, API keys, the command line), and
// what staff and keys did with customers' data, newest first, a page at a time.
(function (C) {
  const { T, el, api, show, problem, who } = C;
  // To the second: two changes a minute apart must not read as one.
  const at = (iso) => new Date(iso).toLocaleString(document.documentElement.lang, { dateStyle: "medium", timeStyle: "medium" });

  function row(entry) {
    return el("tr", {},
      el("td", {}, el("time", { datetime: entry.at }, at(entry.at))),
      el("td", {}, who(entry.actor)),
      el("th", { scope: "row" }, T["activity." + entry.action] || entry.action),
      el("td", {}, entry.target_id ? el("code", { title: entry.target_id }, entry.target_id.slice(0, 8)) : "—"),
      el("td", {}, entry.detail || ""));
  }

  async function page(before) {
    const response = await api("/api/v1/activity?limit=50" + (before ? "&before=" + encodeURIComponent(before) : ""));
    if (!response.ok) { show(await problem(response)); return null; }
    return response.json();
  }

  async function activity() {
    const first = await page(null);
    if (!first) return;
    const body = el("tbody", {}, first.items.map(row));
    const more = el("p", {});
    // The next page goes under this one; focus moves to its first row, so a keyboard or screen
    // reader user carries on reading where the new entries begin.
    const offer = (next) => more.replaceChildren(...(next ? [el("button", { type: "button", onclick: async (e) => {
      e.target.disabled = true;
      const following = await page(next);
      if (!following) return;
      const rows = following.items.map(row);
      body.append(...rows);
      offer(following.next);
      if (rows[0]) { rows[0].tabIndex = -1; rows[0].focus(); }
    } }, T.activityOlder)] : []));
    offer(first.next);
    show(el("section", { "data-view": "activity" },
      el("h2", {}, T.activityTitle), el("p", {}, T.activityIntro),
      el("div", { class: "card" }, first.items.length ? el("table", { class: "deliveries" },
        el("caption", { class: "sr-only" }, T.activityTitle),
        el("thead", {}, el("tr", {}, [T.activityWhen, T.activityWho, T.activityWhat, T.activityTarget, T.activityDetail]
          .map((h) => el("th", { scope: "col" }, h)))),
        body) : el("p", {}, T.activityNone), more)));
  }

  C.views.activity = activity;
})(window.DoorstepConsole);
