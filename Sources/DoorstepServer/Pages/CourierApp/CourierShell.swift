/// The courier app's HTML shell, manifest, icon and service worker. The page itself is built by
/// courier.js from the API; the shell only carries the words in the courier's language.
enum CourierShell {
    static let html = """
        <!doctype html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
        <meta name="theme-color" content="#0b6e4f">
        <meta name="referrer" content="no-referrer">
        <link rel="manifest" href="/courier/manifest.webmanifest">
        <link rel="icon" href="/courier/icon.svg" type="image/svg+xml">
        <title>{{appName}}</title>
        <style>
        :root { --fg: #17171b; --muted: #4f4f58; --bg: #f2f2f5; --card: #fff; --accent: #0b6e4f; --warn: #8a4b00; --bad: #b3261e; }
        * { box-sizing: border-box; }
        html, body { margin: 0; height: 100%; }
        body { font: 18px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); display: flex; flex-direction: column; }
        header { display: flex; align-items: center; gap: .5rem; padding: .5rem .75rem; background: var(--accent); color: #fff; min-height: 52px; }
        header h1 { font-size: 1.05rem; margin: 0; flex: 1; }
        .pill { font-size: .8rem; padding: .15rem .55rem; border-radius: 99px; background: rgba(0,0,0,.3); }
        .pill.off { background: #fff; color: var(--bad); font-weight: 700; }
        main { flex: 1; overflow-y: auto; padding: .75rem; padding-bottom: 9.5rem; }
        main:focus { outline: none; }
        h2 { font-size: 1.3rem; margin: .25rem 0 .75rem; }
        ol.stops { list-style: none; margin: 0; padding: 0; display: grid; gap: .6rem; }
        .stop { display: block; width: 100%; text-align: left; background: var(--card); color: var(--fg); border: 0; border-radius: 14px; padding: .9rem 1rem; box-shadow: 0 1px 3px rgba(0,0,0,.1); font: inherit; min-height: 64px; cursor: pointer; }
        .stop .n { font-weight: 700; color: var(--accent); margin-right: .35rem; }
        .stop .addr { font-weight: 600; }
        .meta { display: block; font-size: .9rem; color: var(--muted); margin-top: .2rem; }
        .badge { display: inline-block; font-size: .85rem; font-weight: 600; border-radius: 6px; padding: .1rem .45rem; margin-top: .35rem; background: #e3f1ec; color: #06543b; }
        .badge.no { background: #fbe9e7; color: #8c1d18; }
        .badge.done { background: #e8e8ee; color: #33333a; }
        .card { background: var(--card); border-radius: 14px; padding: 1rem; box-shadow: 0 1px 3px rgba(0,0,0,.1); margin-bottom: .75rem; }
        .actions { position: fixed; left: 0; right: 0; bottom: 0; padding: .75rem; background: linear-gradient(transparent, var(--bg) 30%); display: grid; gap: .5rem; }
        button.primary, button.secondary, button.danger { font: inherit; font-weight: 700; min-height: 56px; width: 100%; border-radius: 14px; border: 0; padding: .75rem 1rem; cursor: pointer; }
        button.primary { background: var(--accent); color: #fff; }
        button.secondary { background: #fff; color: var(--accent); border: 2px solid var(--accent); }
        button.danger { background: var(--bad); color: #fff; }
        button:focus-visible, input:focus-visible, textarea:focus-visible, .stop:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
        .places { display: grid; grid-template-columns: 1fr 1fr; gap: .5rem; border: 0; padding: 0; margin: 0 0 .75rem; }
        .places legend { font-weight: 700; margin-bottom: .5rem; }
        .places label { display: flex; align-items: center; gap: .4rem; min-height: 56px; background: var(--card); border: 2px solid #c9c9d1; border-radius: 12px; padding: .4rem .6rem; font-size: .95rem; cursor: pointer; }
        .places input { flex: none; width: 1.3rem; height: 1.3rem; accent-color: var(--accent); }
        .places label:has(input:checked) { border-color: var(--accent); background: #e3f1ec; }
        label.field { display: block; font-weight: 600; margin: .5rem 0; }
        input[type=text], input[type=password], textarea { display: block; width: 100%; font: inherit; padding: .7rem; border: 2px solid #8e8e99; border-radius: 10px; margin-top: .3rem; background: #fff; color: var(--fg); }
        .camera { position: relative; background: #000; border-radius: 14px; overflow: hidden; aspect-ratio: 3 / 4; max-height: 60vh; margin: 0 auto .5rem; }
        .camera video { width: 100%; height: 100%; object-fit: cover; display: block; }
        .notice { border-radius: 12px; padding: .8rem 1rem; margin-bottom: .75rem; font-weight: 600; }
        .notice.ok { background: #e3f1ec; color: #06543b; }
        .notice.warn { background: #fff3e0; color: #6b3a00; }
        .notice.bad { background: #fbe9e7; color: #8c1d18; }
        .muted { color: var(--muted); font-size: .9rem; }
        .toast { position: fixed; left: .75rem; right: .75rem; top: 60px; z-index: 2; }
        a.lang { color: #fff; font-size: .85rem; }
        </style>
        </head>
        <body>
        <header>
        <h1>{{appName}}</h1>
        <span id="net" class="pill" role="status" aria-live="polite"></span>
        <span id="queue" class="pill" role="status" aria-live="polite" hidden></span>
        <a class="lang" href="/courier?lang={{otherLang}}" hreflang="{{otherLang}}">{{otherLanguageName}}</a>
        </header>
        <main id="app" tabindex="-1" aria-live="polite"></main>
        <script type="application/json" id="strings">{{{stringsJSON}}}</script>
        <script src="/courier/courier.js"></script>
        </body>
        </html>
        """

    static let manifest = """
        {
          "name": "Doorstep Courier",
          "short_name": "Doorstep",
          "start_url": "/courier",
          "scope": "/courier",
          "display": "standalone",
          "orientation": "portrait",
          "background_color": "#f2f2f5",
          "theme_color": "#0b6e4f",
          "icons": [{ "src": "/courier/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any maskable" }]
        }
        """

    static let icon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><rect width="512" height="512" rx="96" fill="#0b6e4f"/><path d="M136 232 256 136l120 96v144H136z" fill="#fff"/><rect x="216" y="296" width="80" height="80" rx="8" fill="#0b6e4f"/><circle cx="360" cy="360" r="64" fill="#f5c211" stroke="#fff" stroke-width="16"/></svg>
        """

    /// Caches the app shell only, so the app opens with no network. API answers and photos are
    /// never cached: they pass straight through.
    static let serviceWorker = #"""
        const SHELL = "doorstep-courier-v1";
        const FILES = ["/courier", "/courier/courier.js", "/courier/manifest.webmanifest", "/courier/icon.svg"];
        self.addEventListener("install", (event) => {
          event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
        });
        self.addEventListener("activate", (event) => {
          event.waitUntil(caches.keys()
            .then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k))))
            .then(() => self.clients.claim()));
        });
        self.addEventListener("fetch", (event) => {
          const url = new URL(event.request.url);
          if (event.request.method !== "GET" || url.origin !== self.location.origin || !FILES.includes(url.pathname)) return;
          event.respondWith(fetch(event.request)
            .then((response) => {
              const copy = response.clone();
              caches.open(SHELL).then((cache) => cache.put(event.request, copy));
              return response;
            })
            .catch(() => caches.match(event.request, { ignoreSearch: true })));
        });
        """#
}
