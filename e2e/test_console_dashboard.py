"""The console's dashboard in the real Chromium, over activity made through the API (photos taken
by the courier, deliveries without a photo, an attempt, customers opening their page and opting
out), spread over several days. What each chart draws (read from Chart.js itself) is checked
against the database, bucketed by day here in Python, not by the server's queries. Support staff
see it too. axe-core finds nothing on it, light or dark, at both widths."""
import datetime
import os
import sqlite3
import subprocess

from axe_playwright_python.sync_playwright import Axe

from browser import SCREENS, World, chromium, screenshot  # noqa: F401 (chromium: the fixture)
from conftest import ROOT, SCALED, request
from test_console import WIDTHS, axe_clean, sign_in

DAY_MS = 86_400_000
PHOTOS = ROOT / "Tests/Fixtures/quality"


def query(server, sql):
    if SCALED:
        out = subprocess.run(["psql", os.environ["DOORSTEP_DATABASE"], "-AtF", "|", "-c", sql], check=True, capture_output=True, text=True).stdout
        return [tuple(None if v == "" else v for v in line.split("|")) for line in out.splitlines() if line]
    with sqlite3.connect(server["data"] / "doorstep.sqlite", timeout=10) as db:
        return [tuple(None if v is None else str(v) for v in row) for row in db.execute(sql)]


def execute(server, sql):
    if SCALED:
        subprocess.run(["psql", os.environ["DOORSTEP_DATABASE"], "-qc", sql], check=True, capture_output=True)
    else:
        with sqlite3.connect(server["data"] / "doorstep.sqlite", timeout=10) as db:
            db.execute(sql)


def by_day(times, days, to):
    """Counts of epoch-millisecond times per UTC day of the window ending on `to` (the day the
    server counted as today, so a run across midnight compares like with like), oldest first."""
    today = datetime.date.fromisoformat(to)
    window = [today - datetime.timedelta(days=n) for n in range(days - 1, -1, -1)]
    counts = {day: 0 for day in window}
    for ms in times:
        day = datetime.datetime.fromtimestamp(int(ms) / 1000, datetime.timezone.utc).date()
        if day in counts:
            counts[day] += 1
    return [counts[day] for day in window]


def expected(server, tenant, days, to):
    delivered = query(server, f"""SELECT first_delivered_at, (SELECT COUNT(*) FROM photos p WHERE p.delivery_id = d.id
                                   AND p.attempt_id IS NULL AND p.kind = 'parcel'), photo_withheld FROM deliveries d
                                   WHERE tenant_id = '{tenant}' AND first_delivered_at IS NOT NULL""")
    photos = query(server, f"""SELECT created_at, quality_issues, location_verdict FROM photos WHERE tenant_id = '{tenant}' AND kind = 'parcel'
                                AND attempt_id IS NULL""")
    events = query(server, f"SELECT at, action FROM access_events WHERE tenant_id = '{tenant}'")
    return {
        "with": by_day([t for t, n, _ in delivered if int(n) > 0], days, to),
        "without": by_day([t for t, n, withheld in delivered if int(n) == 0 and withheld != "opted_out"], days, to),
        "opted_out": by_day([t for t, n, withheld in delivered if int(n) == 0 and withheld == "opted_out"], days, to),
        "attempted": by_day([t for (t,) in query(server, f"SELECT created_at FROM delivery_attempts WHERE tenant_id = '{tenant}'")], days, to),
        "photos": by_day([t for t, _, _ in photos], days, to),
        "flagged": by_day([t for t, issues, _ in photos if issues], days, to),
        "views": by_day([t for t, a in events if a == "view_page"], days, to),
        "optouts": by_day([t for t, a in events if a == "opt_out"], days, to),
        "dark": sum(by_day([t for t, i, _ in photos if i and "too_dark" in i], days, to)),
        "at_address": sum(by_day([t for t, _, v in photos if v == "at-address"], days, to)),
        "messages": int(query(server, f"""SELECT COUNT(*) FROM outbox_messages m JOIN outbox_events e ON e.id = m.event_id
                                          WHERE e.tenant_id = '{tenant}' AND m.channel = 'email'""")[0][0]),
    }


def chart(page, name):
    """What Chart.js draws: its labels and each dataset's values."""
    return page.evaluate("id => { const c = Chart.getChart('chart-' + id); return {labels: c.data.labels, data: c.data.datasets.map(d => d.data)}; }", name)


def open_dashboard(page, days=None):
    old = page.query_selector("[data-view=dashboard]")
    if days is None:
        page.get_by_role("button", name="Dashboard", exact=True).click()
    else:
        page.get_by_role("button", name=f"Last {days} days").click()
    if old:
        page.wait_for_function("old => !old.isConnected", arg=old)
    page.wait_for_selector("[data-view=dashboard] canvas#chart-notifications")


