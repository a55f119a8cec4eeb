"use strict";
(function () {
  const T = JSON.parse(document.getElementById("strings").textContent);
  const app = document.getElementById("app");
  // The session itself is an HttpOnly cookie no script can read; the anti-forgery token that
  // must go with every change lives in this tab's memory only.
  let csrf = null;
  let role = null;  // what the console offers (the server decides what is allowed)
  let me = null;  // the signed-in operator's id ("my cases")
  const SESSION = "/api/v1/operator/session";
  // Earlier versions kept the tenant's API key in the tab: gone for good.
  sessionStorage.removeItem("doorstep.apiKey");
  // Fills {name}-style slots; a function replacer, so "$&" in a name stays as written.
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (slot, name) => (name in values ? String(values[name]) : slot));
  // Decrypted photos live in this tab's memory only, as blob: URLs, until the view changes.
  let photoURLs = [];
  const keepURL = (url) => { photoURLs.push(url); return url; };
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (value != null && value !== false) node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) if (child != null) node.append(child);
    return node;
  }
  function show(...nodes) {
    for (const url of photoURLs) URL.revokeObjectURL(url);
    photoURLs = [];
    app.replaceChildren(...nodes);
    app.focus();
  }
  async function api(path, options) {
    const method = ((options || {}).method || "GET").toUpperCase();
    const response = await fetch(path, Object.assign({}, options || {}, {
      headers: Object.assign(method === "GET" ? {} : { "X-CSRF-Token": csrf }, (options || {}).headers || {}),
    }));
    if (response.status === 401) { signIn(T.sessionEnded); throw new Error("unauthenticated"); }
    return response;
  }
  const when = (iso) => new Date(iso).toLocaleString(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short" });

  function signIn(message) {
    csrf = null;
    document.getElementById("who").textContent = "";
    document.getElementById("nav").replaceChildren();
    const username = el("input", { id: "username", autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true });
    const password = el("input", { id: "password", type: "password", autocomplete: "current-password", required: true });
    show(el("form", { class: "card", "data-view": "sign-in", onsubmit: async (e) => {
      e.preventDefault();
      await submit({ username: username.value.trim(), password: password.value });
    } }, message ? el("p", { class: "flag", role: "alert" }, message) : null,
      el("label", { for: "username" }, T.username), username,
      el("label", { for: "password" }, T.password), password,
      el("button", { type: "submit" }, T.signIn)));
  }

  // Posts the sign-in; an account with two-step sign-in answers `code-required` to a right
  // password, and the code step follows (the password waits in this function's memory only).
  async function submit(credentials) {
    const response = await fetch(SESSION, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(credentials),
    });
    if (response.status === 201) { signedIn(await response.json()); views.cases(); return; }
    const body = (response.headers.get("Content-Type") || "").startsWith("application/problem+json") ? await response.json() : {};
    if (body.type === "/problems/code-required") codeStep(credentials, null);
    else if (response.status === 401 && credentials.code) codeStep(credentials, T.codeWrong);
    else signIn(response.status === 429 ? T.tooMany : T.failed);
  }

  // A six-digit code from an authenticator app (a space in the middle is allowed, as apps show it).
  const codeInput = (id, more) => el("input", Object.assign({ id, autocomplete: "one-time-code", inputmode: "numeric",
    pattern: "[0-9 ]{6,7}", maxlength: "7", required: true }, more));

  function codeStep(credentials, message) {
    const code = codeInput("code", { "aria-describedby": "code-hint" });
    show(el("form", { class: "card", "data-view": "sign-in-code", onsubmit: async (e) => {
      e.preventDefault();
      await submit(Object.assign({}, credentials, { code: code.value.replace(/\s/g, "") }));
    } }, message ? el("p", { class: "flag", role: "alert" }, message) : null,
      el("label", { for: "code" }, T.codeLabel), el("p", { class: "hint", id: "code-hint" }, T.codeHint), code,
      el("button", { type: "submit" }, T.signIn),
      el("p", {}, el("button", { type: "button", class: "link", onclick: () => signIn() }, T.codeCancel))));
    code.focus();
  }

  function signedIn(session) {
    csrf = session.csrf_token;
    role = session.operator.role;
    me = session.operator.id;
    document.getElementById("who").textContent = fill(T.signedInAs, {
      name: session.operator.display_name, role: T["role." + session.operator.role] || session.operator.role, tenant: session.tenant.name,
    });
    const link = (label, action) => el("button", { class: "link", type: "button", onclick: action }, label);
    document.getElementById("nav").replaceChildren(
      link(T.navCases, () => views.cases()), link(T.dashboardTitle, () => views.dashboard()), link(T.deliveriesTitle, () => views.deliveries()), link(T.couriersTitle, () => views.couriers()),
      // Settings and branding are the admins' (the server refuses support staff all the same).
      ...(role === "admin" ? [link(T.settingsTitle, () => views.settings()), link(T.webhooksTitle, () => views.webhooks()),
        link(T.keysTitle, () => views.keys()), link(T.activityTitle, () => views.activity())] : []),
      link(T.accountTitle, () => views.account()), link(T.signOut, signOut));
  }

  // Ends the session on the server too: a copy of the cookie is worthless afterwards.
  async function signOut() {
    let response = null;
    try { response = await fetch(SESSION, { method: "DELETE", headers: { "X-CSRF-Token": csrf } }); } catch (_) { /* offline */ }
    if (response && response.ok) signIn(); else alert(T.actionFailed);
  }

  // A photo's verdicts in sentences, as the evidence pack words them: from the live photo, or
  // from the proof that outlives it. What redaction did, never where.
  function verdictRows(photo, proof) {
    const verdicts = photo || proof;
    const issues = photo ? photo.quality.issues : proof ? proof.quality_issues : null;
    const quality = !issues ? "—" : issues.length ? issues.map((i) => T["quality." + i] || i).join(", ") : T.qualityOK;
    const redaction = verdicts && verdicts.redaction;
    const people = !redaction ? "—" : !redaction.searched ? T.peopleNotSearched
      : redaction.faces || redaction.people ? [[redaction.faces, T.peopleBlurred], [redaction.people, T.peopleBodiesBlurred]]
        .filter(([n]) => n > 0).map(([n, words]) => fill(words, { n })).join("; ") : T.peopleNone;
    return [
      el("dt", {}, T.location), el("dd", {}, verdicts ? T["location." + verdicts.location] || verdicts.location : "—"),
      el("dt", {}, T.distance), el("dd", {}, verdicts && verdicts.distance_to_address_m != null
        ? fill(T.metres, { m: Math.round(verdicts.distance_to_address_m) }) : "—"),
      el("dt", {}, T.quality), el("dd", { class: issues && issues.length ? "flag" : null }, quality),
      el("dt", {}, T.people), el("dd", {}, people),
      el("dt", {}, T.freshness), el("dd", { class: verdicts && verdicts.freshness !== "fresh" ? "flag" : null },
        verdicts ? T["freshness." + verdicts.freshness] || verdicts.freshness : "—"),
    ];
  }

  // The pack is fetched by the script (a plain link would leave the page) and handed to the browser
  // as a download; its name comes from the server's Content-Disposition.
  async function downloadPack(deliveryID) {
    const response = await api("/api/v1/deliveries/" + encodeURIComponent(deliveryID) + "/evidence.pdf");
    if (!response.ok) { alert(T.actionFailed); return; }
    const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: name ? name[1] : "proof-of-delivery.pdf" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // A result for the top of a view, announced (status or alert) and focusable; and a refusal's
  // own words (its RFC 9457 detail) as one.
  const note = (text, ok) => el("p", { class: "card " + (ok ? "notice" : "flag"), role: ok ? "status" : "alert", tabindex: "-1" }, text);
  async function problem(response) {
    const body = (response.headers.get("Content-Type") || "").startsWith("application/problem+json") ? await response.json() : {};
    return note(body.detail || T.actionFailed, false);
  }

  // Who did something, as a person reads it: an operator by name, a key by its name, the command line.
  function who(actor) {
    if (actor.kind === "operator") return T.activityCommandLine;
    if (actor.kind === "api_key") return fill(T.activityKey, { name: actor.name || actor.id + "…" });
    return actor.name || (actor.id ? el("code", {}, actor.id.slice(0, 8)) : T.activityUnknown);
  }

  // What the console's other views (console-cases.js, console-deliveries.js, …) share with this one.
  const views = {};
  window.DoorstepConsole = {
    T, el, api, show, when, fill, keepURL, verdictRows, downloadPack, note, problem, who, codeInput, views, role: () => role, me: () => me,
  };

  // Signed in already (the cookie outlives a reload)? Then straight to the cases.
  fetch(SESSION).then(async (response) => {
    if (!response.ok) { signIn(); return; }
    signedIn(await response.json());
    await views.cases();
  }).catch(() => signIn());
})();
