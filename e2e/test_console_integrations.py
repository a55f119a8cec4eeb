"""The console's webhooks and API keys in the real Chromium. An admin adds an endpoint (its
signing secret shown once) whose receiver fails the first time it sees a message; with one
attempt allowed, the out-for-delivery event becomes a dead letter, which the admin sends again
from the endpoint's log and which then arrives with the same webhook-id. A test send reports
what the receiver answered; a new secret is shown once. A key is created (shown once, working),
then revoked (refused from then on). The activity log lists each of these changes with who made
it. axe-core finds nothing on these pages, light or dark, at desktop and phone widths."""

from axe_playwright_python.sync_playwright import Axe

from browser import World, chromium, screenshot  # noqa: F401 (chromium: the fixture)
from conftest import wait_for
from test_console import WIDTHS, axe_clean, sign_in
from test_notifications import receiver  # noqa: F401 (the fixture)

ONE_ATTEMPT = ["--outbox-retry-base", "0.2", "--outbox-max-attempts", "1"]


def test_an_admin_replays_a_dead_webhook_and_manages_keys(tmp_path, servers, receiver, chromium):  # noqa: F811
    world = World(servers(tmp_path / "data", tmp_path / "server.log", *ONE_ATTEMPT), username="hooks-courier")
    world.operator("ada", role="admin")
    page = chromium.new_context(viewport=WIDTHS["desktop"], base_url=world.base).new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, "ada")

    page.get_by_role("button", name="Webhooks").click()
    page.wait_for_selector("[data-view=webhooks]")
    page.get_by_label("Endpoint URL").fill(receiver.base + "/flaky")
    page.get_by_role("button", name="Add an endpoint").click()
    secret = page.wait_for_selector("[data-view=webhooks] .notice code").inner_text()
    assert secret.startswith("whsec_"), secret
    status, endpoints = world.api("/api/v1/webhooks")
    endpoint = endpoints["items"][0]
    assert endpoint["url"] == receiver.base + "/flaky" and "secret" not in endpoint

    # The receiver fails the first time it sees a message, and the server may try once: a dead letter.
    delivery = world.delivery()
    assert world.api(f"/api/v1/deliveries/{delivery['id']}/out-for-delivery", "POST")[0] == 200
    log_path = f"/api/v1/webhooks/{endpoint['id']}/deliveries"
    dead = wait_for(lambda: [m for m in world.api(log_path)[1]["items"] if m["state"] == "dead"])
    assert dead, world.api(log_path)
    page.get_by_role("button", name="Delivery log: " + endpoint["url"]).click()
    page.wait_for_selector("[data-view=webhook-log] tr[data-state=dead]")
    assert "Dead letter" in page.inner_text("[data-view=webhook-log] tbody")
    page.get_by_role("button", name=f"Send again: delivery.out_for_delivery, {dead[0]['id']}").click()
    page.wait_for_selector("[data-view=webhook-log] [role=status]:has-text('Sent again')")
    # It arrives, under the webhook-id of its first try, and the log says so.
    hits = wait_for(lambda: [h for h in receiver.hits if h["headers"]["webhook-id"] == dead[0]["id"]][1:])
    assert hits, receiver.hits
    assert wait_for(lambda: world.api(log_path)[1]["items"][0]["state"] == "done")
    page.get_by_role("button", name="Back to the webhooks").click()
    page.get_by_role("button", name="Delivery log: " + endpoint["url"]).click()
    page.wait_for_selector("[data-view=webhook-log] tr[data-state=done]")

    # A test send says what the receiver answered (this one fails every new message once).
    page.get_by_role("button", name="Back to the webhooks").click()
    page.get_by_role("button", name="Send a test: " + endpoint["url"]).click()
    assert "The test was not delivered" in page.wait_for_selector("[data-view=webhooks] [role=alert]").inner_text()
    page.get_by_role("button", name="New secret: " + endpoint["url"]).click()
    rotated = page.wait_for_selector("[data-view=webhooks] .notice code").inner_text()
    assert rotated.startswith("whsec_") and rotated != secret

    # API keys: made (shown once, working), then revoked (refused).
    page.get_by_role("button", name="API keys").click()
    page.wait_for_selector("[data-view=keys]")
    page.get_by_label("Name", exact=True).fill("Warehouse")
    page.get_by_role("button", name="Create a key").click()
    key = page.wait_for_selector("[data-view=keys] .notice code").inner_text()
    assert world.api("/api/v1/deliveries", token=key)[0] == 200
    assert world.api("/api/v1/settings", "PUT", {"retention_seconds": 3600}, token=key)[0] == 403
    page.get_by_role("button", name="Revoke: Warehouse").click()
    page.wait_for_selector("[data-view=keys] [role=status]:has-text('is revoked')")
    assert world.api("/api/v1/deliveries", token=key)[0] == 401

    # The activity log: every one of these changes, newest first, with who made it; the refused
    # change (the read-only key's PUT) is not one. The page shows what the API lists.
    page.get_by_role("button", name="Activity").click()
    page.wait_for_selector("[data-view=activity] table")
    rows = page.eval_on_selector_all("[data-view=activity] tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))")
    whats = [row[2] for row in rows]
    made = ["Revoked an API key", "Created an API key", "Rotated a webhook secret", "Sent a test webhook", "Sent a failed webhook again",
            "Sent a delivery out", "Created a delivery", "Added a webhook endpoint", "Signed in to the console", "Created a staff account"]
    remaining = iter(whats)
    assert all(what in remaining for what in made), whats  # in this order, others (if any) between
    assert "Changed settings" not in whats, whats
    who = {row[2]: row[1] for row in reversed(rows)}
    assert who["Revoked an API key"] == "Ada" and who["Added a webhook endpoint"] == "Ada", rows
    assert who["Sent a delivery out"].startswith("API key "), rows
    assert who["Created a staff account"] == "Command line", rows
    listed = world.api("/api/v1/activity?limit=200")[1]["items"]
    assert len(listed) == len(rows) and [e["target_id"][:8] if e.get("target_id") else "—" for e in listed] == [r[3] for r in rows]
    assert not page.query_selector("[data-view=activity] button") and "null" not in page.inner_text("[data-view=activity]")

    # Fifty entries a page: older ones come under them on request, each entry once.
    for n in range(45):
        assert world.api("/api/v1/settings", "PATCH", {"email_includes_photo": n % 2 == 0})[0] == 200
    old = page.query_selector("[data-view=activity]")
    page.get_by_role("button", name="Activity").click()
    page.wait_for_function("old => !old.isConnected", arg=old)
    assert page.eval_on_selector_all("[data-view=activity] tbody tr", "rows => rows.length") == 50
    page.get_by_role("button", name="Show older entries").click()
    page.wait_for_function("n => document.querySelectorAll('[data-view=activity] tbody tr').length > n", arg=50)
    shown = page.eval_on_selector_all("[data-view=activity] tbody tr td:first-child time", "times => times.map(t => t.getAttribute('datetime'))")
    listed = world.api("/api/v1/activity?limit=200")[1]["items"]
    assert shown == [e["at"] for e in listed] and len(shown) == len(rows) + 45, (len(shown), len(listed))
    assert page.evaluate("document.activeElement === document.querySelectorAll('[data-view=activity] tbody tr')[50]")
    assert not page.query_selector("[data-view=activity] button")  # the last page
    page.context.close()

    axe = Axe()
    for scheme in ("light", "dark"):
        for size, viewport in WIDTHS.items():
            page = chromium.new_context(viewport=viewport, base_url=world.base, color_scheme=scheme).new_page()
            sign_in(page, "ada")
            page.get_by_role("button", name="Webhooks").click()
            page.wait_for_selector("[data-view=webhooks] table")
            axe_clean(axe, page, f"webhooks, {scheme}, {size}")
            if scheme == "light":
                screenshot(page, f"console-webhooks-{size}")
            page.get_by_role("button", name="Delivery log: " + endpoint["url"]).click()
            page.wait_for_selector("[data-view=webhook-log] table")
            axe_clean(axe, page, f"webhook log, {scheme}, {size}")
            if scheme == "light":
                screenshot(page, f"console-webhook-log-{size}")
            page.get_by_role("button", name="API keys").click()
            page.wait_for_selector("[data-view=keys] table")
            axe_clean(axe, page, f"API keys, {scheme}, {size}")
            if scheme == "light":
                screenshot(page, f"console-keys-{size}")
            page.get_by_role("button", name="Activity").click()
            page.wait_for_selector("[data-view=activity] table")
            axe_clean(axe, page, f"activity, {scheme}, {size}")
            if scheme == "light":
                screenshot(page, f"console-activity-{size}")
            page.context.close()
