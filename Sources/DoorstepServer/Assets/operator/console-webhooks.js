"use strict";
// The console's webhooks, for admins: the endpoints (a new one's signing secret shown once), a
// test send, a new secret, deletion, and each endpoint's delivery log, where a dead letter can be
// sent again once the receiving system is fixed.
(function (C) {
  const { T, el, api, show, when, note, problem } = C;
  const EVENTS = T.webhookEvents.split(" ");

  const post = (path, body) => api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) });
  const secretNotice = (endpoint) => el("p", { class: "card notice", role: "status", tabindex: "-1" },
    C.fill(T.secretOnce, { url: endpoint.url }), " ", el("code", {}, endpoint.secret));

  function addForm() {
    const url = el("input", { id: "hook-url", type: "url", required: true, maxlength: "2048", placeholder: "https://", autocomplete: "off" });
    const boxes = EVENTS.map((name) => el("input", { type: "checkbox", value: name, id: "hook-" + name }));
    return el("form", { class: "card", onsubmit: async (e) => {
      e.preventDefault();
      // One request per press: a second one would make a second endpoint or key nobody saw the secret of.
      if (e.submitter) e.submitter.disabled = true;
      const response = await post("/api/v1/webhooks", { url: url.value.trim(), event_types: boxes.filter((b) => b.checked).map((b) => b.value) });
      webhooks(response.status === 201 ? secretNotice(await response.json()) : await problem(response));
    } },
    el("h3", {}, T.addEndpoint),
    el("label", { for: "hook-url" }, T.endpointURL), url,
    el("fieldset", {}, el("legend", {}, T.events), el("p", { class: "hint" }, T.allEvents),
      boxes.map((box) => el("label", { class: "check", for: box.id }, box, el("code", {}, box.value)))),
    el("button", { type: "submit" }, T.addEndpoint));
  }

  async function webhooks(notice) {
    const response = await api("/api/v1/webhooks");
    if (!response.ok) { show(await problem(response)); return; }
    const list = (await response.json()).items;
    // Each action names its endpoint for screen readers; a change that cannot be undone is confirmed.
    const action = (label, endpoint, run, question) => el("button", {
      type: "button", class: "link", "aria-label": label + ": " + endpoint.url, onclick: async () => {
        if (question && !confirm(C.fill(question, { url: endpoint.url }))) return;
        await run(endpoint);
      } }, label);
    const base = (endpoint) => "/api/v1/webhooks/" + encodeURIComponent(endpoint.id);
    show(el("section", { "data-view": "webhooks" },
      el("h2", {}, T.webhooksTitle), el("p", {}, T.webhooksIntro),
      notice || null,
      el("div", { class: "card" }, list.length ? el("table", { class: "deliveries" },
        el("thead", {}, el("tr", {}, [T.endpointURL, T.events, T.created, T.actions].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, list.map((h) => el("tr", {},
          el("th", { scope: "row" }, el("code", {}, h.url)),
          el("td", {}, h.event_types.length ? h.event_types.map((t) => el("code", { class: "event" }, t)) : T.allEventsShort),
          el("td", {}, when(h.created_at)),
          el("td", {}, el("div", { class: "actions" },
            action(T.deliveryLog, h, (e) => log(e)),
            action(T.sendTest, h, async (e) => {
              const result = await post(base(e) + "/test");
              if (!result.ok) { webhooks(await problem(result)); return; }
              const body = await result.json();
              webhooks(note(body.ok ? T.testDelivered : C.fill(T.testFailed, { reason: body.result }), body.ok));
            }),
            action(T.rotateSecret, h, async (e) => {
              const result = await post(base(e) + "/rotate-secret");
              webhooks(result.ok ? secretNotice(await result.json()) : await problem(result));
            }, T.confirmRotate),
            action(T.deleteEndpoint, h, async (e) => {
              const result = await api(base(e), { method: "DELETE" });
              webhooks(result.ok ? null : await problem(result));
            }, T.confirmDeleteEndpoint))))))) : el("p", {}, T.noWebhooks)),
      addForm()));
    if (notice) notice.focus();
  }

  // The endpoint's last 100 messages, newest first: what was sent, how often it was tried, why it failed.
  async function log(endpoint, notice) {
    const path = "/api/v1/webhooks/" + encodeURIComponent(endpoint.id) + "/deliveries";
    const response = await api(path);
    if (!response.ok) { show(await problem(response)); return; }
    const items = (await response.json()).items;
    const resend = (m) => el("button", { type: "button", class: "link", "aria-label": T.sendAgain + ": " + m.event_type + ", " + m.id,
      onclick: async (e) => {
        e.currentTarget.disabled = true;
        const result = await post(path + "/" + encodeURIComponent(m.id) + "/replay");
        log(endpoint, result.ok ? note(T.replayed, true) : await problem(result));
      } }, T.sendAgain);
    show(el("section", { "data-view": "webhook-log" },
      el("p", {}, el("button", { class: "link", type: "button", onclick: () => webhooks() }, T.backToWebhooks)),
      el("h2", {}, C.fill(T.logTitle, { url: endpoint.url })),
      notice || null,
      el("div", { class: "card" }, items.length ? el("table", { class: "deliveries" },
        el("thead", {}, el("tr", {}, [T.eventType, T.stateLabel, T.attempts, T.lastError, T.when, T.actions].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, items.map((m) => el("tr", { "data-state": m.state },
          el("th", { scope: "row" }, el("code", {}, m.event_type)),
          el("td", { class: m.state === "dead" ? "flag" : null }, T["webhookState." + m.state] || m.state),
          el("td", {}, String(m.attempts)),
          el("td", {}, m.last_error || "—"),
          el("td", {}, m.sent_at ? when(m.sent_at) : m.next_attempt_at ? when(m.next_attempt_at) : "—"),
          el("td", {}, m.state === "dead" ? resend(m) : null))))) : el("p", {}, T.noMessages))));
    if (notice) notice.focus();
  }

  C.views.webhooks = webhooks;
})(window.DoorstepConsole);
