"""The recipient's safe place or neighbour, end to end in a real Chromium: chosen on their page
before delivery, shown on the courier's stop, and the only way a parcel is left with a neighbour."""
from playwright.sync_api import sync_playwright  # noqa: F401 (the chromium fixture's)

from browser import World, chromium, deliver_with_photo, phone, screenshot  # noqa: F401 (fixture)


def test_a_recipient_chooses_a_neighbour_and_the_courier_leaves_it_there(server, chromium):
    world = World(server)
    chosen = world.delivery(email="camille@example.com", address="12 Rose Lane")
    other = world.delivery(email="noel@example.com", address="3 Elm Court")

    # The recipient, on their page before the parcel comes.
    customer = chromium.new_context(base_url=world.base, locale="en-GB").new_page()
    customer.goto(chosen["customer_url"])
    assert "Not at home?" in customer.inner_text("main")
    customer.get_by_label("With a neighbour").check()
    customer.get_by_label("Where exactly, or which neighbour").fill("No. 14, Mrs Okafor (blue door)")
    customer.get_by_role("button", name="Save").click()
    customer.wait_for_selector("text=Saved: the courier will see it.")
    assert customer.get_by_label("With a neighbour").is_checked()
    screenshot(customer, "drop-1-recipient-chooses")
    status, delivery = world.api(f"/api/v1/deliveries/{chosen['id']}")
    assert status == 200 and delivery["drop_choice"]["kind"] == "neighbour"
    assert delivery["drop_choice"]["details"] == "No. 14, Mrs Okafor (blue door)"

    # The courier sees it on the stop, and only there is "with a neighbour" offered.
    page = phone(chromium, world.base).new_page()
    world.sign_in(page)
    stops = page.locator("ol.stops > li")
    assert "Neighbour the recipient chose: No. 14, Mrs Okafor (blue door)" in stops.nth(0).inner_text()
    page.get_by_role("button", name="3 Elm Court").click()
    page.get_by_role("button", name="Delivered").click()
    assert page.get_by_label("With a neighbour (the recipient chose them)").count() == 0
    page.get_by_role("button", name="Back").click()
    page.get_by_role("button", name="Back").click()
    capture = deliver_with_photo(page, "12 Rose Lane", placement="With a neighbour (the recipient chose them)")
    screenshot(page, "drop-2-courier-neighbour")
    capture.click()
    page.wait_for_selector("[data-view=verdict][data-verdict=ok]")
    status, delivery = world.api(f"/api/v1/deliveries/{chosen['id']}")
    assert delivery["state"] == "delivered" and delivery["placement"] == "with_neighbour"

    # Delivered: the page says where, and the choice can no longer change.
    customer.reload()
    text = customer.inner_text("main")
    assert "With a neighbour (the recipient chose them)" in text and "No. 14, Mrs Okafor" in text
    assert customer.get_by_role("button", name="Save").count() == 0

    # The server, not only the app, refuses a neighbour nobody chose.
    token = world.courier_token()
    status, problem = world.api(f"/api/v1/courier/deliveries/{other['id']}/delivered", "POST",
                                {"placement": "with_neighbour"}, token=token)
    assert status == 409 and problem["type"] == "/problems/conflict", problem
