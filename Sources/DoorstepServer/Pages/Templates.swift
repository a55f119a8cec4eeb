/// Page templates. Compiled in, so the binary needs no resource files at run time.
enum Templates {
    static let layout = """
        <!doctype html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <meta name="robots" content="noindex, nofollow">
        <title>{{title}} · Doorstep</title>
        <style>
        :root { color-scheme: light dark; --fg: #1b1b1f; --muted: #5d5d66; --bg: #f6f6f8; --card: #fff; --accent: #0b6e4f; }
        @media (prefers-color-scheme: dark) { :root { --fg: #ececf1; --muted: #a5a5b0; --bg: #121216; --card: #1d1d23; --accent: #4fd1a5; } }
        * { box-sizing: border-box; }
        body { margin: 0; font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
        main { max-width: 40rem; margin: 0 auto; padding: 1rem; }
        .card { background: var(--card); border-radius: 14px; padding: 1.25rem; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
        h1 { font-size: 1.5rem; line-height: 1.25; margin: .25rem 0 1rem; }
        .status { color: var(--accent); font-weight: 600; font-size: .95rem; text-transform: uppercase; letter-spacing: .04em; }
        figure { margin: 0 0 1rem; }
        figure a { display: block; }
        figure img { display: block; width: 100%; height: auto; border-radius: 10px; background: #ccc; }
        dl { margin: 0; display: grid; gap: .75rem; }
        dt { color: var(--muted); font-size: .9rem; }
        dd { margin: 0; font-weight: 600; }
        .placement { font-size: 1.2rem; }
        .privacy, footer { color: var(--muted); font-size: .85rem; margin-top: 1rem; }
        footer { text-align: center; }
        h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
        button { font: inherit; font-weight: 600; width: 100%; min-height: 48px; border-radius: 10px; border: 0; padding: .75rem 1rem; margin-top: 1rem; background: var(--accent); color: #fff; cursor: pointer; }
        button.danger { background: #b3261e; }
        label { display: block; margin: .75rem 0; }
        input[type=checkbox], input[type=radio] { width: 1.3rem; height: 1.3rem; vertical-align: -.25rem; margin-right: .5rem; }
        .hint { color: var(--muted); font-size: .85rem; margin: .5rem 0 0; }
        .notice { background: rgba(11,110,79,.1); border-radius: 8px; padding: .75rem; }
        .log { list-style: none; padding: 0; margin: 0; color: var(--muted); font-size: .9rem; }
        .log li { padding: .2rem 0; }
        .links { margin-top: 1.5rem; font-size: .9rem; }
        a { color: var(--accent); }
        details { margin-top: 1.5rem; }
        summary { cursor: pointer; font-weight: 600; min-height: 44px; display: flex; align-items: center; }
        textarea { width: 100%; font: inherit; border-radius: 8px; padding: .5rem; }
        figcaption { margin-top: .4rem; }
        dialog.zoom { padding: 0; border: 0; max-width: 100vw; max-height: 100vh; width: 100vw; height: 100vh; background: #000; }
        dialog.zoom img { width: 100%; height: calc(100% - 64px); object-fit: contain; }
        dialog.zoom button { margin: 0; border-radius: 0; min-height: 64px; }
        button:focus-visible, a:focus-visible, summary:focus-visible, input:focus-visible, textarea:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
        </style>
        </head>
        <body>
        <main>
        {{{body}}}
        <footer>Doorstep</footer>
        </main>
        <script src="/static/page.js"></script>
        </body>
        </html>
        """