def test_the_dashboard_draws_what_the_database_holds(server, chromium):
    world = World(server, username="dash-courier")
    world.operator("ada", role="admin")
    world.operator("sam", role="support")
    token = world.courier_token()
    # Photos: two fine, one too dark (the default policy keeps it, flagged).
    photographed = [world.delivery(email=f"p{n}@example.com") for n in range(3)]
    for delivery, photo in zip(photographed, ["r01_sunset.original.jpg", "r05_picosdeeuropa.original.jpg", "r06_seeding.dark.jpg"]):
        world.deliver_fresh(delivery, PHOTOS / photo, token)
    without = [world.delivery(email=f"w{n}@example.com") for n in range(2)]
    for delivery in without:
        assert world.api(f"/api/v1/courier/deliveries/{delivery['id']}/delivered", "POST", {"placement": "porch"}, token=token)[0] == 200
    attempted = world.delivery(email="a@example.com")
    status, _, _ = request(
        f"{world.base}/api/v1/courier/deliveries/{attempted['id']}/attempts?reason=nobody_home", "POST",
        (PHOTOS / "r09_aitzgorri.original.jpg").read_bytes(), {"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"})
    assert status == 201, status
    # Customers: two open their page (a reload within minutes is the same visit), one opts out.
    page = chromium.new_context(viewport=WIDTHS["phone"]).new_page()
    for delivery in without:
        page.goto(delivery["customer_url"])
    page.goto(without[0]["opt_out_url"])
    page.get_by_role("button", name="Don't photograph my deliveries").click()
    page.wait_for_selector("text=will not be photographed")
    page.context.close()
    # That customer's next parcel is left without a photo: counted as an opt-out.
    opted_out = world.delivery(email="w0@example.com")
    assert world.api(f"/api/v1/courier/deliveries/{opted_out['id']}/delivered", "POST", {"placement": "porch"}, token=token)[0] == 200
    # Spread over days: one photographed delivery and its photo three days back, another nine.
    for delivery, days in ((photographed[0], 3), (photographed[1], 9)):
        execute(server, f"UPDATE deliveries SET delivered_at = delivered_at - {days * DAY_MS}, first_delivered_at = first_delivered_at - {days * DAY_MS} WHERE id = '{delivery['id']}'")
        execute(server, f"UPDATE photos SET created_at = created_at - {days * DAY_MS} WHERE delivery_id = '{delivery['id']}'")

    page = chromium.new_context(viewport=WIDTHS["desktop"], base_url=world.base).new_page()
    sign_in(page, "sam")  # support staff read the dashboard too
    open_dashboard(page)
    for days in (30, 7, 90):
        if days != 30:
            open_dashboard(page, days)
        want = expected(server, world.tenant_id, days, page.get_attribute("[data-view=dashboard]", "data-to"))
        deliveries = chart(page, "deliveries")
        assert len(deliveries["labels"]) == days
        assert deliveries["data"] == [want["with"], want["without"], want["opted_out"], want["attempted"]], (days, deliveries["data"], want)
        assert sum(want["with"]) == (3 if days >= 30 else 2) and sum(want["without"]) == 2 and sum(want["attempted"]) == 1
        assert sum(want["opted_out"]) == 1
        quality = chart(page, "quality")["data"][0]
        # A share per day with photos; none (a gap in the line) without.
        assert quality == [round(1000 * f / p) / 10 if p else None for f, p in zip(want["flagged"], want["photos"])], (quality, want)
        customers = chart(page, "customers")["data"]
        assert customers == [want["views"], want["optouts"]] and sum(want["optouts"]) == 1 and sum(want["views"]) == 2
        reasons = chart(page, "reasons")
        assert reasons["data"][0][reasons["labels"].index("too dark")] == want["dark"]
        location = chart(page, "location")
        assert location["data"][0][location["labels"].index("Taken at the delivery address")] == want["at_address"]
        email = chart(page, "notifications")["data"]
        assert email[0][0] + email[1][0] + email[2][0] == want["messages"] > 0
    # The figures are in a table too, for screen readers.
    page.get_by_text("The figures as a table").first.click()
    assert page.locator("[data-chart=deliveries] table tbody tr").count() == 90
    page.context.close()

    axe = Axe()
    for scheme in ("light", "dark"):
        for size, viewport in WIDTHS.items():
            page = chromium.new_context(viewport=viewport, base_url=world.base, color_scheme=scheme).new_page()
            sign_in(page, "ada")
            open_dashboard(page)
            axe_clean(axe, page, f"dashboard, {scheme}, {size}")
            screenshot(page, f"console-dashboard-{size}-{scheme}")
            if scheme == "light":
                page.screenshot(path=str(SCREENS / f"console-dashboard-{size}-full.png"), full_page=True)
            page.context.close()
