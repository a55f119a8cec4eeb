"""A parcel handed over in person, in a real Chromium: with the recipient's code (read on their
page, typed in the app, a wrong one first, no photo taken), or where the shop requires it instead,
against the recipient's signature drawn on the courier's screen."""
import base64
import json

from playwright.sync_api import sync_playwright  # noqa: F401 (the chromium fixture's)

from browser import World, chromium, phone, screenshot  # noqa: F401 (fixture)
from conftest import poppler, request, stored_blobs


def test_the_courier_hands_the_parcel_over_with_the_code_the_recipient_reads_out(server, chromium):
    world = World(server)
    delivery = world.delivery(address="12 Rose Lane")

    customer = chromium.new_context(base_url=world.base, locale="en-GB").new_page()
    customer.goto(delivery["customer_url"])
    shown = customer.locator("[data-handover-code]").inner_text()
    code = delivery["handover_code"]
    assert f"{code[:3]} {code[3:]}" in shown
    screenshot(customer, "handover-1-recipient-code")

    page = phone(chromium, world.base).new_page()
    world.sign_in(page)
    page.get_by_role("button", name="12 Rose Lane").click()
    page.get_by_role("button", name="Handed over in person (code)").click()
    wrong = "000000" if code != "000000" else "111111"
    page.get_by_label("The recipient's code").fill(wrong)
    page.get_by_role("button", name="Confirm handover").click()
    page.wait_for_selector("[role=alert]:not([hidden])")
    assert "4 tries left" in page.locator("[role=alert]").inner_text()
    page.get_by_label("The recipient's code").fill(shown.split(":")[-1].strip())
    page.get_by_role("button", name="Confirm handover").click()
    page.wait_for_selector("[data-view=verdict][data-verdict=handed-over]")
    screenshot(page, "handover-2-courier-done")

    status, after = world.api(f"/api/v1/deliveries/{delivery['id']}")
    assert status == 200 and after["state"] == "delivered" and after["placement"] == "handed_to_resident"
    assert after["handed_over_at"] and "photo" not in after
    assert not stored_blobs(server["data"])
    customer.reload()
    assert "Handed over in person, with your code" in customer.inner_text("main")


def test_where_the_shop_requires_it_the_recipient_signs_on_the_couriers_screen(server, chromium, tmp_path):
    """A shop that takes signatures instead of codes: the recipient's page shows no code, the
    courier's app offers a signature pad, an empty pad is refused, the drawn signature hands the
    parcel over; it is stored sealed, named in the receipt and shown in the pack, and the
    recipient can delete it."""
    world = World(server, username="signature-courier")
    status, settings = world.api("/api/v1/settings", "PATCH", {"handover_proof": "signature"})
    assert status == 200 and settings["handover_proof"] == "signature"
    delivery = world.delivery(address="9 Elm Row")

    customer = chromium.new_context(base_url=world.base, locale="en-GB").new_page()
    customer.goto(delivery["customer_url"])
    assert customer.locator("[data-handover-code]").count() == 0

    page = phone(chromium, world.base).new_page()
    world.sign_in(page)
    page.get_by_role("button", name="9 Elm Row").click()
    page.get_by_role("button", name="Handed over in person (signature)").click()
    page.get_by_role("button", name="Confirm handover").click()
    assert "Ask the recipient to sign first." in page.locator("[role=alert]").inner_text()
    # A finger's stroke across the pad (pointer events, as a touch screen sends them).
    box = page.locator("canvas[data-signature]").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.6)
    page.mouse.down()
    for step in range(1, 30):
        page.mouse.move(box["x"] + 20 + step * (box["width"] - 40) / 30, box["y"] + box["height"] * (0.6 - 0.3 * ((step % 6) / 6)))
    page.mouse.up()
    page.get_by_label("Name in capitals (optional)").fill("C. MARTIN")
    screenshot(page, "handover-3-signature-pad")
    page.get_by_role("button", name="Confirm handover").click()
    page.wait_for_selector("[data-view=verdict][data-verdict=signed]")

    status, after = world.api(f"/api/v1/deliveries/{delivery['id']}")
    assert status == 200 and after["state"] == "delivered" and after["placement"] == "handed_to_resident" and after["handed_over_at"]
    (proof,) = after["proofs"]
    assert proof["kind"] == "signature" and proof["signed_by"] == "C. MARTIN"
    assert len(stored_blobs(server["data"])) == 2
    status, _, receipt = request(delivery["customer_url"].replace(f"/d/{delivery['id']}?", f"/d/{delivery['id']}/receipt?"))
    payload = json.loads(base64.urlsafe_b64decode(json.loads(receipt)["payload"] + "=="))
    assert payload["signature"]["sha256"] == proof["sha256"] and "C. MARTIN" not in json.dumps(payload)

    path, _, info = world.evidence_pdf(delivery["id"], "en", tmp_path)
    listed = [line.split() for line in poppler("pdfimages", "-list", str(path)).splitlines()[2:]]
    assert [row[8] for row in listed] == ["jpeg"], listed
    text = poppler("pdftotext", str(path), "-")
    flat = " ".join(text.split())
    for words in ("Handed over in person against the recipient's signature", "Signature of the recipient", "C. MARTIN"):
        assert words in flat, words
    assert proof["sha256"] in "".join(text.split())  # (a long digest may wrap)

    customer.reload()
    assert "Handed over in person, against your signature" in customer.inner_text("main")
    with customer.expect_navigation():
        customer.get_by_role("button", name="Delete my signature").click()
    assert not stored_blobs(server["data"])
    assert customer.locator("[data-signature]").count() == 0
