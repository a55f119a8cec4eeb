"use strict";
// The console's couriers: who they are, their stops, and for admins: add one (the password is
// shown once, to give to the courier), disable or enable one, reset a password.
(function (C) {
  const { T, el, api, show, when } = C;

  async function post(path, body) {
    return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) });
  }

  // A generated password, shown until the view changes: the server keeps only its hash.
  function passwordNotice(courier) {
    return el("p", { class: "card notice", role: "status", tabindex: "-1" }, C.fill(T.passwordOnce, { name: courier.display_name }), " ",
      el("code", {}, courier.password));
  }

  const failure = (text) => el("p", { class: "card flag", role: "alert", tabindex: "-1" }, text);

  function addForm() {
    return el("form", { class: "card", onsubmit: async (e) => {
      e.preventDefault();
      const data = new FormData(e.target);
      const response = await post("/api/v1/couriers", { username: data.get("username").trim(), display_name: data.get("name").trim() });
      if (response.status === 201) { couriers(passwordNotice(await response.json())); return; }
      const problem = response.headers.get("Content-Type") === "application/problem+json" ? await response.json() : {};
      couriers(failure(problem.type === "/problems/conflict" ? T.usernameTaken : problem.detail || T.actionFailed));
    } },
    el("h3", {}, T.addCourier),
    el("label", { for: "courier-username" }, T.username),
    el("input", { id: "courier-username", name: "username", required: true, autocomplete: "off", autocapitalize: "none" }),
    el("label", { for: "courier-name" }, T.courierName), el("input", { id: "courier-name", name: "name", required: true, autocomplete: "off" }),
    el("button", { type: "submit" }, T.addCourier));
  }

  async function couriers(notice) {
    const response = await api("/api/v1/couriers");
    if (!response.ok) { show(failure(T.actionFailed)); return; }
    const list = (await response.json()).items;
    const admin = C.role() === "admin";
    // A change that signs the courier out is confirmed first.
    const action = (label, courier, path, question) => el("button", {
      type: "button", class: "link", "aria-label": label + ": " + courier.display_name, onclick: async () => {
        if (question && !confirm(C.fill(question, { name: courier.display_name }))) return;
        const result = await post(path);
        if (!result.ok) { couriers(failure(T.actionFailed)); return; }
        const body = await result.json();
        couriers(body.password ? passwordNotice(body) : null);
      } }, label);
    show(el("section", { "data-view": "couriers" },
      el("h2", {}, T.couriersTitle),
      notice || null,
      el("div", { class: "card" }, list.length ? el("table", { class: "deliveries" },
        el("thead", {}, el("tr", {}, [T.courierName, T.username, T.stateLabel, T.actions].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, list.map((c) => el("tr", {},
          el("th", { scope: "row" }, c.display_name), el("td", {}, c.username),
          el("td", {}, c.disabled_at ? T.disabledSince + " " + when(c.disabled_at) : T.active),
          el("td", {}, el("div", { class: "actions" },
            el("button", { type: "button", class: "link", "aria-label": T.stops + ": " + c.display_name,
              onclick: () => C.views.deliveries({ courier: c.id, courierName: c.display_name }) }, T.stops),
            admin ? [
              c.disabled_at ? action(T.enable, c, "/api/v1/couriers/" + c.id + "/enable")
                : action(T.disable, c, "/api/v1/couriers/" + c.id + "/disable", T.confirmDisable),
              action(T.resetPassword, c, "/api/v1/couriers/" + c.id + "/reset-password", T.confirmReset),
            ] : null)))))) : el("p", {}, T.noCouriers)),
      admin ? addForm() : null));
    if (notice) notice.focus();
  }

  C.views.couriers = couriers;
})(window.DoorstepConsole);
