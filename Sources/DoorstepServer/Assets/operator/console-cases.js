"use strict";
// The case desk: customers' problem reports (and the reuse cases Doorstep opens), each with its
// evidence side by side, who works it, the team's notes, and its resolution.
(function (C) {
  const { T, el, api, show, when, fill, note, problem } = C;
  const path = (id) => "/api/v1/cases/" + encodeURIComponent(id);
  const post = (url, body) => api(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const handler = (c) => (c.assignee ? c.assignee.display_name || c.assignee.id : T.caseNobody);

  // Which cases the desk lists: everyone's open ones, mine, or no one's yet.
  const filters = [["all", "", T.casesAll], ["mine", "&assignee=me", T.casesMine], ["none", "&assignee=none", T.casesUnassigned]];
  let filter = "all";

  async function cases() {
    const response = await api("/api/v1/cases?status=open" + filters.find((f) => f[0] === filter)[1]);
    if (!response.ok) { show(await problem(response)); return; }
    const list = (await response.json()).items;
    show(el("section", { class: "card", "data-view": "cases" },
      el("h2", {}, T.casesTitle),
      el("div", { class: "filter", role: "group", "aria-label": T.casesShow }, filters.map(([name, , label]) =>
        el("button", { type: "button", class: name === filter ? null : "secondary", "aria-pressed": String(name === filter),
          onclick: () => { filter = name; cases(); } }, label))),
      list.length ? el("ul", { class: "cases" }, list.map((c) => el("li", {},
        el("button", { class: "link", type: "button", onclick: () => open(c.id) }, T["kind." + c.kind] + " — " + when(c.created_at)),
        el("div", {}, T.caseHandledBy + ": " + handler(c)),
        c.details ? el("div", {}, c.details) : null))) : el("p", {}, T.noCases)));
  }

  // Whose the case is: any active colleague, or nobody. Support staff take cases as admins do.
  async function assignForm(file, notice) {
    const response = await api("/api/v1/operators");
    const colleagues = response.ok ? (await response.json()).items.filter((o) => !o.disabled_at) : [];
    const current = file.problem.assignee ? file.problem.assignee.id : "";
    const choice = el("select", { id: "assignee" },
      el("option", { value: "" }, T.caseNobody),
      colleagues.map((o) => el("option", { value: o.id, selected: o.id === current }, o.display_name + (o.id === C.me() ? " (" + T.caseYou + ")" : ""))));
    return el("form", { class: "card", onsubmit: async (e) => {
      e.preventDefault();
      const result = await post(path(file.problem.id) + "/assign", { operator_id: choice.value || null });
      open(file.problem.id, result.ok ? note(fill(T.caseAssignedTo, { name: handler(await result.json()) }), true) : await problem(result));
    } }, el("h3", {}, T.caseHandledBy), notice,
      el("label", { for: "assignee" }, T.caseGiveTo), choice, el("button", { type: "submit" }, T.caseAssign));
  }

  // The team's notes, oldest first, and a box for one more. The customer never sees them.
  function notesCard(file) {
    const text = el("textarea", { id: "case-note", rows: "3", required: true, maxlength: "2000" });
    return el("div", { class: "card", "data-part": "notes" },
      el("h3", {}, T.caseNotes),
      file.notes.length ? el("ol", { class: "timeline" }, file.notes.map((n) => el("li", {},
        el("p", { class: "note-text" }, n.text),
        el("p", {}, el("time", { datetime: n.created_at }, when(n.created_at)), " — ", C.who(n.author))))) : el("p", {}, T.caseNoNotes),
      el("form", { onsubmit: async (e) => {
        e.preventDefault();
        const result = await post(path(file.problem.id) + "/notes", { text: text.value });
        open(file.problem.id, result.ok ? null : await problem(result), result.ok);
      } }, el("label", { for: "case-note" }, T.caseNewNote), text, el("button", { type: "submit" }, T.caseAddNote)));
  }

  async function open(id, notice, focusNotes) {
    const response = await api(path(id));
    if (!response.ok) { show(await problem(response)); return; }
    const file = await response.json();
    const photo = file.photo;
    // The delivery's own last photo: a failed attempt's door photo is not the delivery's evidence.
    // Nor is a signature (never judged as a photo of a place).
    const last = file.proofs.filter((p) => !p.attempt_id && p.kind === "parcel").pop();
    const image = photo ? el("img", { alt: T.photo }) : null;
    const blob = photo ? await (await api(file.photo_url)).blob() : null;
    const picture = el("div", {}, image || el("p", {}, T.photoGone));
    const reuse = file.reuse.length ? el("ul", {}, file.reuse.map((r) => el("li", { class: r.kind === "other_address" ? "flag" : "" },
      T["reuse." + r.kind] + " " + r.delivery_id + " (" + r.distance_bits + " " + T.bits + (r.same_courier ? ", " + T.sameCourier : "") + ")")))
      : T.noReuse;
    const resolution = el("textarea", { id: "resolution", rows: "3", required: true });
    const isOpen = file.problem.status === "open";
    const notes = notesCard(file);
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
          C.verdictRows(photo, last),
          el("dt", {}, T.reuse), el("dd", {}, reuse),
          el("dt", {}, T.receipt), el("dd", {}, file.receipt ? el("code", {}, T.receiptKey + " " + file.receipt.kid) : T.noReceipt)),
          el("button", { type: "button", onclick: () => C.downloadPack(file.delivery.id) }, T.evidencePack))),
      isOpen ? await assignForm(file, notice || null) : (notice || null),
      notes,
      isOpen
        ? el("form", { class: "card", onsubmit: async (e) => {
            e.preventDefault();
            const result = await post(path(id) + "/resolve", { resolution: resolution.value });
            if (result.ok) cases(); else open(id, await problem(result));
          } }, el("label", { for: "resolution" }, T.resolution), resolution, el("button", { type: "submit" }, T.resolve))
        : el("p", { class: "card" }, T.resolved + ": " + file.problem.resolution)));
    // After show(), which revokes the previous view's photos.
    if (image) image.src = C.keepURL(URL.createObjectURL(blob));
    if (notice) notice.focus();
    else if (focusNotes) { notes.tabIndex = -1; notes.focus(); }
  }

  C.views.cases = cases;
})(window.DoorstepConsole);
