"""A failed delivery attempt, in a real Chromium: the courier finds nobody home, records it with a
photo of the door from the app; the recipient's page says "we tried"; the parcel is delivered the
next time; the evidence pack (read with poppler) shows the attempt and both photos."""
import subprocess

from playwright.sync_api import sync_playwright  # noqa: F401 (the chromium fixture's)

from browser import World, chromium, deliver_with_photo, phone, screenshot  # noqa: F401 (fixture)
from conftest import request


def test_the_courier_records_nobody_home_with_a_door_photo_and_delivers_later(server, chromium, tmp_path):
    world = World(server, username="attempt-courier")
    delivery = world.delivery(address="5 Birch Way")

    page = phone(chromium, world.base).new_page()
    world.sign_in(page)
    page.get_by_role("button", name="5 Birch Way").click()
    page.get_by_role("button", name="Couldn't deliver").click()
    page.get_by_label("Nobody home").check()
    page.get_by_label("Note for the customer (optional)").fill("Rang twice")
    page.get_by_role("button", name="Photograph the door and record").click()
    capture = page.get_by_role("button", name="Take photo")
    capture.wait_for()
    page.wait_for_function("() => document.querySelector('video') && document.querySelector('video').videoWidth > 0")
    capture.click()
    page.wait_for_selector("[data-view=verdict][data-verdict=attempted]")
    screenshot(page, "attempt-1-courier-recorded")

    status, shown = world.api(f"/api/v1/deliveries/{delivery['id']}")
    assert status == 200 and shown["state"] != "delivered" and "photo" not in shown
    (attempt,) = shown["attempts"]
    assert attempt["reason"] == "nobody_home" and attempt["note"] == "Rang twice" and attempt["photo_id"]
    assert [p["attempt_id"] for p in shown["proofs"]] == [attempt["id"]]

    customer = chromium.new_context(base_url=world.base, locale="en-GB").new_page()
    customer.goto(delivery["customer_url"])
    text = customer.inner_text("main")
    assert "Delivery attempts" in text and "Nobody was at home." in text and "The courier will try again" in text
    screenshot(customer, "attempt-2-recipient-page")

    # The next round: delivered with a photo.
    page.get_by_role("button", name="Back to my stops").click()
    deliver_with_photo(page, "5 Birch Way").click()
    page.wait_for_selector("[data-view=verdict]")
    status, shown = world.api(f"/api/v1/deliveries/{delivery['id']}")
    assert shown["state"] == "delivered" and shown["photo"]["id"] != attempt["photo_id"]

    status, headers, pdf = request(f"{world.base}/api/v1/deliveries/{delivery['id']}/evidence.pdf?language=en",
                                   headers={"Authorization": f"Bearer {world.api_key}"})
    assert status == 200
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    listed = [line.split() for line in subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True,
                                                       check=True).stdout.splitlines()[2:]]
    assert [row[8] for row in listed] == ["jpeg", "jpeg"], listed
    flat = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split())
    for words in ("Delivery attempts", "Nobody was at home.", "Rang twice", "Photo of the door at the attempt of", "Delivery attempted"):
        assert words in flat, words
