"""The courier app in a real Chromium with a fake camera playing a real photo: sign in, stops,
a photo delivered and judged, a stop where no photo may be taken, and a photo taken offline that
waits sealed on the phone and lands exactly once when the network is back."""
import io

import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from browser import World, camera_file, chromium, decoded, deliver_with_photo, launch, outbox_entries, phone, screenshot  # noqa: F401 (fixture)
from conftest import PASSWORD, request, stored_blobs


def opt_out(delivery):
    status, _, _ = request(delivery["opt_out_url"], "POST", b"choice=opted_out", {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200


def test_a_courier_signs_in_sees_the_stops_and_delivers_with_a_photo(server, chromium):
    world = World(server)
    first = world.delivery(address="12 Rose Lane")
    declined = world.delivery(email="no-photos@example.com", address="3 Elm Court")
    opt_out(declined)
    world.delivery(address="40 Mill Road")

    context = phone(chromium, world.base)
    page = context.new_page()
    page.goto("/courier")
    screenshot(page, "courier-1-sign-in")
    world.sign_in(page)
    # Route order, each stop with its photo policy; the opted-out recipient's says no photo.
    stops = page.locator("ol.stops > li")
    assert stops.count() == 3
    assert [stops.nth(i).locator(".addr").inner_text() for i in range(3)] == ["12 Rose Lane", "3 Elm Court", "40 Mill Road"]
    assert "Photo requested" in stops.nth(0).inner_text()
    assert "No photo: the recipient opted out" in stops.nth(1).inner_text()
    screenshot(page, "courier-2-stops")

    capture = deliver_with_photo(page, "12 Rose Lane")
    assert page.locator("input[type=file]").count() == 0  # camera only, never the gallery
    screenshot(page, "courier-3-camera")
    capture.click()
    page.wait_for_selector("[data-view=verdict][data-verdict=ok]")
    screenshot(page, "courier-4-verdict")
    assert "Photo received" in page.inner_text("main")
    assert "Taken at the address" in page.inner_text("main")
    timing = page.evaluate("window.doorstep.timings")[0]["captureToVerdictMs"]
    print(f"\ncourier app: capture → verdict on screen in {timing} ms")
    assert timing < 5000

    # The server holds one processed photo: 1280×720 from the camera, judged usable, 11 m away.
    status, delivery = world.api(f"/api/v1/deliveries/{first['id']}")
    assert status == 200 and delivery["state"] == "delivered"
    photo = delivery["photo"]
    assert (photo["width"], photo["height"]) == (1280, 720)
    assert photo["quality"]["verdict"] == "ok" and photo["location"] == "at-address" and photo["placement"] == "porch"
    assert photo["freshness"] == "fresh"  # the app asked for a capture ticket at "Delivered"
    assert [b for b in stored_blobs(server["data"]) if photo["id"] in b] == [f"photos/{photo['id']}/display.jpg", f"photos/{photo['id']}/thumbnail.jpg"]
    assert outbox_entries(page) == []

    # The opted-out recipient's stop: no camera is offered; the courier confirms without one.
    page.get_by_role("button", name="Back to my stops").click()
    page.get_by_role("button", name="3 Elm Court").click()
    assert "Do not take a photo" in page.inner_text("main")
    page.get_by_role("button", name="Delivered").click()
    page.get_by_label("Handed to a resident").check()
    assert page.get_by_role("button", name="Take the photo").count() == 0
    screenshot(page, "courier-5-no-photo-stop")
    page.get_by_role("button", name="Confirm delivery (no photo)").click()
    page.wait_for_selector("[data-view=verdict][data-verdict=no-photo]")
    assert page.locator("video").count() == 0
    status, delivery = world.api(f"/api/v1/deliveries/{declined['id']}")
    assert delivery["state"] == "delivered" and delivery["placement"] == "handed_to_resident" and delivery.get("photo") is None

    # Installable: a manifest and a service worker that caches the shell only.
    assert page.evaluate("() => Promise.race([navigator.serviceWorker.ready.then(() => true), new Promise((ok) => setTimeout(() => ok(false), 10000))])")
    cached = page.evaluate("""async () => {
      const urls = [];
      for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) urls.push(new URL(r.url).pathname);
      return urls.sort();
    }""")
    assert cached == ["/courier", "/courier/courier.css", "/courier/courier.js", "/courier/icon.svg", "/courier/manifest.webmanifest", "/static/base.css"]
    context.close()

    # Nothing of the day's work reaches the server log: no capture ticket, address, name or password.
    log = server["log"].read_text()
    for secret in ["dct_", "12 Rose Lane", "Elm Court", "Camille", "no-photos@example.com", PASSWORD]:
        assert secret not in log, f"log leaks {secret[:12]}…"


def test_a_photo_taken_offline_waits_sealed_and_lands_exactly_once(server, chromium):
    world = World(server)
    target = world.delivery(address="7 Quarry Street")
    context = phone(chromium, world.base)
    page = context.new_page()
    world.sign_in(page)

    context.set_offline(True)
    capture = deliver_with_photo(page, "7 Quarry Street", placement="In the mailbox")
    capture.click()
    page.wait_for_function("() => window.doorstep.queued === 1")
    assert "It will be sent as soon as the network is back" in page.inner_text("main")
    screenshot(page, "courier-6-offline-queued")

    # On the phone: one sealed entry, and nothing in it can show the photo.
    entries = outbox_entries(page)
    assert len(entries) == 1 and entries[0]["deliveryID"] == target["id"]
    assert entries[0]["fields"] == ["deliveryID", "id", "note", "placement", "query", "queuedAt", "sealed", "slot"]
    sealed = decoded(entries[0])
    assert len(sealed) > 20_000 and sealed[:4] == b"DSU1"
    assert b"\xff\xd8\xff" not in sealed[:64] and b"JFIF" not in sealed and b"Exif" not in sealed
    with pytest.raises(Exception):
        Image.open(io.BytesIO(sealed)).load()
    assert page.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)").find("/9j/") == -1
    status, delivery = world.api(f"/api/v1/deliveries/{target['id']}")
    assert delivery["state"] != "delivered"

    # Back online, the first answer is lost on the way back (the server did commit): the app
    # sends again with the same Idempotency-Key and the server answers the same photo.
    attempts = []

    def lose_first_answer(route):
        attempts.append(route.request.headers.get("idempotency-key"))
        response = route.fetch()
        if len(attempts) == 1:
            route.abort("connectionreset")
        else:
            route.fulfill(response=response)

    page.route("**/api/v1/courier/deliveries/*/photo*", lose_first_answer)
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("() => window.doorstep.queued === 1 && window.doorstep.sent === 0")
    page.wait_for_function("() => window.doorstep.sent === 1", timeout=30000)
    page.wait_for_selector("[data-view=verdict]")
    assert outbox_entries(page) == [] and page.evaluate("window.doorstep.queued") == 0
    assert len(attempts) == 2 and attempts[0] == attempts[1] == entries[0]["id"]

    status, delivery = world.api(f"/api/v1/deliveries/{target['id']}")
    assert delivery["state"] == "delivered" and delivery["placement"] == "mailbox"
    assert len(delivery["proofs"]) == 1  # one photo ever, not two
    # Offline at the door there was no capture ticket to get: the photo is kept, marked so.
    assert delivery["photo"]["freshness"] == "no_ticket"
    assert len([b for b in stored_blobs(server["data"]) if b.startswith("photos/")]) == 2
    context.close()


def test_a_dark_photo_is_sent_back_for_a_retake(server, tmp_path):
    world = World(server)
    world.delivery(address="9 Night Walk")
    with sync_playwright() as playwright:
        browser = launch(playwright, camera_file(tmp_path / "dark.y4m", brightness=0.15))
        page = phone(browser, world.base).new_page()
        world.sign_in(page)
        deliver_with_photo(page, "9 Night Walk").click()
        page.wait_for_selector("[data-view=verdict][data-verdict=retake]")
        assert "Please take the photo again: it is too dark." in page.inner_text("main")
        screenshot(page, "courier-7-retake")
        page.get_by_role("button", name="Retake the photo").click()
        page.get_by_role("button", name="Take photo").wait_for()
        browser.close()


def test_the_app_speaks_french(server, chromium):
    world = World(server)
    world.delivery(address="5 Rue des Lilas")
    page = phone(chromium, world.base, locale="fr-FR").new_page()
    world.sign_in(page)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Arrêts du jour" in page.inner_text("main") and "Photo demandée" in page.inner_text("main")
    screenshot(page, "courier-8-french")


def test_a_late_answer_while_at_the_next_stop_is_a_notice_not_a_new_screen(server, chromium):
    world = World(server)
    world.delivery(address="1 First Row")
    world.delivery(address="2 Second Row")
    context = phone(chromium, world.base)
    page = context.new_page()
    world.sign_in(page)
    context.set_offline(True)
    deliver_with_photo(page, "1 First Row").click()
    page.wait_for_function("() => window.doorstep.queued === 1")
    # The courier walks on to the next stop and is choosing where the parcel is when the network returns.
    page.get_by_role("button", name="Back to my stops").click()
    page.get_by_role("button", name="2 Second Row").click()
    page.get_by_role("button", name="Delivered").click()
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("() => window.doorstep.sent === 1")
    notice = page.locator(".toast")
    assert "1 First Row — A waiting photo has been sent." in notice.inner_text()
    assert page.locator("[data-view=placement]").count() == 1  # still where the courier was
