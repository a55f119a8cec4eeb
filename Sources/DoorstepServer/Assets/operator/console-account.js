"use strict";
// The signed-in operator's own account: two-step sign-in with an authenticator app. Turning it on
// shows a fresh secret (as a QR code drawn by qrcode-generator, and as a key to type), and takes
// effect once a code from the app matches; turning it off needs a current code.
(function (C) {
  const { T, el, api, show, note, problem, codeInput } = C;
  const SVG = "http://www.w3.org/2000/svg";

  // The QR code as SVG built node by node (no markup strings), black on white whatever the theme,
  // so every phone camera reads it. None when the library is missing: the key still works.
  function qr(url) {
    if (typeof window.qrcode !== "function") return null;
    window.qrcode.stringToBytes = window.qrcode.stringToBytesFuncs["UTF-8"];
    const code = window.qrcode(0, "M");
    code.addData(url);
    code.make();
    const size = code.getModuleCount();
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "-4 -4 " + (size + 8) + " " + (size + 8));
    svg.setAttribute("class", "qr");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", T.twoStepQR);
    const back = document.createElementNS(SVG, "rect");
    for (const [name, value] of [["x", -4], ["y", -4], ["width", size + 8], ["height", size + 8], ["fill", "#fff"]]) back.setAttribute(name, value);
    const path = document.createElementNS(SVG, "path");
    let d = "";
    for (let row = 0; row < size; row += 1) for (let col = 0; col < size; col += 1) if (code.isDark(row, col)) d += "M" + col + " " + row + "h1v1h-1z";
    path.setAttribute("d", d);
    path.setAttribute("fill", "#000");
    svg.append(back, path);
    return svg;
  }

  const send = (method, path, body) => api(path, { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

  async function setUp() {
    const response = await api("/api/v1/operator/two-step/new");
    if (!response.ok) { account(await problem(response)); return; }
    prove(await response.json(), null);
  }

  // The fresh secret stays on screen until a code matches it: a mistyped code is tried again
  // against the same secret the app already holds.
  function prove(fresh, notice) {
    const code = codeInput("two-step-code");
    show(el("section", { "data-view": "two-step-setup" },
      el("h2", {}, T.twoStepTitle),
      notice,
      el("form", { class: "card", onsubmit: async (e) => {
        e.preventDefault();
        const result = await send("PUT", "/api/v1/operator/two-step", { secret: fresh.secret, code: code.value.replace(/\s/g, "") });
        if (result.ok) account(note(T.twoStepIsOn, true));
        else prove(fresh, result.status === 422 ? note(T.codeWrong, false) : await problem(result));
      } },
      el("p", {}, T.twoStepScan), qr(fresh.otpauth_url),
      el("p", {}, T.twoStepOrType), el("p", {}, el("code", { class: "key", "data-key": fresh.manual_key }, fresh.manual_key)),
      el("label", { for: "two-step-code" }, T.codeLabel), code,
      el("button", { type: "submit" }, T.twoStepTurnOn),
      el("p", {}, el("button", { type: "button", class: "link", onclick: () => account() }, T.codeCancel)))));
    if (notice) notice.focus();
  }

  async function account(notice) {
    const response = await api("/api/v1/operator/two-step");
    if (!response.ok) { show(await problem(response)); return; }
    const { on } = await response.json();
    const code = codeInput("two-step-code");
    show(el("section", { "data-view": "account" },
      el("h2", {}, T.accountTitle),
      notice || null,
      el("div", { class: "card" },
        el("h3", {}, T.twoStepTitle),
        el("p", {}, on ? T.twoStepOn : T.twoStepOff),
        on ? el("form", { onsubmit: async (e) => {
          e.preventDefault();
          const result = await send("POST", "/api/v1/operator/two-step/off", { code: code.value.replace(/\s/g, "") });
          account(result.ok ? note(T.twoStepIsOff, true) : result.status === 422 ? note(T.codeWrong, false) : await problem(result));
        } }, el("label", { for: "two-step-code" }, T.codeLabel), code, el("button", { type: "submit" }, T.twoStepTurnOff))
          : el("button", { type: "button", onclick: setUp }, T.twoStepSetUp))));
    if (notice) notice.focus();
  }

  C.views.account = account;
})(window.DoorstepConsole);
