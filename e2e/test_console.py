"""The operator console in the real Chromium: an admin and a support agent sign in with their own
accounts, find a delivery by its order reference and by the recipient's email, narrow by state,
open it, look at its photo only when they ask (audited under their account), read what happened;
the admin adds a courier (password shown once) and disables them; support staff cannot reach
settings, keys or courier changes; axe-core finds nothing on any console page, light or dark, and
each page is photographed at desktop and phone widths."""
import json
import re

from axe_playwright_python.sync_playwright import Axe

from browser import World, chromium, screenshot  # noqa: F401 (chromium: the fixture)
from conftest import PASSWORD, ROOT, run

PHOTO = ROOT / "Tests/Fixtures/quality/r01_sunset.original.jpg"

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def axe_clean(axe, page, name):
    """axe-core on the page as it stands: what passed and what did not printed, nothing may fail."""
    report = axe.run(page)
    violations = [(v["id"], v["impact"], len(v["nodes"])) for v in report.response["violations"]]
    print(f"\naxe-core on the console's {name}: {len(report.response['passes'])} rules passed, violations: {violations}")
    assert violations == [], json.dumps(report.response["violations"], indent=1)[:3000]


def sign_in(page, username):
    page.goto("/operator")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#nav button")


def test_operators_find_a_delivery_and_look_at_its_photo(server, chromium):
    world = World(server, username="console-courier")
    token = world.courier_token()
    delivered = world.delivery(email="dana@example.com", address="7 Elm Row")
    world.deliver_fresh(delivered, PHOTO, token)
    waiting = world.delivery(email="dana@example.com", address="9 Elm Row")
    world.delivery(email="someone@example.com", address="11 Elm Row")
    admin_id = world.operator("ada", role="admin")
    world.operator("sam", role="support")
    axe = Axe()
    reports = {}

    for scheme in ("light", "dark"):
        for size, viewport in WIDTHS.items():
            page = chromium.new_context(viewport=viewport, base_url=world.base, color_scheme=scheme).new_page()
            page.goto("/operator")
            page.wait_for_selector("[data-view=sign-in]")
            reports[f"sign-in, {scheme}, {size}"] = axe.run(page)
            sign_in(page, "ada")
            page.wait_for_selector("[data-view=cases]")
            reports[f"cases, {scheme}, {size}"] = axe.run(page)
            page.get_by_role("button", name="Deliveries").click()
            page.wait_for_selector("table.deliveries tbody tr")
            reports[f"deliveries, {scheme}, {size}"] = axe.run(page)
            if scheme == "light":
                screenshot(page, f"console-deliveries-{size}")
            page.get_by_role("button", name=delivered["order_reference"]).click()
            page.wait_for_selector("[data-view=delivery]")
            reports[f"delivery, {scheme}, {size}"] = axe.run(page)
            if scheme == "light":
                screenshot(page, f"console-delivery-{size}")
            page.get_by_role("button", name="Couriers").click()
            page.wait_for_selector("[data-view=couriers] table")
            reports[f"couriers, {scheme}, {size}"] = axe.run(page)
            if scheme == "light":
                screenshot(page, f"console-couriers-{size}")
            page.context.close()
    for name, report in reports.items():
        violations = [(v["id"], v["impact"], len(v["nodes"])) for v in report.response["violations"]]
        print(f"\naxe-core on the console's {name}: {len(report.response['passes'])} rules passed, violations: {violations}")
        assert violations == [], json.dumps(report.response["violations"], indent=1)[:3000]

    page = chromium.new_context(viewport=WIDTHS["desktop"], base_url=world.base).new_page()
    sign_in(page, "ada")
    page.get_by_role("button", name="Deliveries").click()
    page.wait_for_selector("table.deliveries tbody tr")
    assert page.locator("table.deliveries tbody tr").count() == 3
    # By the recipient's email (any capitalisation), then narrowed to what is still to deliver.
    page.get_by_label("Recipient's email").fill("Dana@Example.com")
    page.get_by_role("button", name="Search").click()
    page.wait_for_function("() => document.querySelectorAll('table.deliveries tbody tr').length === 2")
    page.get_by_label("State").select_option("created")
    page.get_by_role("button", name="Search").click()
    page.wait_for_function("() => document.querySelectorAll('table.deliveries tbody tr').length === 1")
    assert waiting["order_reference"] in page.inner_text("table.deliveries")
    # By order reference: exactly that delivery.
    page.get_by_label("Recipient's email").fill("")
    page.get_by_label("State").select_option("")
    page.get_by_label("Order reference").fill(delivered["order_reference"])
    page.get_by_role("button", name="Search").click()
    page.wait_for_function("() => document.querySelectorAll('table.deliveries tbody tr').length === 1")
    page.get_by_role("button", name=delivered["order_reference"]).click()
    page.wait_for_selector("[data-view=delivery]")
    text = page.inner_text("main")
    assert "7 Elm Row" in text and "Taken at the delivery address" in text
    assert "Delivery registered" in text and "Photo received" in text and "Delivered" in text
    # What the delivery sent: the customer's email (and its outcome), in words.
    assert "key ed25519-" in text  # the signed receipt's key
    sent = page.inner_text("[data-part=notifications]")
    assert "Email" in sent and "delivery.delivered" in sent, sent
    # The photo is not fetched until asked for: opening the page left no trace in the audit.
    audit = run("audit", "--data", world.data, "--delivery", delivered["id"])
    assert "staff" not in audit, audit
    page.get_by_role("button", name="Show photo 1").click()
    page.wait_for_function("() => document.querySelector('[data-view=delivery] img') && document.querySelector('[data-view=delivery] img').naturalWidth > 0")
    audit = run("audit", "--data", world.data, "--delivery", delivered["id"])
    assert re.search(rf"download\s+staff\s+{admin_id}", audit), audit

    # Couriers: the admin adds one (the password is shown once), who can sign in until disabled.
    page.get_by_role("button", name="Couriers").click()
    page.wait_for_selector("[data-view=couriers]")
    page.get_by_label("Username").fill("new.rider")
    page.get_by_label("Name", exact=True).fill("New Rider")
    page.get_by_role("button", name="Add a courier").click()
    page.wait_for_selector(".notice code")
    password = page.inner_text(".notice code").strip()
    status, _ = world.api("/api/v1/courier/login", "POST", {"username": "new.rider", "password": password})
    assert status == 200
    page.on("dialog", lambda dialog: dialog.accept())  # "Disable New Rider?": yes
    page.locator("tr", has_text="new.rider").get_by_role("button", name="Disable").click()
    page.wait_for_selector("tr:has-text('new.rider') >> text=Disabled since")
    status, _ = world.api("/api/v1/courier/login", "POST", {"username": "new.rider", "password": password})
    assert status == 401
    page.context.close()

    # Support staff: deliveries and cases, never settings or keys (the API refuses them too).
    page = chromium.new_context(viewport=WIDTHS["desktop"], base_url=world.base).new_page()
    sign_in(page, "sam")
    assert "Signed in as Sam (support)" in page.inner_text("header")
    assert page.request.get("/api/v1/deliveries").status == 200
    assert page.request.get("/api/v1/settings").status == 403
    assert page.request.get("/api/v1/api-keys").status == 403
    # Support staff see the couriers but not the admin's buttons (and the API refuses the change).
    page.get_by_role("button", name="Couriers").click()
    page.wait_for_selector("[data-view=couriers] table")
    assert page.get_by_role("button", name="Disable").count() == 0
    assert page.get_by_role("button", name="Add a courier").count() == 0
    page.context.close()
