"use strict";
// The dashboard: the last 7, 30 or 90 days as the server counts them (GET /api/v1/dashboard).
// Charts by Chart.js (Debian's libjs-chart.js, served at /operator/chart.js); every chart's
// figures are also a table, for screen readers, and the only view where Chart.js is missing.
(function (C) {
  const { T, el, api, show, problem, fill } = C;
  const WINDOWS = [7, 30, 90];
  let drawn = [];  // the charts on screen, destroyed with their view
  let windowDays = 30;

  const dark = () => window.matchMedia("(prefers-color-scheme: dark)").matches;
  // Series colours that read on the card in either scheme (and against each other).
  const palette = () => (dark()
    ? { good: "#4fd1a5", plain: "#8ab4f8", quiet: "#c9a7ff", warn: "#f6c26b", bad: "#ff8a80", grid: "#3a3a44", text: "#ececf1" }
    : { good: "#1f7a5a", plain: "#2b6cb0", quiet: "#6b46c1", warn: "#9a5b00", bad: "#b3261e", grid: "#dddddd", text: "#1b1b1f" });
  const dayLabel = (iso) => new Date(iso + "T00:00:00Z").toLocaleDateString(document.documentElement.lang, {
    month: "short", day: "numeric", timeZone: "UTC",
  });
  // Shares with one decimal, null where there is nothing to divide (a gap in a line, "—" in a
  // table); numbers written the reader's way ("52,3 %" in French, "1,204" in English).
  const percent = (part, whole) => (whole ? Math.round((1000 * part) / whole) / 10 : null);
  const lang = document.documentElement.lang;
  const formats = {
    count: new Intl.NumberFormat(lang),
    share: new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 }),
    seconds: new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
  };
  const asShare = (value) => (value == null ? null : formats.share.format(value / 100));
  const shown = (value) => (value == null ? "—" : typeof value === "number" ? formats.count.format(value) : value);

  function table(title, headings, rows) {
    return el("table", { class: "deliveries figures" }, el("caption", { class: "sr-only" }, title),
      el("thead", {}, el("tr", {}, headings.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows.map((row) => el("tr", {},
        el("th", { scope: "row" }, row[0]), row.slice(1).map((value) => el("td", {}, String(shown(value))))))));
  }

  // One chart: its title, the canvas Chart.js draws on (hidden from screen readers, which read
  // the table instead: a picture of numbers says nothing to them), and the table of its figures.
  function chart(id, title, config, headings, rows) {
    const canvas = el("canvas", { id: "chart-" + id, "aria-hidden": "true" });
    const figure = el("figure", { class: "card chart", "data-chart": id },
      el("figcaption", {}, el("h3", {}, title)),
      window.Chart ? el("div", { class: "plot" }, canvas) : null,
      el("details", { open: !window.Chart }, el("summary", {}, T.dashAsTable), table(title, headings, rows)));
    return { figure, draw: () => { if (window.Chart) drawn.push(new window.Chart(canvas, config)); } };
  }

  function options(stacked, extra) {
    const p = palette();
    // Counts are whole (precision 0 applies to the value axis, whichever way the bars run).
    const axis = { stacked, beginAtZero: true, grid: { color: p.grid }, ticks: { color: p.text, precision: 0 } };
    return Object.assign({
      responsive: true, maintainAspectRatio: false, animation: false, locale: lang,
      scales: { x: axis, y: axis },
      plugins: { legend: { labels: { color: p.text } } },
    }, extra || {});
  }

  function charts(figures) {
    const p = palette();
    const labels = figures.daily.map((d) => dayLabel(d.date));
    const series = (key) => figures.daily.map((d) => d[key]);
    const flaggedShare = figures.daily.map((d) => percent(d.photos_flagged, d.photos));
    const issues = Object.keys(figures.quality_issues);
    const places = Object.keys(figures.location);
    const placeWord = (key) => T["location." + key.replace("_", "-")] || key;
    return [
      chart("deliveries", T.dashDeliveries, {
        type: "bar", options: options(true),
        data: { labels, datasets: [
          { label: T.dashWithPhoto, data: series("delivered_with_photo"), backgroundColor: p.good },
          { label: T.dashWithoutPhoto, data: series("delivered_without_photo"), backgroundColor: p.plain },
          { label: T.dashOptedOutDeliveries, data: series("delivered_opted_out"), backgroundColor: p.quiet },
          { label: T.dashAttempted, data: series("attempted"), backgroundColor: p.warn },
        ] },
      }, [T.dashDay, T.dashWithPhoto, T.dashWithoutPhoto, T.dashOptedOutDeliveries, T.dashAttempted],
      figures.daily.map((d, i) => [labels[i], d.delivered_with_photo, d.delivered_without_photo, d.delivered_opted_out, d.attempted])),
      chart("quality", T.dashQuality, {
        type: "line", options: options(false, { plugins: { legend: { display: false } } }),
        data: { labels, datasets: [{ label: T.dashFlaggedShare, data: flaggedShare, borderColor: p.bad, backgroundColor: p.bad }] },
      }, [T.dashDay, T.dashPhotos, T.dashQuality, T.dashFlaggedShare],
      figures.daily.map((d, i) => [labels[i], d.photos, d.photos_flagged, asShare(flaggedShare[i])])),
      chart("reasons", T.dashReasons, {
        type: "bar", options: options(false, { indexAxis: "y", plugins: { legend: { display: false } } }),
        data: { labels: issues.map((i) => T["quality." + i] || i), datasets: [
          { label: T.dashPhotos, data: issues.map((i) => figures.quality_issues[i]), backgroundColor: p.bad }] },
      }, [T.quality, T.dashPhotos], issues.map((i) => [T["quality." + i] || i, figures.quality_issues[i]])),
      chart("location", T.dashLocation, {
        type: "bar", options: options(false, { indexAxis: "y", plugins: { legend: { display: false } } }),
        data: { labels: places.map(placeWord), datasets: [
          { label: T.dashPhotos, data: places.map((k) => figures.location[k]), backgroundColor: p.plain }] },
      }, [T.location, T.dashPhotos], places.map((k) => [placeWord(k), figures.location[k]])),
      chart("customers", T.dashCustomers, {
        type: "line", options: options(false),
        data: { labels, datasets: [
          { label: T.dashPageViews, data: series("page_views"), borderColor: p.plain, backgroundColor: p.plain },
          { label: T.dashOptOuts, data: series("opt_outs"), borderColor: p.bad, backgroundColor: p.bad },
        ] },
      }, [T.dashDay, T.dashPageViews, T.dashOptOuts], figures.daily.map((d, i) => [labels[i], d.page_views, d.opt_outs])),
      chart("notifications", T.dashNotifications, {
        type: "bar", options: options(true),
        data: { labels: figures.notifications.map((n) => T["channel." + n.channel]), datasets: [
          { label: T.dashSent, data: figures.notifications.map((n) => n.sent), backgroundColor: p.good },
          { label: T.dashFailed, data: figures.notifications.map((n) => n.failed), backgroundColor: p.bad },
          { label: T.dashPending, data: figures.notifications.map((n) => n.pending), backgroundColor: p.warn },
        ] },
      }, [T.dashChannel, T.dashSent, T.dashFailed, T.dashPending, T.dashSuccess, T.dashLatency],
      figures.notifications.map((n) => [T["channel." + n.channel], n.sent, n.failed, n.pending,
        asShare(percent(n.sent, n.sent + n.failed)),
        n.average_latency_ms == null ? null : fill(T.dashSeconds, { s: formats.seconds.format(n.average_latency_ms / 1000) })])),
    ];
  }

  // The window's totals in a few words, above the charts.
  function summary(totals, figures) {
    const delivered = totals.delivered_with_photo + totals.delivered_without_photo + totals.delivered_opted_out;
    const item = (label, value) => el("div", {}, el("dt", {}, label), el("dd", {}, shown(value)));
    return el("dl", { class: "card tiles" },
      item(T.dashDelivered, delivered),
      item(T.dashWithPhoto, asShare(percent(totals.delivered_with_photo, delivered))),
      item(T.dashAttempted, totals.attempted),
      item(T.dashQuality, asShare(percent(totals.photos_flagged, totals.photos))),
      item(T.dashReuse, figures.reuse_flagged),
      item(T.dashOptOuts, totals.opt_outs));
  }

  async function dashboard(days) {
    if (days) windowDays = days;
    const response = await api("/api/v1/dashboard?days=" + windowDays);
    for (const old of drawn) old.destroy();
    drawn = [];
    if (!response.ok) { show(await problem(response)); return; }
    const figures = await response.json();
    const made = charts(figures);
    // The window's last day as the server counted it (for tests that compare with the database).
    show(el("section", { "data-view": "dashboard", "data-to": figures.to },
      el("h2", {}, T.dashboardTitle),
      el("p", {}, fill(T.dashboardIntro, { n: figures.days })),
      el("div", { class: "filter", role: "group", "aria-label": T.dashPeriod }, WINDOWS.map((n) => el("button", {
        type: "button", class: n === windowDays ? null : "secondary", "aria-pressed": String(n === windowDays),
        onclick: () => dashboard(n),
      }, fill(T.dashWindow, { n })))),
      summary(figures.totals, figures),
      el("div", { class: "charts" }, made.map((m) => m.figure))));
    for (const m of made) m.draw();
  }

  C.views.dashboard = dashboard;
})(window.DoorstepConsole);
