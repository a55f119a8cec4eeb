"use strict";
// The console's API keys, for admins: one per system or person, with only the scopes it needs;
// a new key is shown once (the server keeps its digest), and a leaked one is revoked at once.
(function (C) {
  const { T, el, api, show, when, note, problem } = C;
  const SCOPES = ["read", "deliveries", "admin"];


  function createForm() {
    const name = el("input", { id: "key-name", required: true, maxlength: "100", autocomplete: "off" });
    const boxes = SCOPES.map((scope) => el("input", { type: "checkbox", value: scope, id: "key-" + scope, checked: scope === "read" }));
    return el("form", { class: "card", onsubmit: async (e) => {
      e.preventDefault();
      // One request per press: a second one would make a second endpoint or key nobody saw the secret of.
      if (e.submitter) e.submitter.disabled = true;
      const response = await api("/api/v1/api-keys", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: name.value.trim(), scopes: boxes.filter((b) => b.checked).map((b) => b.value) }),
      });
      if (response.status !== 201) { keys(await problem(response)); return; }
      const made = await response.json();
      keys(el("p", { class: "card notice", role: "status", tabindex: "-1" }, C.fill(T.keyOnce, { name: made.name }), " ", el("code", {}, made.key)));
    } },
    el("h3", {}, T.createKey),
    el("label", { for: "key-name" }, T.keyName), name,
    el("fieldset", {}, el("legend", {}, T.scopes),
      boxes.map((box) => el("label", { class: "check", for: box.id }, box, T["scope." + box.value]))),
    el("button", { type: "submit" }, T.createKey));
  }

  async function keys(notice) {
    const response = await api("/api/v1/api-keys");
    if (!response.ok) { show(await problem(response)); return; }
    const list = (await response.json()).items;
    show(el("section", { "data-view": "keys" },
      el("h2", {}, T.keysTitle), el("p", {}, T.keysIntro),
      notice || null,
      el("div", { class: "card" }, list.length ? el("table", { class: "deliveries" },
        el("thead", {}, el("tr", {}, [T.keyName, T.scopes, T.prefix, T.created, T.lastUsed, T.actions].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, list.map((k) => el("tr", {},
          el("th", { scope: "row" }, k.name),
          el("td", {}, k.scopes.join(", ")),
          el("td", {}, el("code", {}, k.prefix + "…")),
          el("td", {}, when(k.created_at)),
          el("td", {}, k.last_used_at ? when(k.last_used_at) : T.never),
          el("td", {}, el("button", { type: "button", class: "link", "aria-label": T.revoke + ": " + k.name, onclick: async () => {
            if (!confirm(C.fill(T.confirmRevoke, { name: k.name }))) return;
            const result = await api("/api/v1/api-keys/" + encodeURIComponent(k.id), { method: "DELETE" });
            keys(result.ok ? note(C.fill(T.revoked, { name: k.name }), true) : await problem(result));
          } }, T.revoke)))))) : el("p", {}, T.noKeys)),
      createForm()));
    if (notice) notice.focus();
  }

  C.views.keys = keys;
})(window.DoorstepConsole);
