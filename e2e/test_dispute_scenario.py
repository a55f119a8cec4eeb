"""Issue 19's scenario end to end, in a real Chromium: a shop that asks for two photos per
delivery; the courier finds nobody home (door photo) the day before, then delivers with the parcel
close up and where it stands; the recipient looks at the page and reports "not there"; the
evidence pack then holds all three photos and every fact, read with poppler in English and French,
and its JSON mapping keeps the documented shape (conftest's contract check on every answer).

The server has no clock to wind: "the day before" is the attempt's time (and the delivery's
creation) moved back in the database after it was recorded, as a day passing would have left it."""
import os
import sqlite3
import subprocess
from datetime import datetime, timedelta, timezone

from playwright.sync_api import sync_playwright  # noqa: F401 (the chromium fixture's)

from browser import World, chromium, deliver_with_photo, phone, screenshot  # noqa: F401 (fixture)
from conftest import SCALED, poppler, request

DAY_MS = 86_400_000
MONTHS = {"en": "January February March April May June July August September October November December".split(),
          "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()}


def backdate(server, delivery_id, days):
    """Moves the delivery's attempts and their door photos `days` back, and its creation one more."""
    statements = [
        f"UPDATE delivery_attempts SET created_at = created_at - {days * DAY_MS} WHERE delivery_id = '{delivery_id}'",
        f"UPDATE photos SET created_at = created_at - {days * DAY_MS} WHERE delivery_id = '{delivery_id}' AND attempt_id IS NOT NULL",
        f"UPDATE deliveries SET created_at = created_at - {(days + 1) * DAY_MS} WHERE id = '{delivery_id}'",
    ]
    if SCALED:
        for statement in statements:
            subprocess.run(["psql", os.environ["DOORSTEP_DATABASE"], "-qc", statement], check=True, capture_output=True)
        return
    with sqlite3.connect(server["data"] / "doorstep.sqlite", timeout=10) as db:
        for statement in statements:
            db.execute(statement)


def capture_when_ready(page, shot=None):
    capture = page.get_by_role("button", name="Take photo")
    capture.wait_for()
    page.wait_for_function("() => document.querySelector('video') && document.querySelector('video').videoWidth > 0")
    if shot:
        screenshot(page, shot)
    capture.click()


def test_two_photos_an_attempt_the_day_before_a_view_and_a_report_make_a_pack_any_tool_reads(server, chromium, tmp_path):
    world = World(server, username="scenario-courier")
    status, settings = world.api("/api/v1/settings", "PATCH", {"photos_per_delivery": 2})
    assert status == 200 and settings["photos_per_delivery"] == 2
    delivery = world.delivery(address="3 Quay Street", language="fr")

    # Day one: nobody home; the courier photographs the door.
    page = phone(chromium, world.base).new_page()
    world.sign_in(page)
    page.get_by_role("button", name="3 Quay Street").click()
    page.get_by_role("button", name="Couldn't deliver").click()
    page.get_by_label("Nobody home").check()
    page.get_by_role("button", name="Photograph the door and record").click()
    capture_when_ready(page)
    page.wait_for_selector("[data-view=verdict][data-verdict=attempted]")
    backdate(server, delivery["id"], 1)

    # Day two: the parcel close up, then where it stands, one after the other in the app.
    page.get_by_role("button", name="Back to my stops").click()
    deliver_with_photo(page, "3 Quay Street").click()
    page.wait_for_selector("[data-view=verdict]")
    page.locator("[data-view=verdict] [data-next-photo]").click()
    page.wait_for_selector("[data-view=camera] h2:has-text('Photo 2 of 2')")
    capture_when_ready(page, "scenario-1-courier-second-photo")
    page.wait_for_selector("[data-view=verdict]")
    assert page.locator("[data-view=verdict] [data-next-photo]").count() == 0

    status, shown = world.api(f"/api/v1/deliveries/{delivery['id']}")
    assert status == 200 and shown["state"] == "delivered"
    assert [p["slot"] for p in shown["photos"]] == [1, 2] and shown["photo"]["id"] == shown["photos"][0]["id"]
    (attempt,) = shown["attempts"]
    attempted_at = datetime.fromisoformat(attempt["attempted_at"].replace("Z", "+00:00"))
    delivered_at = datetime.fromisoformat(shown["delivered_at"].replace("Z", "+00:00"))
    assert timedelta(hours=23) < delivered_at - attempted_at < timedelta(hours=25)

    # The recipient opens the page (both photos), enlarges the second, and reports the parcel missing.
    customer = chromium.new_context(base_url=world.base, locale="fr-FR").new_page()
    customer.goto(delivery["customer_url"])
    customer.wait_for_function("() => [...document.querySelectorAll('[data-photo] img')].every((i) => i.naturalWidth > 0)")
    assert customer.locator("[data-photo] figure").count() == 2
    assert "Photo 2 sur 2" in customer.inner_text("main")
    customer.locator("[data-photo]").nth(1).locator("a[data-zoom]").click()
    assert customer.locator("[data-photo]").nth(1).locator("dialog.zoom").evaluate("d => d.open")
    customer.keyboard.press("Escape")
    screenshot(customer, "scenario-2-recipient-two-photos")
    customer.locator("details:has(form[action*='/problem']) summary").click()
    customer.locator("input[name=kind][value=not_there]").check()
    customer.locator("textarea[name=details]").fill("Rien devant la porte")
    customer.locator("form[action*='/problem'] button[type=submit]").click()
    customer.wait_for_url("**done=problem**")

    stored = []
    for slot in (1, 2):
        status, _, photo = request(f"{world.base}/api/v1/deliveries/{delivery['id']}/photo?slot={slot}",
                                   headers={"Authorization": f"Bearer {world.api_key}"})
        assert status == 200 and photo[:2] == b"\xff\xd8"
        stored.append(photo)

    for language, words in (("en", ("Delivery attempts", "Nobody was at home.", "Photo 1 of 2", "Photo 2 of 2",
                                    "Photo of the door at the attempt of", "The parcel is not there", "Rien devant la porte")),
                            ("fr", ("Tentatives de livraison", "Photo 1 sur 2", "Photo 2 sur 2", "Photo de la porte lors de la tentative du",
                                    "Rien devant la porte"))):
        path, pdf, info = world.evidence_pdf(delivery["id"], language, tmp_path)
        assert 1 <= int(info["Pages"]) <= 19 and "(A4)" in info["Page size"] and len(pdf) < 4_500_000, info

        # Three images, all JPEG: the door photo and the two delivery photos, these byte for byte.
        listed = [line.split() for line in poppler("pdfimages", "-list", str(path)).splitlines()[2:]]
        assert [row[8] for row in listed] == ["jpeg"] * 3, listed
        subprocess.run(["pdfimages", "-j", str(path), str(tmp_path / f"img-{language}")], check=True)
        extracted = [p.read_bytes() for p in sorted(tmp_path.glob(f"img-{language}-*"))]
        assert all(photo in extracted for photo in stored)

        flat = " ".join(poppler("pdftotext", "-layout", str(path), "-").split())
        for word in words + (delivery["order_reference"], "3 Quay Street"):
            assert word in flat, (language, word)
        for moment in (attempted_at, delivered_at):
            assert f"{moment.day} {MONTHS[language][moment.month - 1]} {moment.year}" in flat, (language, moment)
            assert moment.astimezone(timezone.utc).strftime("%H:%M") in flat, (language, moment)

    status, mapping = world.api(f"/api/v1/deliveries/{delivery['id']}/evidence")
    assert status == 200
    facts = mapping["facts"]
    assert facts["photos"] == 2 and [a["reason"] for a in facts["attempts"]] == ["nobody_home"]
    assert facts["open_reports"] == 1 and facts["recipient_visits_after_delivery"] >= 2
    assert mapping["stripe"]["evidence"]["shipping_tracking_number"] == delivery["order_reference"]
