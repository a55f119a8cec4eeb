"use strict";
// The console's settings, for admins: how customers see the tenant (name, logo, colour, support
// contact) and every photo, privacy and evidence setting, each with what it does for customers.
// The server checks everything again; its answer to a bad value is shown next to the form.
(function (C) {
  const { T, el, api, show } = C;
  const HOUR = 3600, DAY = 86400;

  // A labelled control with its explanation, tied together for screen readers.
  function field(id, label, control, hint) {
    control.id = id;
    if (hint) control.setAttribute("aria-describedby", id + "-hint");
    return el("div", { class: "field" }, el("label", { for: id }, label), control,
      hint ? el("p", { class: "hint", id: id + "-hint" }, hint) : null);
  }
  const input = (attrs) => el("input", attrs);
  function select(name, values, current) {
    return el("select", { name }, values.map((v) => el("option", { value: v, selected: v === current }, T["opt." + name + "." + v])));
  }
  function check(id, label, checked, hint) {
    const box = input({ id, type: "checkbox", checked, "aria-describedby": id + "-hint" });
    return el("div", { class: "field" }, el("label", { class: "check" }, box, " ", label), el("p", { class: "hint", id: id + "-hint" }, hint));
  }

  // What the server said was wrong, or that it worked; announced, and focused for keyboards.
  function status(region, ok, text) {
    region.replaceChildren(el("p", { class: ok ? "notice" : "flag", role: ok ? "status" : "alert", tabindex: "-1" }, text));
    region.firstChild.focus();
  }
  async function answer(response, region) {
    if (response.ok) { status(region, true, T.saved); return response.json(); }
    const problem = (response.headers.get("Content-Type") || "").startsWith("application/problem+json") ? await response.json() : {};
    status(region, false, problem.detail || T.actionFailed);
    return null;
  }
  const send = (path, method, body, type) => api(path, {
    method, headers: { "Content-Type": type || "application/json" }, body: type ? body : JSON.stringify(body),
  });

  function brandingCard(brand) {
    const region = el("div", { "aria-live": "polite" });
    const name = input({ name: "display_name", maxlength: "80", value: brand.display_name || "", autocomplete: "organization" });
    const colour = input({ name: "accent_color", type: "color", value: brand.accent_color || "#0b6e4f" });
    const email = input({ name: "support_email", type: "email", value: brand.support_email || "", autocomplete: "off" });
    const url = input({ name: "support_url", type: "url", value: brand.support_url || "", autocomplete: "off" });
    const form = el("form", { onsubmit: async (e) => {
      e.preventDefault();
      await answer(await send("/api/v1/branding", "PATCH", {
        display_name: name.value, accent_color: colour.value, support_email: email.value, support_url: url.value,
      }), region);
    } },
    field("brand-name", T.displayName, name, T.displayNameHint),
    field("brand-colour", T.accentColor, colour, T.accentColorHint),
    field("brand-email", T.supportEmail, email),
    field("brand-url", T.supportURL, url, T.supportHint),
    el("button", { type: "submit" }, T.saveBranding));

    const file = input({ type: "file", accept: "image/jpeg,image/png,image/webp,image/heic" });
    const logo = el("form", { class: "logo", onsubmit: async (e) => {
      e.preventDefault();
      const chosen = file.files[0];
      if (!chosen) return;
      const done = await answer(await send("/api/v1/branding/logo", "PUT", chosen, chosen.type || "application/octet-stream"), region);
      if (done) settings(T.saved);
    } },
    el("h3", {}, T.logo),
    brand.logo ? el("img", { src: brand.logo.url, alt: T.logoAlt, width: brand.logo.width, height: brand.logo.height, class: "logo" })
      : el("p", {}, T.noLogo),
    field("brand-logo", T.logoFile, file, T.logoHint),
    el("div", { class: "actions" }, el("button", { type: "submit" }, T.uploadLogo),
      brand.logo ? el("button", { type: "button", class: "link", onclick: async () => {
        if (await answer(await api("/api/v1/branding/logo", { method: "DELETE" }), region)) settings(T.saved);
      } }, T.removeLogo) : null));
    return el("section", { class: "card", "aria-labelledby": "branding-title" },
      el("h2", { id: "branding-title" }, T.brandingTitle), el("p", {}, T.brandingIntro), region, form, logo);
  }

  // Per-country consent: one row per country, added and removed in place.
  function consentRows(modes) {
    const rows = el("div", {});
    const row = (country, mode) => {
      const code = input({ value: country, maxlength: "2", "aria-label": T.country, class: "country", autocapitalize: "characters" });
      const line = el("div", { class: "consent" }, code, select("consent", ["opt_out", "opt_in", "off"], mode),
        el("button", { type: "button", class: "link", "aria-label": C.fill(T.removeCountry, { country: country || "—" }),
          onclick: () => line.remove() }, "✕"));
      rows.append(line);
      return code;
    };
    for (const [country, mode] of Object.entries(modes)) if (country !== "*") row(country, mode);
    const add = el("button", { type: "button", class: "link", onclick: () => row("", "opt_in").focus() }, T.addCountry);
    return { node: el("div", {}, rows, add), read: () => {
      const out = {};
      for (const line of rows.children) {
        const [code, mode] = line.querySelectorAll("input, select");
        if (code.value.trim()) out[code.value.trim().toUpperCase()] = mode.value;
      }
      return out;
    } };
  }

  function settingsCard(s) {
    const region = el("div", { "aria-live": "polite" });
    const retention = input({ type: "number", min: "1", max: "2160", step: "1", value: Math.round(s.retention_seconds / HOUR) });
    const dispute = input({ type: "number", min: "0", max: "540", step: "1", value: Math.round(s.dispute_window_seconds / DAY) });
    const photos = input({ type: "number", min: "1", max: "3", step: "1", value: s.photos_per_delivery });
    const atAddress = input({ type: "number", min: "1", step: "1", value: s.location_radii.at_address_m });
    const near = input({ type: "number", min: "1", step: "1", value: s.location_radii.near_m });
    const quality = select("quality", ["flag", "reject"], s.quality_policy);
    const ticket = select("ticket", ["flag", "refuse"], s.ticket_policy);
    const people = select("people", ["blur", "retake", "off"], s.people_policy);
    const reason = el("textarea", { rows: "2", maxlength: "500" });
    reason.value = s.people_policy_reason || "";
    const handover = select("handover", ["code", "signature"], s.handover_proof);
    const emailPhoto = check("set-email-photo", T.emailIncludesPhoto, s.email_includes_photo, T.emailIncludesPhotoHint);
    const consentDefault = select("consent", ["opt_out", "opt_in", "off"], s.consent_modes["*"] || "opt_out");
    const countries = consentRows(s.consent_modes);
    const form = el("form", { onsubmit: async (e) => {
      e.preventDefault();
      const modes = Object.assign({ "*": consentDefault.value }, countries.read());
      await answer(await send("/api/v1/settings", "PUT", {
        retention_seconds: Number(retention.value) * HOUR, dispute_window_seconds: Number(dispute.value) * DAY,
        photos_per_delivery: Number(photos.value), location_radii: { at_address_m: Number(atAddress.value), near_m: Number(near.value) },
        quality_policy: quality.value, ticket_policy: ticket.value, people_policy: people.value,
        people_policy_reason: people.value === "off" ? reason.value : null, handover_proof: handover.value,
        email_includes_photo: emailPhoto.querySelector("input").checked, consent_modes: modes,
      }), region);
    } },
    field("set-retention", T.retention, retention, T.retentionHint),
    emailPhoto,
    field("set-people", T.peoplePolicy, people, T.peoplePolicyHint),
    field("set-people-reason", T.peoplePolicyReason, reason, T.peoplePolicyReasonHint),
    field("set-quality", T.qualityPolicy, quality, T.qualityPolicyHint),
    field("set-ticket", T.ticketPolicy, ticket, T.ticketPolicyHint),
    field("set-photos", T.photosPerDelivery, photos, T.photosPerDeliveryHint),
    field("set-handover", T.handoverProof, handover, T.handoverProofHint),
    field("set-at-address", T.radiusAtAddress, atAddress),
    field("set-near", T.radiusNear, near, T.radiiHint),
    field("set-dispute", T.disputeWindow, dispute, T.disputeWindowHint),
    el("fieldset", {}, el("legend", {}, T.consentTitle), el("p", { class: "hint" }, T.consentHint),
      field("set-consent-default", T.consentDefault, consentDefault), countries.node),
    el("button", { type: "submit" }, T.saveSettings));
    return el("section", { class: "card", "aria-labelledby": "settings-title" },
      el("h2", { id: "settings-title" }, T.privacyTitle), region, form);
  }

  async function settings(notice) {
    const [brand, current] = await Promise.all([api("/api/v1/branding"), api("/api/v1/settings")]);
    if (!brand.ok || !current.ok) { show(el("p", { class: "card flag", role: "alert" }, T.actionFailed)); return; }
    show(el("section", { "data-view": "settings" }, el("h2", {}, T.settingsTitle),
      notice ? el("p", { class: "card notice", role: "status" }, notice) : null,
      brandingCard(await brand.json()), settingsCard(await current.json())));
  }

  C.views.settings = settings;
})(window.DoorstepConsole);
