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

  // Only what the admin changed is sent (a JSON merge patch): what the API set and this form
  // cannot show exactly (seconds that are not whole hours, say) stays as it is.
  function changes(before, after) {
    const patch = {};
    for (const [name, value] of Object.entries(after)) {
      if (JSON.stringify(value) !== JSON.stringify(before[name])) patch[name] = value;
    }
    return patch;
  }

  function brandingCard(brand) {
    const region = el("div", {});
    const name = input({ name: "display_name", maxlength: "80", value: brand.display_name || "", autocomplete: "organization" });
    const colour = input({ name: "accent_color", type: "color", value: brand.accent_color || "#0b6e4f" });
    const noColour = check("brand-no-colour", T.defaultColour, !brand.accent_color, T.accentColorHint);
    const email = input({ name: "support_email", type: "email", value: brand.support_email || "", autocomplete: "off" });
    const url = input({ name: "support_url", type: "url", value: brand.support_url || "", autocomplete: "off" });
    const shown = (b) => ({ display_name: b.display_name || null, accent_color: b.accent_color || null,
      support_email: b.support_email || null, support_url: b.support_url || null });
    let saved = shown(brand);
    const form = el("form", { onsubmit: async (e) => {
      e.preventDefault();
      const wanted = { display_name: name.value.trim() || null, accent_color: noColour.querySelector("input").checked ? null : colour.value,
        support_email: email.value.trim() || null, support_url: url.value.trim() || null };
      const done = await answer(await send("/api/v1/branding", "PATCH", changes(saved, wanted)), region);
      if (done) saved = shown(done);
    } },
    field("brand-name", T.displayName, name, T.displayNameHint),
    field("brand-colour", T.accentColor, colour), noColour,
    field("brand-email", T.supportEmail, email),
    field("brand-url", T.supportURL, url, T.supportHint),
    el("button", { type: "submit" }, T.saveBranding));
    return el("section", { class: "card", "aria-labelledby": "branding-title" },
      el("h2", { id: "branding-title" }, T.brandingTitle), el("p", {}, T.brandingIntro), region, form, logoForm(brand.logo));
  }

  // The logo is replaced in place: the forms around it keep what is being typed.
  function logoForm(current) {
    const region = el("div", {});
    const preview = el("div", {});
    const file = input({ type: "file", accept: "image/jpeg,image/png,image/webp,image/heic,image/heif,image/avif" });
    const remove = el("button", { type: "button", class: "link", onclick: async () => {
      const done = await answer(await api("/api/v1/branding/logo", { method: "DELETE" }), region);
      if (done) showLogo(null);
    } }, T.removeLogo);
    function showLogo(logo) {
      preview.replaceChildren(logo
        ? el("img", { src: logo.url, alt: T.logoAlt, width: logo.width, height: logo.height, class: "logo" })
        : el("p", {}, T.noLogo));
      remove.hidden = !logo;
    }
    showLogo(current);
    return el("form", { class: "logo", onsubmit: async (e) => {
      e.preventDefault();
      const chosen = file.files[0];
      if (!chosen) return;
      const done = await answer(await send("/api/v1/branding/logo", "PUT", chosen, chosen.type || "application/octet-stream"), region);
      if (done) { showLogo(done.logo); file.value = ""; }
    } },
    el("h3", {}, T.logo), region, preview,
    field("brand-logo", T.logoFile, file, T.logoHint),
    el("div", { class: "actions" }, el("button", { type: "submit" }, T.uploadLogo), remove));
  }

  // Per-country consent: one row per country, added and removed in place.
  function consentRows(modes) {
    const rows = el("div", {});
    const row = (country, mode) => {
      // Two letters (ISO 3166-1): "*" is the default above, never a row.
      const code = input({ value: country, maxlength: "2", pattern: "[A-Za-z]{2}", required: true, "aria-label": T.country, class: "country",
        autocapitalize: "characters" });
      const choice = select("consent", ["opt_out", "opt_in", "off"], mode);
      const remove = el("button", { type: "button", class: "link", onclick: () => line.remove() }, "✕");
      // Each row's controls say which country they are about, as it is typed.
      const label = () => {
        choice.setAttribute("aria-label", T.consentTitle + ": " + (code.value || "—"));
        remove.setAttribute("aria-label", C.fill(T.removeCountry, { country: code.value || "—" }));
      };
      code.addEventListener("input", label);
      label();
      const line = el("div", { class: "consent" }, code, choice, remove);
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
    const region = el("div", {});
    const retention = input({ type: "number", required: true, min: "1", max: "2160", step: "1", value: Math.round(s.retention_seconds / HOUR) });
    const dispute = input({ type: "number", required: true, min: "0", max: "540", step: "1", value: Math.round(s.dispute_window_seconds / DAY) });
    const photos = input({ type: "number", required: true, min: "1", max: "3", step: "1", value: s.photos_per_delivery });
    const atAddress = input({ type: "number", required: true, min: "5", max: "5000", step: "any", value: s.location_radii.at_address_m });
    const near = input({ type: "number", required: true, min: "5", max: "5000", step: "any", value: s.location_radii.near_m });
    const quality = select("quality", ["flag", "reject"], s.quality_policy);
    const ticket = select("ticket", ["flag", "refuse"], s.ticket_policy);
    const people = select("people", ["blur", "retake", "off"], s.people_policy);
    const reason = el("textarea", { rows: "2", maxlength: "500" });
    reason.value = s.people_policy_reason || "";
    const handover = select("handover", ["code", "signature"], s.handover_proof);
    const emailPhoto = check("set-email-photo", T.emailIncludesPhoto, s.email_includes_photo, T.emailIncludesPhotoHint);
    const consentDefault = select("consent", ["opt_out", "opt_in", "off"], s.consent_modes["*"] || "opt_out");
    const countries = consentRows(s.consent_modes);
    // The form's values as the API takes them; untouched fields compare equal to what was loaded.
    const read = () => ({
      retention_seconds: Math.round(Number(retention.value) * HOUR), dispute_window_seconds: Math.round(Number(dispute.value) * DAY),
      photos_per_delivery: Number(photos.value), location_radii: { at_address_m: Number(atAddress.value), near_m: Number(near.value) },
      quality_policy: quality.value, ticket_policy: ticket.value, people_policy: people.value,
      people_policy_reason: people.value === "off" ? reason.value : null, handover_proof: handover.value,
      email_includes_photo: emailPhoto.querySelector("input").checked,
      consent_modes: Object.assign({ "*": consentDefault.value }, countries.read()),
    });
    let loaded = read();
    let saved = s;
    const form = el("form", { onsubmit: async (e) => {
      e.preventDefault();
      const patch = changes(loaded, read());
      // A country taken out is removed with null (a merge patch merges objects member by member).
      if (patch.consent_modes) {
        for (const country of Object.keys(saved.consent_modes)) if (!(country in patch.consent_modes)) patch.consent_modes[country] = null;
      }
      const done = await answer(await send("/api/v1/settings", "PATCH", patch), region);
      if (done) { saved = done; loaded = read(); }
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
