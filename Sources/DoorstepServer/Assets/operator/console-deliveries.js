"use strict";
// The console's deliveries: find one by order reference, recipient email, state and dates (a
// page at a time, newest first), and a page for each with its photos (shown only when asked,
// since each view is recorded under the operator's name), verdicts, what happened, and reports.
(function (C) {
  const { T, el, api, show, when } = C;
  const PAGE = 25;
  const STATES = ["created", "out_for_delivery", "delivered", "failed"];
  let lastSearch = {};

  // A date field (the operator's own day) as the instant it starts, in UTC.
  const dayStart = (value, plusDays) => {
    const day = new Date(value + "T00:00:00");
    day.setDate(day.getDate() + plusDays);
    return day.toISOString();
  };

  function query(filters, cursor) {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (filters.order) q.set("order_reference", filters.order);
    if (filters.email) q.set("recipient_email", filters.email);
    if (filters.state) q.set("state", filters.state);
    if (filters.courier) q.set("courier_id", filters.courier);
    // created_after is strict: a millisecond before the first day starts.
    if (filters.from) q.set("created_after", new Date(Date.parse(dayStart(filters.from, 0)) - 1).toISOString());
    if (filters.to) q.set("created_before", dayStart(filters.to, 1));
    if (cursor) q.set("cursor", cursor);
    return "/api/v1/deliveries?" + q.toString();
  }

  function searchForm(filters) {
    const field = (id, label, attrs) => [el("label", { for: id }, label), el("input", Object.assign({ id, name: id }, attrs))];
    const state = el("select", { id: "state", name: "state" },
      el("option", { value: "" }, T.anyState),
      STATES.map((s) => el("option", { value: s, selected: filters.state === s }, T["state." + s])));
    return el("form", { class: "card search", role: "search", onsubmit: (e) => {
      e.preventDefault();
      const data = new FormData(e.target);
      deliveries({
        order: data.get("order").trim(), email: data.get("email").trim(), state: data.get("state"),
        from: data.get("from"), to: data.get("to"), courier: filters.courier, courierName: filters.courierName,
      });
    } },
    // A courier's stops (from the couriers' list): shown, and kept by a new search until cleared.
    filters.courier ? el("p", { class: "filter" }, T.courierFilter + ": " + filters.courierName,
      el("button", { type: "button", class: "link", onclick: () => deliveries(Object.assign({}, filters, { courier: null, courierName: null })) },
        T.clearFilter)) : null,
    el("div", { class: "fields" },
      el("div", {}, field("order", T.orderReference, { value: filters.order || "", autocomplete: "off" })),
      el("div", {}, field("email", T.recipientEmail, { type: "email", value: filters.email || "", autocomplete: "off" })),
      el("div", {}, el("label", { for: "state" }, T.stateLabel), state),
      el("div", {}, field("from", T.createdFrom, { type: "date", value: filters.from || "" })),
      el("div", {}, field("to", T.createdTo, { type: "date", value: filters.to || "" }))),
    el("button", { type: "submit" }, T.search));
  }

  function row(d) {
    return el("tr", {},
      el("th", { scope: "row" }, el("button", { class: "link", type: "button", onclick: () => delivery(d.id) }, d.order_reference)),
      el("td", {}, d.recipient.name), el("td", {}, T["state." + d.state] || d.state),
      el("td", {}, when(d.created_at)), el("td", {}, d.delivered_at ? when(d.delivered_at) : "—"));
  }

  async function deliveries(filters) {
    lastSearch = filters || {};
    const table = el("tbody", {});
    const more = el("p", {});
    const list = el("div", { class: "card" });
    show(el("section", { "data-view": "deliveries" }, el("h2", {}, T.deliveriesTitle), searchForm(lastSearch), list));
    async function load(cursor) {
      const response = await api(query(lastSearch, cursor));
      if (!response.ok) { more.replaceChildren(el("span", { class: "flag", role: "alert" }, T.actionFailed)); return; }
      const page = await response.json();
      table.append(...page.items.map(row));
      if (!table.children.length) { list.replaceChildren(el("p", {}, T.noDeliveries)); return; }
      more.replaceChildren(page.next_cursor ? el("button", { type: "button", onclick: () => load(page.next_cursor) }, T.more) : "");
    }
    list.replaceChildren(el("table", { class: "deliveries" },
      el("thead", {}, el("tr", {}, [T.orderReference, T.recipient, T.stateLabel, T.created, T["state.delivered"]]
        .map((h) => el("th", { scope: "col" }, h)))), table), more);
    await load(null);
  }

  // What happened, oldest first, from the delivery's own record.
  function timeline(d) {
    const entries = [[d.created_at, T["event.created"]]];
    if (d.out_for_delivery_at) entries.push([d.out_for_delivery_at, T["event.out_for_delivery"]]);
    for (const a of d.attempts || []) entries.push([a.attempted_at, T["event.attempt"] + " (" + (T["attempt." + a.reason] || a.reason) + ")"]);
    for (const p of d.proofs || []) {
      entries.push([p.uploaded_at, T["event.photo"] + (p.kind === "parcel" ? "" : " (" + p.kind + ")")]);
      if (p.deleted_at) entries.push([p.deleted_at, T.deleted + ", " + (T["deleted." + p.deleted_reason] || p.deleted_reason || "")]);
    }
    for (const r of d.problems || []) {
      entries.push([r.created_at, T["event.report"] + ": " + (T["kind." + r.kind] || r.kind)]);
      if (r.resolved_at) entries.push([r.resolved_at, T["event.resolved"]]);
    }
    if (d.delivered_at) entries.push([d.delivered_at, T["event.delivered"]]);
    entries.sort((a, b) => Date.parse(a[0]) - Date.parse(b[0]));
    return el("ol", { class: "timeline" }, entries.map(([at, what]) => el("li", {}, el("time", { datetime: at }, when(at)), " ", what)));
  }

  function photoCard(d, photo) {
    const holder = el("div", {});
    const reveal = el("button", { type: "button", onclick: async () => {
      const response = await api("/api/v1/deliveries/" + encodeURIComponent(d.id) + "/photo?slot=" + photo.slot);
      if (!response.ok) { holder.replaceChildren(el("p", { class: "flag", role: "alert" }, T.actionFailed)); return; }
      const url = C.keepURL(URL.createObjectURL(await response.blob()));
      holder.replaceChildren(el("img", { src: url, alt: T.photo + " " + photo.slot }));
    } }, C.fill(T.showPhoto, { n: photo.slot }));
    holder.append(reveal);
    return el("div", { class: "card" }, el("h3", {}, T.photo + " " + photo.slot), holder, el("dl", {}, C.verdictRows(photo, null)));
  }

  // What the delivery's events sent, and how each went: "did the customer get the email?"
  function notificationsCard(items) {
    const channel = (m) => T["channel." + m.channel] + (m.endpoint_id ? " " + m.endpoint_id.slice(0, 8) : "");
    return el("div", { class: "card", "data-part": "notifications" }, el("h3", {}, T.notificationsTitle),
      items === null ? el("p", { class: "flag" }, T.actionFailed) : items.length ? el("table", { class: "deliveries" },
        el("thead", {}, el("tr", {}, [T.channel, T.eventType, T.stateLabel, T.attempts, T.when].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, items.map((m) => el("tr", { "data-state": m.state },
          el("th", { scope: "row" }, channel(m)),
          el("td", {}, el("code", {}, m.event_type)),
          el("td", { class: m.state === "dead" ? "flag" : null }, T["webhookState." + m.state] || m.state, m.last_error ? el("div", {}, m.last_error) : null),
          el("td", {}, String(m.attempts)),
          el("td", {}, when(m.sent_at || m.next_attempt_at || m.occurred_at)))))) : el("p", {}, T.noNotifications));
  }

  async function delivery(id) {
    const response = await api("/api/v1/deliveries/" + encodeURIComponent(id));
    if (!response.ok) { alert(T.actionFailed); return; }
    const d = await response.json();
    const sent = await api("/api/v1/deliveries/" + encodeURIComponent(id) + "/notifications");
    const notifications = sent.ok ? (await sent.json()).items : null;
    // The signed receipt, once delivered: which key signed it (verifiable offline).
    const signed = d.delivered_at ? await api("/api/v1/deliveries/" + encodeURIComponent(id) + "/receipt") : null;
    const receipt = signed && signed.ok ? await signed.json() : null;
    const photos = (d.photos || []).filter((p) => p.kind === "parcel");
    show(el("section", { "data-view": "delivery" },
      el("p", {}, el("button", { class: "link", type: "button", onclick: () => deliveries(lastSearch) }, T.backToDeliveries)),
      el("div", { class: "card" },
        el("h2", {}, T.orderReference + " " + d.order_reference),
        el("dl", {},
          el("dt", {}, T.recipient), el("dd", {}, d.recipient.name + (d.recipient.email ? " <" + d.recipient.email + ">" : "")),
          el("dt", {}, T.address), el("dd", {}, d.address),
          el("dt", {}, T.stateLabel), el("dd", {}, T["state." + d.state] || d.state),
          el("dt", {}, T.placement), el("dd", {}, T["placement." + d.placement] || "—"),
          el("dt", {}, T.receipt), el("dd", {}, receipt ? el("code", {}, T.receiptKey + " " + receipt.kid) : T.noReceipt)),
        el("button", { type: "button", onclick: () => C.downloadPack(d.id) }, T.evidencePack)),
      el("div", { class: "card" }, el("h3", {}, T.photo), el("p", {}, photos.length ? T.photoViewNote : T.noPhotos)),
      photos.map((p) => photoCard(d, p)),
      el("div", { class: "card" }, el("h3", {}, T.timeline), timeline(d)),
      notificationsCard(notifications)));
  }

  C.views.deliveries = deliveries;
})(window.DoorstepConsole);
