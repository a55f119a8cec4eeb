"use strict";
(function () {
  const T = JSON.parse(document.getElementById("strings").textContent);
  const app = document.getElementById("app");
  let key = sessionStorage.getItem("doorstep.apiKey");
  let photoURL = null;
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
    if (photoURL) { URL.revokeObjectURL(photoURL); photoURL = null; }
    app.replaceChildren(...nodes);
    app.focus();
  }
  async function api(path, options) {
    const response = await fetch(path, Object.assign({}, options || {}, {
      headers: Object.assign({ Authorization: "Bearer " + key }, (options || {}).headers || {}),
    }));
    if (response.status === 401) { signIn(T.failed); throw new Error("unauthenticated"); }
    return response;
  }
  const when = (iso) => new Date(iso).toLocaleString(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short" });

  function signIn(message) {
    key = null;
    sessionStorage.removeItem("doorstep.apiKey");
    const input = el("input", { id: "key", type: "password", autocomplete: "off", required: true });
    show(el("form", { class: "card", "data-view": "sign-in", onsubmit: (e) => {
      e.preventDefault();
      key = input.value.trim();
      sessionStorage.setItem("doorstep.apiKey", key);
      cases();
    } }, message ? el("p", { class: "flag", role: "alert" }, message) : null,
      el("label", { for: "key" }, T.apiKey), input, el("button", { type: "submit" }, T.open)));
  }

  async function cases() {
    const list = (await (await api("/api/v1/cases")).json()).items;
    show(el("section", { class: "card", "data-view": "cases" },
      el("h2", {}, T.casesTitle),
      list.length ? el("ul", { class: "cases" }, list.map((c) => el("li", {},
        el("button", { class: "link", type: "button", onclick: () => open(c.id) }, T["kind." + c.kind] + " — " + when(c.created_at)),
        c.details ? el("div", {}, c.details) : null))) : el("p", {}, T.noCases),
      el("p", {}, el("button", { class: "link", type: "button", onclick: () => signIn() }, T.signOut))));
  }

  async function open(id) {
    const file = await (await api("/api/v1/cases/" + encodeURIComponent(id))).json();
    const photo = file.photo;
    // The delivery's own last photo: a failed attempt's door photo is not the delivery's evidence.
    // Nor is a signature (never judged as a photo of a place).
    const last = file.proofs.filter((p) => !p.attempt_id && p.kind === "parcel").pop();
    const verdicts = photo || last;
    const picture = el("div", {});
    let url = null;  // the decrypted photo lives in this tab's memory only, until the view changes
    if (photo) {
      url = URL.createObjectURL(await (await api(file.photo_url)).blob());
      picture.append(el("img", { src: url, alt: T.photo }));
    } else {
      picture.append(el("p", {}, T.photoGone));
    }
    const issues = photo ? photo.quality.issues : last ? last.quality_issues : null;
    const quality = !issues ? "—" : issues.length ? issues.map((i) => T["quality." + i] || i).join(", ") : T.qualityOK;
    // What redaction did, never where: as the proof records it.
    const redaction = verdicts && verdicts.redaction;
    const people = !redaction ? "—" : !redaction.searched ? T.peopleNotSearched
      : redaction.faces ? T.peopleBlurred.replace("{n}", redaction.faces) : T.peopleNone;
    const reuse = file.reuse.length ? el("ul", {}, file.reuse.map((r) => el("li", { class: r.kind === "other_address" ? "flag" : "" },
      T["reuse." + r.kind] + " " + r.delivery_id + " (" + r.distance_bits + " " + T.bits + (r.same_courier ? ", " + T.sameCourier : "") + ")")))
      : T.noReuse;
    const resolution = el("textarea", { id: "resolution", rows: "3", required: true });
    show(el("section", { "data-view": "case" },
      el("p", {}, el("button", { class: "link", type: "button", onclick: cases }, T.back)),
      el("div", { class: "card" },
        el("h2", {}, T["kind." + file.problem.kind]),
        el("p", {}, T.reported + ": " + when(file.problem.created_at)),
        file.problem.details ? el("blockquote", {}, T.customerSaid + ": " + file.problem.details) : null),
      el("div", { class: "side" },
        el("div", { class: "card" }, el("h3", {}, T.photo), picture),
        el("div", { class: "card" }, el("h3", {}, T.evidence), el("dl", {},
          el("dt", {}, T.placement), el("dd", {}, T["placement." + file.delivery.placement] || "—"),
          el("dt", {}, T.location), el("dd", {}, verdicts ? T["location." + verdicts.location] || verdicts.location : "—"),
          el("dt", {}, T.distance), el("dd", {}, verdicts && verdicts.distance_to_address_m != null
            ? T.metres.replace("{m}", Math.round(verdicts.distance_to_address_m)) : "—"),
          el("dt", {}, T.quality), el("dd", { class: issues && issues.length ? "flag" : null }, quality),
          el("dt", {}, T.people), el("dd", {}, people),
          el("dt", {}, T.freshness), el("dd", { class: verdicts && verdicts.freshness !== "fresh" ? "flag" : null },
            verdicts ? T["freshness." + verdicts.freshness] || verdicts.freshness : "—"),
          el("dt", {}, T.reuse), el("dd", {}, reuse),
          el("dt", {}, T.receipt), el("dd", {}, file.receipt ? el("code", {}, T.receiptKey + " " + file.receipt.kid) : T.noReceipt)),
          el("button", { type: "button", onclick: () => downloadPack(file.delivery.id) }, T.evidencePack))),
      file.problem.status === "open"
        ? el("form", { class: "card", onsubmit: async (e) => {
            e.preventDefault();
            const response = await api("/api/v1/cases/" + encodeURIComponent(id) + "/resolve", {
              method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ resolution: resolution.value }),
            });
            if (response.ok) cases(); else alert(T.failed);
          } }, el("label", { for: "resolution" }, T.resolution), resolution, el("button", { type: "submit" }, T.resolve))
        : el("p", { class: "card" }, T.resolved + ": " + file.problem.resolution)));
    photoURL = url;
  }

  // The pack is fetched with the key (a plain link could not send it) and handed to the browser
  // as a download; its name comes from the server's Content-Disposition.
  async function downloadPack(deliveryID) {
    const response = await api("/api/v1/deliveries/" + encodeURIComponent(deliveryID) + "/evidence.pdf");
    if (!response.ok) { alert(T.failed); return; }
    const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: name ? name[1] : "proof-of-delivery.pdf" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  if (key) cases().catch(() => signIn()); else signIn();
})();
