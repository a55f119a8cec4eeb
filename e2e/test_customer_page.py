"""The customer's delivery page in a real Chromium at phone size: the photo (tap to enlarge), where
the parcel is, delete now, don't photograph my deliveries, report a problem, live update without a
reload; and an accessibility pass (axe-core rules, keyboard only) over the customer and courier pages."""
import json

import pytest
from axe_playwright_python.sync_playwright import Axe

from browser import PHONE, World, chromium, phone, screenshot  # noqa: F401 (fixture)
from conftest import FIXTURE_PHOTO, request


def upload(world, delivery, token, placement="front_door", note="Behind the blue pot"):
    status, body = world.api(
        f"/api/v1/courier/deliveries/{delivery['id']}/photo?placement={placement}&lat=48.85672&lon=2.3522&note={note.replace(' ', '%20')}",
        "POST", FIXTURE_PHOTO.read_bytes(), token=token, headers={"Content-Type": "image/jpeg"})
    assert status == 201, body
    return body["photo"]


def test_the_customer_sees_deletes_opts_out_and_reports(server, chromium):
    world = World(server)
    delivery = world.delivery(email="dana@example.com", address="8 Birch Way")
    token = world.courier_token()
    photo = upload(world, delivery, token)
    page = phone(chromium, world.base).new_page()

    page.goto(delivery["customer_url"])
    image = page.get_by_role("img", name="Photo of where your parcel was left").first
    page.wait_for_function("() => document.querySelector('figure img').naturalWidth > 0")
    text = page.inner_text("main")
    assert "Your parcel has been delivered" in text and "At the front door" in text and "Behind the blue pot" in text
    assert "Taken about 15 m from your address." in text  # 13.3 m, to the nearest 5
    assert "Sam" not in text  # no courier name (courier privacy), nor position
    screenshot(page, "customer-1-delivered")

    # Tap to enlarge, and close again.
    image.click()
    assert page.locator("dialog.zoom").evaluate("d => d.open")
    screenshot(page, "customer-2-enlarged")
    page.get_by_role("button", name="Close").click()
    assert not page.locator("dialog.zoom").evaluate("d => d.open")

    # Report a problem: a clear confirmation; the tenant sees it on the delivery.
    page.locator("summary", has_text="Report a problem").click()
    page.get_by_label("This is not my door").check()
    page.get_by_label("Tell us more (optional)").fill("The photo shows number 10, I live at 8.")
    screenshot(page, "customer-3-report")
    page.get_by_role("button", name="Send to the shop").click()
    assert "the shop has been told" in page.inner_text("main")
    status, seen = world.api(f"/api/v1/deliveries/{delivery['id']}")
    assert [p["kind"] for p in seen["problems"]] == ["not_my_door"]

    # Delete the photo now: confirmed on the page, and the photo's address answers 404/410.
    photo_url = page.locator("figure img").get_attribute("src")
    page.get_by_role("button", name="Delete this photo now").click()
    assert "has been deleted" in page.inner_text("main")
    assert page.locator("figure img").count() == 0
    assert request(world.base + photo_url)[0] in (404, 410)
    screenshot(page, "customer-4-deleted")

    # Don't photograph my deliveries: what it means is said before; confirmed after.
    page.locator("summary", has_text="Don't photograph my deliveries").click()
    assert "couriers will not be offered the camera" in page.inner_text("main")
    page.get_by_role("button", name="Don't photograph my deliveries").click()
    assert "Done: your deliveries will not be photographed." in page.inner_text("main")
    screenshot(page, "customer-5-opted-out")

    # Effective at once: the next delivery to them offers no camera, and the API refuses a photo.
    following = world.delivery(email="dana@example.com", address="8 Birch Way")
    courier = phone(chromium, world.base).new_page()
    world.sign_in(courier)
    stop = courier.locator("ol.stops > li", has_text="8 Birch Way").last
    assert "No photo: the recipient opted out" in stop.inner_text()
    status, refused = world.api(f"/api/v1/courier/deliveries/{following['id']}/photo?placement=porch", "POST",
                                FIXTURE_PHOTO.read_bytes(), token=token, headers={"Content-Type": "image/jpeg"})
    assert status == 409 and refused["type"] == "/problems/photo-not-allowed"


def test_an_open_page_shows_the_delivery_live_without_a_reload(server, chromium):
    world = World(server)
    delivery = world.delivery(address="2 Harbour View")
    customer = phone(chromium, world.base).new_page()
    customer.goto(delivery["customer_url"])
    assert "on its way" in customer.inner_text("main")
    screenshot(customer, "customer-6-on-its-way")
    customer.evaluate("() => { window.__sameDocument = 42; }")
    customer.wait_for_timeout(300)  # the event stream is open

    # The courier delivers with the app in another phone.
    courier = phone(chromium, world.base).new_page()
    world.sign_in(courier)
    courier.get_by_role("button", name="2 Harbour View").click()
    courier.get_by_role("button", name="Delivered").click()
    courier.get_by_label("At the front door").check()
    courier.get_by_role("button", name="Take the photo").click()
    courier.wait_for_function("() => document.querySelector('video') && document.querySelector('video').videoWidth > 0")
    courier.get_by_role("button", name="Take photo").click()
    courier.wait_for_selector("[data-view=verdict]")

    customer.wait_for_selector("[data-updated=live] figure img", timeout=10000)
    customer.wait_for_function("() => document.querySelector('figure img').naturalWidth > 0")
    assert customer.evaluate("() => window.__sameDocument") == 42  # no reload
    assert "has been delivered" in customer.inner_text("main")
    screenshot(customer, "customer-7-live")


def test_accessibility_of_the_customer_and_courier_pages(server, chromium):
    world = World(server)
    delivery = world.delivery(address="4 Lantern Row")
    upload(world, delivery, world.courier_token())
    world.delivery(address="6 Lantern Row")
    axe = Axe()
    context = phone(chromium, world.base)
    page = context.new_page()

    reports = {}
    page.goto(delivery["customer_url"])
    page.wait_for_function("() => document.querySelector('figure img').naturalWidth > 0")
    page.locator("summary", has_text="Report a problem").click()
    reports["customer page"] = axe.run(page)
    page.goto(delivery["opt_out_url"])
    reports["preferences page"] = axe.run(page)
    dark = chromium.new_context(**{**PHONE, "color_scheme": "dark"}).new_page()
    dark.goto(delivery["customer_url"])
    dark.wait_for_function("() => document.querySelector('figure img').naturalWidth > 0")
    reports["customer page, dark mode"] = axe.run(dark)
    courier = context.new_page()
    courier.goto("/courier")
    courier.wait_for_selector("[data-view=sign-in]")
    reports["courier sign-in"] = axe.run(courier)
    world.sign_in(courier)
    reports["courier stops"] = axe.run(courier)
    courier.get_by_role("button", name="6 Lantern Row").click()
    courier.get_by_role("button", name="Delivered").click()
    reports["courier placement"] = axe.run(courier)
    for name, report in reports.items():
        violations = [(v["id"], v["impact"], len(v["nodes"])) for v in report.response["violations"]]
        print(f"\naxe-core on {name}: {len(report.response['passes'])} rules passed, violations: {violations}")
        assert violations == [], json.dumps(report.response["violations"], indent=1)[:3000]

    # Keyboard only, on the customer page: Tab to "Delete this photo now" and press Enter.
    page.goto(delivery["customer_url"])
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == "Delete this photo now":
            break
    else:
        pytest.fail("the delete button cannot be reached with the keyboard")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "has been deleted" in page.inner_text("main")
