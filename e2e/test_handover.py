"""A parcel handed over in person with the recipient's code, in a real Chromium: the recipient
reads the code on their page, the courier types it in the app (a wrong one first), and the
delivery is done with no photo taken."""
from playwright.sync_api import sync_playwright  # noqa: F401 (the chromium fixture's)

from browser import World, chromium, phone, screenshot  # noqa: F401 (fixture)
from conftest import stored_blobs


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
