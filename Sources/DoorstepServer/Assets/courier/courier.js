"use strict";
(function () {
  const T = JSON.parse(document.getElementById("strings").textContent);
  const app = document.getElementById("app");
  const SEALED = "application/vnd.doorstep.sealed-photo";
  const state = {
    token: localStorage.getItem("doorstep.token"),
    key: JSON.parse(localStorage.getItem("doorstep.uploadKey") || "null"),
    stops: JSON.parse(sessionStorage.getItem("doorstep.stops") || "[]"),
    waitingFor: null,   // the queue entry whose verdict the screen is waiting for
    position: null,
  };
  // Read by the browser tests and handy when debugging on a phone: no photo data in here.
  window.doorstep = { timings: [], queued: 0, sent: 0 };
  // When each photo of this page's life was captured (performance.now()), for the timing of its verdict.
  const capturedAt = new Map();

  // ---- small helpers -------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (value === true) node.setAttribute(name, "");
      else if (value !== false && value != null) node.setAttribute(name, value);
    }
    for (const child of children.flat()) if (child != null) node.append(child);
    return node;
  }
  function show(...nodes) {
    app.replaceChildren(...nodes);
    app.focus();
  }
  const bytes = (text) => new TextEncoder().encode(text);
  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }
  function fromBase64URL(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }
  async function api(path, options) {
    const request = Object.assign({ headers: {} }, options || {});
    if (state.token) request.headers["Authorization"] = "Bearer " + state.token;
    return fetch(path, request);
  }
  function stopTitle(stop) { return stop.address; }
  // URLSearchParams writes a space as "+", which only forms decode; the server reads a query as
  // RFC 3986 (a literal "+" is already "%2B" here), so spaces go as "%20".
  function queryString(params) { return params.toString().replace(/\+/g, "%20"); }

  // ---- network and queue indicators ------------------------------------------------------
  const net = document.getElementById("net");
  const queueBadge = document.getElementById("queue");
  function showNetwork() {
    net.textContent = navigator.onLine ? T.online : T.offline;
    net.classList.toggle("off", !navigator.onLine);
  }
  async function showQueue() {
    const n = (await queueAll()).length;
    window.doorstep.queued = n;
    queueBadge.hidden = n === 0;
    // The browser knows each language's plural rules; the catalogue has a form for each category.
    const form = new Intl.PluralRules(document.documentElement.lang).select(n);
    queueBadge.textContent = `${n} ${T[`waiting.${form}`] || T["waiting.other"]}`;
  }
  window.addEventListener("online", () => { showNetwork(); flush(); });
  window.addEventListener("offline", showNetwork);

  // ---- the sealed outbox (IndexedDB) -----------------------------------------------------
  function database() {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open("doorstep", 1);
      open.onupgradeneeded = () => open.result.createObjectStore("outbox", { keyPath: "id" });
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }
  async function store(mode, action) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const tx = db.transaction("outbox", mode);
      const request = action(tx.objectStore("outbox"));
      tx.oncomplete = () => { db.close(); resolve(request && request.result); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    });
  }
  const queuePut = (entry) => store("readwrite", (s) => s.put(entry));
  const queueDelete = (id) => store("readwrite", (s) => s.delete(id));
  const queueAll = () => store("readonly", (s) => s.getAll());

  // ---- sealing ----------------------------------------------------------------------------
  async function uploadKey() {
    try {
      const response = await fetch("/api/v1/courier/upload-key");
      if (response.ok) {
        state.key = await response.json();
        localStorage.setItem("doorstep.uploadKey", JSON.stringify(state.key));
      }
    } catch { /* offline: keep the key we have */ }
    return state.key;
  }
  async function seal(jpeg, deliveryID) {
    const serverPublic = fromBase64URL(state.key.public_key);
    const serverKey = await crypto.subtle.importKey("raw", serverPublic, { name: "ECDH", namedCurve: "P-256" }, false, []);
    const ephemeral = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
    const ephemeralPublic = new Uint8Array(await crypto.subtle.exportKey("raw", ephemeral.publicKey));
    const secret = await crypto.subtle.deriveBits({ name: "ECDH", public: serverKey }, ephemeral.privateKey, 256);
    const hkdf = await crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveKey"]);
    const aes = await crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: bytes("doorstep-sealed-upload-v1"), info: concat(ephemeralPublic, serverPublic) },
      hkdf, { name: "AES-GCM", length: 256 }, false, ["encrypt"]);
    const nonce = crypto.getRandomValues(new Uint8Array(12));
    const sealed = new Uint8Array(await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: nonce, additionalData: bytes("doorstep-photo:" + deliveryID) }, aes, jpeg));
    return concat(bytes("DSU1"), fromBase64URL(state.key.id), ephemeralPublic, nonce, sealed);
  }

  // ---- sending: every photo goes through the queue, online or not ------------------------
  let flushing = false;
  async function flush() {
    if (flushing || !state.token) return;
    flushing = true;
    try {
      // In the order they were taken (the store's own order is by random id): a stop's first
      // photo reaches the server before its second, and announces the delivery.
      const queued = (await queueAll()).sort((a, b) => a.queuedAt - b.queuedAt || (a.slot || 1) - (b.slot || 1));
      for (const entry of queued) {
        let response;
        try {
          response = await api("/api/v1/courier/deliveries/" + encodeURIComponent(entry.deliveryID) + "/photo?" + entry.query, {
            method: "POST", headers: { "Content-Type": SEALED, "Idempotency-Key": entry.id }, body: entry.sealed,
          });
        } catch { // offline
          break; // no network: everything stays queued
        }
        if (response.status === 401) { signIn(T.sessionEnded); break; }
        const body = await response.json().catch(() => ({}));
        // Later, with the same Idempotency-Key: the server is busy, or the body arrived cut short.
        if (response.status >= 500 || response.status === 408 || response.status === 429 ||
            body.type === "/problems/incomplete-upload") break;
        await queueDelete(entry.id); // the server answered for good: the sealed copy goes
        window.doorstep.sent += 1;
        answered(entry, response.status, body);
      }
    } finally {
      flushing = false;
      showQueue();
    }
  }
  setInterval(flush, 10000);

  function answered(entry, status, body) {
    const stop = state.stops.find((s) => s.id === entry.deliveryID);
    if (status === 201 && stop) { stop.state = "delivered"; saveStops(); }
    // A late answer while the courier is busy with another stop is a toast, not a change of screen.
    if (state.waitingFor !== entry.id || document.querySelector("[data-view=camera], [data-view=placement]")) {
      let message = T.sentLater;
      if (status !== 201) message = T.lost;
      else if (body.photo.quality.verdict !== "ok") message = T.verdictRetake + " " + issues(body.photo.quality.issues) + ".";
      else if (blurredSomeone(body.photo)) message = T.facesBlurred;
      toast((stop ? stopTitle(stop) + " — " : "") + message, message === T.sentLater ? 4000 : 15000);
      if (document.querySelector("[data-view=stops]")) showStops();  // refresh the list's badges only
      return;
    }
    state.waitingFor = null;
    if (capturedAt.has(entry.id)) {
      window.doorstep.timings.push({ deliveryID: entry.deliveryID, captureToVerdictMs: Math.round(performance.now() - capturedAt.get(entry.id)) });
      capturedAt.delete(entry.id);
    }
    verdict(stop, entry, status, body);
  }

  // Whether redaction pixelated anyone (a face or a whole person) in a kept photo.
  const blurredSomeone = (photo) => Boolean(photo && (photo.redaction.faces > 0 || photo.redaction.people > 0));

  function verdict(stop, entry, status, body) {
    const slot = entry.slot || 1;
    // (No stop when the list could not be loaded: then there is nothing to retake from here.)
    const retake = stop ? el("button", { class: "primary", type: "button", onclick: () => camera(stop, entry.placement, entry.note, slot) }, T.retake) : null;
    const next = el("button", { class: "secondary", type: "button", onclick: showStops }, T.nextStop);
    // Where the tenant asks for several photos, a kept photo leads to the next one, not the stop list.
    const onward = (label, kind) => stop && slot < photosWanted(stop)
      ? el("button", { class: kind, type: "button", "data-next-photo": "", onclick: () => camera(stop, entry.placement, entry.note, slot + 1) }, T.nextPhoto)
      : el("button", { class: kind, type: "button", onclick: showStops }, label);
    if (status === 201) {
      const quality = body.photo.quality;
      const location = el("p", { class: "muted" }, T["location." + body.photo.location] || "");
      // Told at once, so the courier learns to frame the parcel and the threshold only.
      const blurred = blurredSomeone(body.photo) ? el("div", { class: "notice warn", role: "status", "data-redaction": "" }, T.facesBlurred) : null;
      if (quality.verdict === "ok") {
        return show(el("section", { "data-view": "verdict", "data-verdict": "ok" },
          el("div", { class: "notice ok", role: "status" }, "✓ " + T.verdictOk), blurred, location,
          el("div", { class: "actions" }, onward(T.nextStop, "primary"))));
      }
      const reasons = issues(quality.issues);
      return show(el("section", { "data-view": "verdict", "data-verdict": "retake" },
        el("div", { class: "notice warn", role: "alert" }, T.verdictRetake + " " + reasons + "."), blurred, location,
        el("div", { class: "actions" }, retake, onward(T.keep, "secondary"))));
    }
    let text = T.lost;
    if (body.type === "/problems/photo-unusable") text = T.refused + " " + issues(body.issues || []) + ".";
    if (body.type === "/problems/photo-not-allowed") text = T.notAllowed;
    if (body.type === "/problems/people-in-frame") text = T.peopleInFrame;
    show(el("section", { "data-view": "verdict", "data-verdict": "refused" },
      el("div", { class: "notice bad", role: "alert" }, text),
      el("div", { class: "actions" }, body.type === "/problems/photo-not-allowed" ? next : retake, body.type === "/problems/photo-not-allowed" ? null : next)));
  }

  const issues = (codes) => codes.map((i) => T["issue." + i] || i).join(", ");

  function toast(text, duration) {
    const note = el("div", { class: duration > 4000 ? "notice warn toast" : "notice ok toast", role: "status" }, text);
    document.body.append(note);
    setTimeout(() => note.remove(), duration || 4000);
  }

  // ---- views ------------------------------------------------------------------------------
  function signIn(message) {
    state.token = null;
    localStorage.removeItem("doorstep.token");
    const user = el("input", { type: "text", id: "username", name: "username", autocomplete: "username", required: true, autocapitalize: "none" });
    const pass = el("input", { type: "password", id: "password", name: "password", autocomplete: "current-password", required: true });
    const form = el("form", { "data-view": "sign-in", onsubmit: async (event) => {
      event.preventDefault();
      const response = await fetch("/api/v1/courier/login", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: user.value, password: pass.value }),
      }).catch(() => null);
      if (!response || !response.ok) return signIn(T.signInFailed);
      state.token = (await response.json()).token;
      localStorage.setItem("doorstep.token", state.token);
      await uploadKey();
      await loadStops();
      flush();
    } },
      el("h2", {}, T.signInTitle),
      message ? el("div", { class: "notice bad", role: "alert" }, message) : null,
      el("label", { class: "field", for: "username" }, T.username, user),
      el("label", { class: "field", for: "password" }, T.password, pass),
      el("button", { class: "primary", type: "submit" }, T.signIn));
    show(form);
  }

  function saveStops() { sessionStorage.setItem("doorstep.stops", JSON.stringify(state.stops)); }

  async function loadStops() {
    try {
      const response = await api("/api/v1/courier/deliveries");
      if (response.status === 401) return signIn(T.sessionEnded);
      if (response.ok) {
        state.stops = (await response.json()).items;
        saveStops();
      }
    } catch { /* offline: show what we had */ }
    showStops();
  }

  function badge(stop) {
    if (stop.state === "delivered") return el("span", { class: "badge done" }, "✓ " + T["state.delivered"]);
    const allowed = stop.photo_policy === "requested";
    return el("span", { class: allowed ? "badge" : "badge no" }, T["policy." + stop.photo_policy] || stop.photo_policy);
  }

  // The recipient's safe place or neighbour, chosen on their page.
  function dropText(choice) {
    return T["drop." + choice.kind] + ": " + choice.details;
  }

  function showStops() {
    const list = state.stops.map((stop, index) =>
      el("li", {}, el("button", { class: "stop", type: "button", "data-stop": stop.id, onclick: () => showStop(stop) },
        el("span", { class: "n" }, String(stop.route_position || index + 1) + "."),
        el("span", { class: "addr" }, stopTitle(stop)),
        stop.instructions ? el("span", { class: "meta" }, stop.instructions) : null,
        stop.drop_choice ? el("span", { class: "meta" }, dropText(stop.drop_choice)) : null,
        badge(stop))));
    show(el("section", { "data-view": "stops" },
      el("h2", {}, T.stopsTitle),
      list.length ? el("ol", { class: "stops" }, list) : el("p", {}, T.noStops),
      el("div", { class: "actions" }, el("button", { class: "secondary", type: "button", onclick: () => signIn() }, T.signOut))));
  }

  function locate() {
    state.position = null;
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition((p) => { state.position = p.coords; }, () => {},
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 30000 });
  }

  function showStop(stop) {
    const allowed = stop.photo_policy === "requested";
    const done = stop.state === "delivered";
    show(el("section", { "data-view": "stop" },
      el("h2", {}, stopTitle(stop)),
      el("div", { class: "card" },
        el("div", {}, stop.recipient.name),
        stop.instructions ? el("p", {}, el("strong", {}, T.instructions + ": "), stop.instructions) : null,
        stop.drop_choice ? el("p", { "data-drop": stop.drop_choice.kind }, el("strong", {}, T["drop." + stop.drop_choice.kind] + ": "), stop.drop_choice.details) : null,
        badge(stop),
        !allowed && !done ? el("p", { class: "notice bad" }, T.noPhotoHere) : null),
      el("div", { class: "actions" },
        done ? null : el("button", { class: "primary", type: "button", onclick: () => { locate(); placement(stop); } }, T.delivered),
        done ? null : el("button", { class: "secondary", type: "button", onclick: () => handover(stop) },
          stop.handover_proof === "signature" ? T.handoverSignature : T.handover),
        done ? null : el("button", { class: "secondary", type: "button", onclick: () => { locate(); attempt(stop); } }, T.attempt),
        // Delivered with several photos asked for: any of them can still be taken or retaken.
        done && allowed && photosWanted(stop) > 1 && !stop.handed_over_at
          ? Array.from({ length: photosWanted(stop) }, (_, i) => el("button", { class: "secondary", type: "button", "data-slot": String(i + 1),
            onclick: () => { locate(); camera(stop, stop.placement || "front_door", stop.note, i + 1); } },
            T.photoOf.replace("{n}", i + 1).replace("{total}", photosWanted(stop))))
          : null,
        el("button", { class: "secondary", type: "button", onclick: showStops }, T.back))));
  }

  // Handed over in person: the recipient reads out the code from their message or page. The
  // server counts wrong codes (a few tries per delivery) and says how many are left.
  function handover(stop) {
    if (stop.handover_proof === "signature") return signaturePad(stop);
    const code = el("input", { id: "handover-code", name: "code", inputmode: "numeric", autocomplete: "off", maxlength: "7", required: true });
    const error = el("p", { class: "notice bad", role: "alert", hidden: true });
    show(el("form", { "data-view": "handover", onsubmit: async (event) => {
      event.preventDefault();
      const response = await api("/api/v1/courier/deliveries/" + encodeURIComponent(stop.id) + "/handover", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ code: code.value }),
      }).catch(() => null);
      if (!response) return toast(T.offline);
      if (response.ok) {
        Object.assign(stop, await response.json().catch(() => ({ state: "delivered" })));
        saveStops();
        return show(el("section", { "data-view": "verdict", "data-verdict": "handed-over" },
          el("div", { class: "notice ok", role: "status" }, "✓ " + T.handedOver),
          el("div", { class: "actions" }, el("button", { class: "primary", type: "button", onclick: showStops }, T.nextStop))));
      }
      const problem = await response.json().catch(() => ({}));
      error.textContent = problem.detail || T.refused;
      error.hidden = false;
    } },
      el("h2", {}, stopTitle(stop)),
      el("label", { class: "field", for: "handover-code" }, T.handoverCode, code),
      error,
      el("div", { class: "actions" },
        el("button", { class: "primary", type: "submit" }, T.handoverConfirm),
        el("button", { class: "secondary", type: "button", onclick: () => showStop(stop) }, T.back))));
  }

  // Handed over against the recipient's signature, where the shop takes signatures instead of
  // codes: drawn with a finger or a stylus, sent at once as a JPEG sealed like a photo.
  function signaturePad(stop) {
    const canvas = el("canvas", { width: "600", height: "300", class: "signature", role: "img", "aria-label": T.signTitle, "data-signature": "" });
    const context = canvas.getContext("2d");
    let strokes = 0, drawing = false;  // `drawing`: the pointer drawing now, or false
    const blank = () => {
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      Object.assign(context, { lineWidth: 4, lineCap: "round", lineJoin: "round", strokeStyle: "#000" });
      strokes = 0;
    };
    blank();
    const at = (event) => {
      const box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
    };
    const error = el("p", { class: "notice bad", role: "alert", hidden: true });
    // One pointer draws at a time; a stroke counts once it moves (a tap is not a signature).
    canvas.addEventListener("pointerdown", (event) => {
      if (drawing !== false) return;
      error.hidden = true;
      drawing = event.pointerId;
      canvas.setPointerCapture(event.pointerId);
      context.beginPath();
      context.moveTo(...at(event));
    });
    canvas.addEventListener("pointermove", (event) => {
      if (drawing !== event.pointerId) return;
      context.lineTo(...at(event));
      context.stroke();
      strokes += 1;
    });
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
      canvas.addEventListener(type, (event) => { if (drawing === event.pointerId) drawing = false; });
    }
    const name = el("input", { id: "signer-name", name: "name", autocomplete: "off", maxlength: "100" });
    const refuse = (text) => { error.textContent = text; error.hidden = false; };
    const confirm = el("button", { class: "primary", type: "submit" }, T.signConfirm);
    show(el("form", { "data-view": "signature", onsubmit: async (event) => {
      event.preventDefault();
      if (strokes < 3) return refuse(T.signEmpty);
      confirm.disabled = true;  // one handover, not two from a double tap
      let response = null;
      try {
        const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
        const jpeg = new Uint8Array(await blob.arrayBuffer());
        const key = state.key || await uploadKey();
        if (!key) throw new Error("no upload key");
        const sealed = await seal(jpeg, stop.id);
        jpeg.fill(0);
        const query = new URLSearchParams();
        if (name.value.trim()) query.set("name", name.value.trim());
        response = await api("/api/v1/courier/deliveries/" + encodeURIComponent(stop.id) + "/signature?" + queryString(query), {
          method: "POST", headers: { "Content-Type": SEALED }, body: sealed,
        }).catch(() => null);
        if (!response) { confirm.disabled = false; return toast(T.offline); }
      } catch {
        confirm.disabled = false;
        return refuse(T.lost);
      }
      if (response.status === 401) return signIn(T.sessionEnded);
      const answer = await response.json().catch(() => ({}));
      if (response.status === 201) {
        blank();  // the drawing goes from the page too, as a photo's frame does
        Object.assign(stop, answer.delivery);
        saveStops();
        return show(el("section", { "data-view": "verdict", "data-verdict": "signed" },
          el("div", { class: "notice ok", role: "status" }, "✓ " + T.handedOverSigned),
          el("div", { class: "actions" }, el("button", { class: "primary", type: "button", onclick: showStops }, T.nextStop))));
      }
      confirm.disabled = false;
      refuse(answer.detail || T.refused);
    } },
      el("h2", {}, stopTitle(stop)),
      el("p", { class: "muted" }, T.signTitle),
      canvas,
      el("label", { class: "field", for: "signer-name" }, T.signName, name),
      error,
      el("div", { class: "actions" },
        confirm,
        el("button", { class: "secondary", type: "button", onclick: blank }, T.signClear),
        el("button", { class: "secondary", type: "button", onclick: () => showStop(stop) }, T.back))));
  }

  // A failed attempt: why, a note, and where photos are allowed a photo of the door (people in
  // it are blurred like in any photo). Sent at once, not queued: the courier sees it recorded.
  function attempt(stop) {
    const allowed = stop.photo_policy === "requested";
    const note = el("textarea", { id: "attempt-note", name: "note", rows: "2", maxlength: "500" });
    const chosen = () => (document.querySelector("input[name=reason]:checked") || {}).value;
    show(el("form", { "data-view": "attempt", onsubmit: async (event) => {
      event.preventDefault();
      if (!chosen()) return;
      const query = new URLSearchParams({ reason: chosen() });
      if (note.value.trim()) query.set("note", note.value.trim());
      if (state.position) { query.set("lat", state.position.latitude.toFixed(6)); query.set("lon", state.position.longitude.toFixed(6)); }
      if (!allowed) return sendAttempt(stop, query, null);
      uploadKey();
      await cameraView(stop, (sealed) => sendAttempt(stop, query, sealed));
    } },
      el("h2", {}, stopTitle(stop)),
      el("fieldset", { class: "places" }, el("legend", {}, T.attemptWhy),
        ["nobody_home", "no_safe_place", "access_impossible"].map((r, i) =>
          el("label", {}, el("input", { type: "radio", name: "reason", value: r, required: i === 0 }), T["attempt." + r]))),
      el("label", { class: "field", for: "attempt-note" }, T.note, note),
      el("div", { class: "actions" },
        el("button", { class: "primary", type: "submit" }, allowed ? T.attemptWithPhoto : T.attemptConfirm),
        el("button", { class: "secondary", type: "button", onclick: () => showStop(stop) }, T.back))));
  }

  async function sendAttempt(stop, query, sealed) {
    const options = { method: "POST" };
    if (sealed) Object.assign(options, { headers: { "Content-Type": SEALED }, body: sealed });
    const response = await api("/api/v1/courier/deliveries/" + encodeURIComponent(stop.id) + "/attempts?" + queryString(query), options).catch(() => null);
    if (!response) { toast(T.offline); return showStop(stop); }
    if (response.status === 401) return signIn(T.sessionEnded);
    const body = await response.json().catch(() => ({}));
    if (response.status !== 201) {
      const text = body.type === "/problems/people-in-frame" ? T.peopleInFrame : (body.detail || T.refused);
      return show(el("section", { "data-view": "verdict", "data-verdict": "refused" },
        el("div", { class: "notice bad", role: "alert" }, text),
        el("div", { class: "actions" }, el("button", { class: "secondary", type: "button", onclick: () => showStop(stop) }, T.back))));
    }
    const blurred = blurredSomeone(body.photo)
      ? el("div", { class: "notice warn", role: "status", "data-redaction": "" }, T.facesBlurred) : null;
    show(el("section", { "data-view": "verdict", "data-verdict": "attempted" },
      el("div", { class: "notice ok", role: "status" }, "✓ " + T.attemptRecorded), blurred,
      el("div", { class: "actions" }, el("button", { class: "primary", type: "button", onclick: showStops }, T.nextStop))));
  }

  function placement(stop) {
    const allowed = stop.photo_policy === "requested";
    // A neighbour only where the recipient chose one (the server refuses it otherwise).
    const neighbour = stop.drop_choice && stop.drop_choice.kind === "neighbour";
    const places = T.placementOrder.split(",").filter((p) => p !== "with_neighbour" || neighbour);
    const note = el("textarea", { id: "note", name: "note", rows: "2", maxlength: "500" });
    const chosen = () => (document.querySelector("input[name=placement]:checked") || {}).value;
    const form = el("form", { "data-view": "placement", onsubmit: async (event) => {
      event.preventDefault();
      if (!chosen()) return;
      if (allowed) return camera(stop, chosen(), note.value.trim());
      const response = await api("/api/v1/courier/deliveries/" + encodeURIComponent(stop.id) + "/delivered", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ placement: chosen(), note: note.value.trim() || null }),
      }).catch(() => null);
      if (response && response.ok) {
        stop.state = "delivered";
        saveStops();
        show(el("section", { "data-view": "verdict", "data-verdict": "no-photo" },
          el("div", { class: "notice ok", role: "status" }, "✓ " + T.deliveredNoPhoto),
          el("div", { class: "actions" }, el("button", { class: "primary", type: "button", onclick: showStops }, T.nextStop))));
      } else {
        toast(T.offline);
      }
    } },
      el("h2", {}, stopTitle(stop)),
      el("fieldset", { class: "places" }, el("legend", {}, T.whereLeft),
        places.map((p, i) => el("label", {}, el("input", { type: "radio", name: "placement", value: p, required: i === 0 }), T["placement." + p]))),
      el("label", { class: "field", for: "note" }, T.note, note),
      el("div", { class: "actions" },
        el("button", { class: "primary", type: "submit" }, allowed ? T.continueToCamera : T.confirmWithoutPhoto),
        el("button", { class: "secondary", type: "button", onclick: () => showStop(stop) }, T.back)));
    show(form);
  }

  const photosWanted = (stop) => stop.photos_per_delivery || 1;

  // Photo number `slot` of the stop (1 unless the tenant asks for several).
  async function camera(stop, place, note, slot = 1) {
    // The capture ticket: proof for the server that this photo was taken at this stop now.
    // Offline there is none; the photo still goes, and the server marks it so.
    const ticket = api("/api/v1/courier/deliveries/" + encodeURIComponent(stop.id) + "/capture-ticket", { method: "POST" })
      .then((r) => (r.ok ? r.json() : null)).then((t) => t && t.ticket).catch(() => null);
    // The upload key as of now (a page open for days would otherwise seal to a key rotated away).
    uploadKey();
    const total = photosWanted(stop);
    const heading = total > 1 ? T.photoOf.replace("{n}", slot).replace("{total}", total) + " · " + T.cameraTitle : T.cameraTitle;
    const hint = total > 1 ? T["cameraHint." + slot] : T.cameraHint;
    await cameraView(stop, async (sealed, started, wallClock) => {
      const query = new URLSearchParams({ placement: place, captured_at: String(wallClock) });
      if (slot > 1) query.set("slot", String(slot));
      const issued = await Promise.race([ticket, new Promise((ok) => setTimeout(() => ok(null), 2000))]);
      if (issued) query.set("ticket", issued);
      if (note) query.set("note", note);
      if (state.position) { query.set("lat", state.position.latitude.toFixed(6)); query.set("lon", state.position.longitude.toFixed(6)); }
      const entry = { id: crypto.randomUUID(), deliveryID: stop.id, query: queryString(query), sealed, placement: place, note, slot, queuedAt: Date.now() };
      await queuePut(entry);
      state.waitingFor = entry.id;
      capturedAt.set(entry.id, started);
      show(el("section", { "data-view": "sending" },
        el("div", { class: "notice ok", role: "status" }, navigator.onLine ? T.sending : T.queued),
        // Offline, the next photo need not wait for this one's answer.
        el("div", { class: "actions" }, slot < total
          ? el("button", { class: "primary", type: "button", "data-next-photo": "", onclick: () => camera(stop, place, note, slot + 1) }, T.nextPhoto) : null,
          el("button", { class: "secondary", type: "button", onclick: showStops }, T.nextStop))));
      await showQueue();
      flush();
    }, heading, hint);
  }

  // The camera: `onSealed` gets the frame as sealed bytes (the plain JPEG is wiped first), with
  // when the button was pressed (page clock) and the wall clock.
  async function cameraView(stop, onSealed, heading = T.cameraTitle, hint = T.cameraHint) {
    const video = el("video", { autoplay: true, playsinline: true, muted: true, "aria-label": heading });
    let stream = null;
    const stopCamera = () => { if (stream) stream.getTracks().forEach((t) => { t.stop(); }); stream = null; };
    const capture = el("button", { class: "primary", type: "button", disabled: true, onclick: async () => {
      capture.disabled = true;
      const started = performance.now(), wallClock = Date.now();
      const canvas = document.createElement("canvas");
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      const context = canvas.getContext("2d");
      context.drawImage(video, 0, 0);
      stopCamera();
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
      // Wipe the frame: from here on only the sealed bytes exist.
      context.clearRect(0, 0, canvas.width, canvas.height);
      canvas.width = canvas.height = 0;
      let jpeg = new Uint8Array(await blob.arrayBuffer());
      const key = state.key || await uploadKey();
      if (!key) { show(el("div", { class: "notice bad", role: "alert" }, T.lost)); return; }
      const sealed = await seal(jpeg, stop.id);
      jpeg.fill(0);
      jpeg = null;
      await onSealed(sealed, started, wallClock);
    } }, T.capture);
    show(el("section", { "data-view": "camera" },
      el("h2", {}, heading),
      el("div", { class: "camera" }, video),
      el("p", { class: "muted" }, hint),
      el("div", { class: "actions" }, capture,
        el("button", { class: "secondary", type: "button", onclick: () => { stopCamera(); showStop(stop); } }, T.cancel))));
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false, video: { facingMode: { ideal: "environment" }, width: { ideal: 1920 }, height: { ideal: 1080 } },
      });
      video.srcObject = stream;
      await video.play().catch(() => {});
      if (!video.videoWidth) await new Promise((resolve) => video.addEventListener("loadedmetadata", resolve, { once: true }));
      capture.disabled = false;
      capture.focus();
    } catch {
      show(el("section", { "data-view": "camera-error" },
        el("div", { class: "notice bad", role: "alert" }, T.cameraUnavailable),
        el("div", { class: "actions" },
          el("button", { class: "secondary", type: "button", onclick: () => showStop(stop) }, T.back))));
    }
  }

  // ---- start ------------------------------------------------------------------------------
  showNetwork();
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/courier/sw.js", { scope: "/courier" }).catch(() => {});
  if (state.token) { uploadKey(); loadStops().then(flush); } else { signIn(); }
  showQueue();
})();
