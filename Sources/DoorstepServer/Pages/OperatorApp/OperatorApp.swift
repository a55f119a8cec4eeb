import DoorstepCore

/// The tenant operators' case desk: open cases, each with its evidence side by side, and the
/// resolve form. A page over the tenant API: the operator signs in with an API key, which stays
/// in the tab's session storage only.
enum OperatorApp {
    static func words(_ language: Language) -> [String: String] {
        let strings = Strings.forLanguage(language)
        var words = (language == .fr ? french : english).merging(strings.placementWords) { $1 }
        for kind in ProblemReport.Kind.allCases { words["kind." + kind.rawValue] = strings.problemKinds[kind] ?? kind.rawValue }
        return words
    }

    static let english: [String: String] = [
        "title": "Doorstep cases", "apiKey": "Tenant API key", "open": "Open", "signOut": "Sign out",
        "casesTitle": "Open cases", "noCases": "No open cases.", "reported": "Reported", "customerSaid": "The customer said",
        "evidence": "Evidence", "photo": "Photo", "photoGone": "The photo no longer exists (deleted or expired); what outlives it is below.",
        "placement": "Where the courier left it", "location": "Location", "distance": "Distance to the address",
        "quality": "Quality", "freshness": "Freshness", "reuse": "Reuse flags", "noReuse": "None",
        "reuseOf": "near-duplicate of the photo of delivery", "sameCourier": "same courier", "bits": "bits apart",
        "receipt": "Signed receipt", "receiptKey": "key", "noReceipt": "None (not delivered)",
        "resolution": "Resolution (sent to the tenant's webhook)", "resolve": "Resolve the case", "resolved": "Resolved",
        "back": "Back to cases", "failed": "That did not work: check the API key.",
    ]

    static let french: [String: String] = [
        "title": "Litiges Doorstep", "apiKey": "Clé d'API du client", "open": "Ouvrir", "signOut": "Se déconnecter",
        "casesTitle": "Litiges ouverts", "noCases": "Aucun litige ouvert.", "reported": "Signalé", "customerSaid": "Le client a écrit",
        "evidence": "Éléments", "photo": "Photo", "photoGone": "La photo n'existe plus (supprimée ou expirée) ; ce qui lui survit est ci-dessous.",
        "placement": "Où le livreur l'a laissé", "location": "Position", "distance": "Distance à l'adresse",
        "quality": "Qualité", "freshness": "Fraîcheur", "reuse": "Réutilisation", "noReuse": "Aucune",
        "reuseOf": "quasi-doublon de la photo de la livraison", "sameCourier": "même livreur", "bits": "bits d'écart",
        "receipt": "Reçu signé", "receiptKey": "clé", "noReceipt": "Aucun (non livré)",
        "resolution": "Résolution (envoyée au webhook du client)", "resolve": "Clore le litige", "resolved": "Clos",
        "back": "Retour aux litiges", "failed": "Échec : vérifiez la clé d'API.",
    ]

    static let html = """
        <!doctype html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <meta name="robots" content="noindex, nofollow">
        <title>{{title}}</title>
        <style>
        :root { --fg: #17171b; --muted: #4f4f58; --bg: #f2f2f5; --card: #fff; --accent: #0b6e4f; --bad: #b3261e; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
        header { background: var(--accent); color: #fff; padding: .6rem 1rem; display: flex; align-items: center; gap: 1rem; }
        header h1 { font-size: 1.1rem; margin: 0; flex: 1; }
        header a { color: #fff; }
        main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
        .card { background: var(--card); border-radius: 12px; padding: 1rem; box-shadow: 0 1px 3px rgba(0,0,0,.1); margin-bottom: 1rem; }
        .side { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem; }
        @media (max-width: 720px) { .side { grid-template-columns: 1fr; } }
        .side img { width: 100%; border-radius: 8px; display: block; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0; }
        dt { color: var(--muted); }
        dd { margin: 0; font-weight: 600; }
        .flag { color: var(--bad); }
        button { font: inherit; font-weight: 700; min-height: 44px; border-radius: 10px; border: 0; padding: .5rem 1rem; background: var(--accent); color: #fff; cursor: pointer; }
        button.link { background: none; color: var(--accent); padding: 0; min-height: 0; text-decoration: underline; }
        input, textarea { font: inherit; width: 100%; padding: .5rem; border: 2px solid #8e8e99; border-radius: 8px; margin: .3rem 0 .6rem; }
        label { font-weight: 600; }
        ul.cases { list-style: none; padding: 0; margin: 0; }
        ul.cases li { border-bottom: 1px solid #ddd; padding: .6rem 0; }
        code { font-size: .85rem; word-break: break-all; }
        button:focus-visible, input:focus-visible, textarea:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
        </style>
        </head>
        <body>
        <header><h1>{{title}}</h1><a href="/operator?lang={{otherLang}}" hreflang="{{otherLang}}">{{otherLanguageName}}</a></header>
        <main id="app" tabindex="-1" aria-live="polite"></main>
        <script type="application/json" id="strings">{{{stringsJSON}}}</script>
        <script src="/operator/operator.js"></script>
        </body>
        </html>
        """

    static let script = #"""
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
        const last = file.proofs[file.proofs.length - 1];
        const verdicts = photo || last;
        const picture = el("div", {});
        let url = null;  // the decrypted photo lives in this tab's memory only, until the view changes
        if (photo) {
          url = URL.createObjectURL(await (await api(file.photo_url)).blob());
          picture.append(el("img", { src: url, alt: T.photo }));
        } else {
          picture.append(el("p", {}, T.photoGone));
        }
        const quality = photo ? photo.quality.verdict + (photo.quality.issues.length ? " (" + photo.quality.issues.join(", ") + ")" : "")
          : last ? (last.quality_issues.length ? last.quality_issues.join(", ") : "ok") : "—";
        const reuse = file.reuse.length ? el("ul", {}, file.reuse.map((r) => el("li", { class: "flag" },
          T.reuseOf + " " + r.delivery_id + " (" + r.distance_bits + " " + T.bits + (r.same_courier ? ", " + T.sameCourier : "") + ")")))
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
              el("dt", {}, T.location), el("dd", {}, verdicts ? verdicts.location : "—"),
              el("dt", {}, T.distance), el("dd", {}, verdicts && verdicts.distance_to_address_m != null ? Math.round(verdicts.distance_to_address_m) + " m" : "—"),
              el("dt", {}, T.quality), el("dd", {}, quality),
              el("dt", {}, T.freshness), el("dd", { class: verdicts && verdicts.freshness !== "fresh" ? "flag" : null }, verdicts ? verdicts.freshness : "—"),
              el("dt", {}, T.reuse), el("dd", {}, reuse),
              el("dt", {}, T.receipt), el("dd", {}, file.receipt ? el("code", {}, T.receiptKey + " " + file.receipt.kid) : T.noReceipt)))),
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

      if (key) cases().catch(() => signIn()); else signIn();
    })();
    """#
}