    static let delivery = """
        <div aria-live="polite">
        <article class="card" data-events="{{eventsURL}}">
        {{#delivered}}<p class="status">✓ {{deliveredLabel}}</p>{{/delivered}}
        <h1>{{heading}}</h1>
        {{#photo}}
        <figure>
        <a href="{{displayURL}}" data-zoom aria-label="{{enlargePhoto}}"><img src="{{displayURL}}" width="{{width}}" height="{{height}}" alt="{{alt}}"></a>
        {{#takenFrom}}<figcaption class="hint">{{takenFrom}}</figcaption>{{/takenFrom}}
        </figure>
        <dialog class="zoom" aria-label="{{alt}}"><img src="{{displayURL}}" alt="{{alt}}"><form method="dialog"><button type="submit">{{closePhoto}}</button></form></dialog>
        {{/photo}}
        {{#delivered}}
        <dl>
        {{#placement}}<div><dt>{{leftAtLabel}}</dt><dd class="placement">{{placement}}</dd></div>{{/placement}}
        <div><dt>{{deliveredLabel}}</dt><dd><time datetime="{{deliveredISO}}">{{deliveredText}}</time></dd></div>
        {{#note}}<div><dt>{{noteLabel}}</dt><dd>{{note}}</dd></div>{{/note}}
        <div><dt>{{orderLabel}}</dt><dd>{{orderReference}}</dd></div>
        </dl>
        {{#deletedNote}}<p class="notice">{{deletedNote}}</p>{{/deletedNote}}
        {{^photo}}{{^deletedNote}}<p>{{noPhoto}}</p>{{/deletedNote}}{{/photo}}
        {{#photo}}<p class="privacy">{{privacyNote}}</p>
        <form method="post" action="{{deleteURL}}">
        <button type="submit" class="danger">{{deleteButton}}</button>
        <p class="hint">{{deleteHint}}</p>
        </form>
        {{/photo}}
        {{/delivered}}
        {{^delivered}}<p>{{onTheWayBody}}</p>{{/delivered}}
        {{#problemReported}}<p class="notice">{{problemReported}}</p>{{/problemReported}}
        {{#delivered}}
        <details>
        <summary>{{problemTitle}}</summary>
        <form method="post" action="{{problemURL}}">
        {{#problemKinds}}<label><input type="radio" name="kind" value="{{value}}" required> {{label}}</label>{{/problemKinds}}
        <label>{{problemDetails}}<br><textarea name="details" rows="3" maxlength="2000"></textarea></label>
        <button type="submit">{{problemSend}}</button>
        </form>
        </details>
        {{/delivered}}
        {{#delivered}}<p class="links"><a href="{{receiptURL}}" download>{{receiptLink}}</a></p>{{/delivered}}
        {{#hasLog}}
        <section>
        <h2>{{accessLogTitle}}</h2>
        <ul class="log">{{#accessLog}}<li><time datetime="{{at}}">{{atText}}</time> · {{who}} {{what}}</li>{{/accessLog}}</ul>
        </section>
        {{/hasLog}}
        <details>
        <summary>{{preferencesLink}}</summary>
        <p>{{optOutExplained}}</p>
        <form method="post" action="{{preferencesURL}}">
        <input type="hidden" name="choice" value="opted_out">
        <input type="hidden" name="delete" value="yes">
        <button type="submit" class="danger">{{optOutButton}}</button>
        </form>
        <p class="hint"><a href="{{preferencesURL}}">{{preferencesLink}} …</a></p>
        </details>
        </article>
        </div>
        """

    static let preferences = """
        <article class="card">
        <h1>{{heading}}</h1>
        {{#done}}<p class="notice">{{done}}</p>{{/done}}
        {{#photosOff}}<p>{{photosOff}}</p>{{/photosOff}}
        {{^photosOff}}
        <p><strong>{{current}}</strong></p>
        <p>{{explanation}}</p>
        {{#offerOptOut}}
        <form method="post" action="{{actionURL}}">
        <input type="hidden" name="choice" value="opted_out">
        <label><input type="checkbox" name="address" value="yes"> {{includeAddress}}</label>
        <label><input type="checkbox" name="delete" value="yes" checked> {{deleteExisting}}</label>
        <button type="submit" class="danger">{{optOutButton}}</button>
        </form>
        {{/offerOptOut}}
        {{#offerOptIn}}
        <form method="post" action="{{actionURL}}">
        <input type="hidden" name="choice" value="opted_in">
        <button type="submit">{{optInButton}}</button>
        </form>
        {{/offerOptIn}}
        {{/photosOff}}
        </article>
        """

    static let message = """
        <article class="card">
        <h1>{{heading}}</h1>
        <p>{{message}}</p>
        </article>
        """
}
