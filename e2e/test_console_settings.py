"""The console's settings in the real Chromium: an admin gives the tenant a name, a colour, a
support contact and a logo, and changes a setting; the customer's page then shows the shop they
know (name, logo, colour on its buttons, whom to ask) and the setting holds in the API. A colour
too light for white text is refused with the server's reason shown by the form. Support staff get
no settings at all. axe-core finds nothing on the settings page, light or dark, at both widths."""

from axe_playwright_python.sync_playwright import Axe

from browser import SCREENS, World, chromium, screenshot  # noqa: F401 (chromium: the fixture)
from conftest import ROOT
from test_console import WIDTHS, axe_clean, sign_in

LOGO = ROOT / "Tests/Fixtures/photos/r18_coffee_600x400.png"


def open_settings(page):
    page.get_by_role("button", name="Settings", exact=True).click()
    page.wait_for_selector("[data-view=settings] form")


def test_an_admin_brands_the_customer_page_and_changes_a_setting(server, chromium):
    world = World(server, username="settings-courier")
    delivery = world.delivery(email="remy@example.com")
    world.operator("ada", role="admin")
    world.operator("sam", role="support")

    page = chromium.new_context(viewport=WIDTHS["desktop"], base_url=world.base).new_page()
    sign_in(page, "ada")
    open_settings(page)
    # Too light: white text on it could not be read. The form says why, and nothing is saved.
    page.get_by_label("Display name").fill("Acme Parcels")
    page.get_by_label("No colour of your own").uncheck()
    page.get_by_label("Accent colour").fill("#ffdd00")
    page.get_by_role("button", name="Save how customers see you").click()
    alert = page.wait_for_selector("[data-view=settings] [role=alert]")
    assert "accent_color must be dark enough" in alert.inner_text()
    assert world.api("/api/v1/branding")[1].get("display_name") is None

    page.get_by_label("Accent colour").fill("#0b5394")
    page.get_by_label("Support email").fill("help@acme.example")
    page.get_by_label("Support page").fill("https://acme.example/help")
    page.get_by_role("button", name="Save how customers see you").click()
    page.wait_for_selector("[data-view=settings] [role=status]:has-text('Saved.')")
    page.get_by_label("Logo file").set_input_files(str(LOGO))
    page.get_by_role("button", name="Upload a logo").click()
    page.wait_for_selector("img.logo")
    assert page.eval_on_selector("img.logo", "img => img.complete && img.naturalWidth") == 480

    # A setting set through the API that the form cannot show exactly stays as it is when the
    # form saves something else: a dispute window of 36 hours (1.5 days), radii of 7.5 m.
    assert world.api("/api/v1/settings", "PATCH", {"dispute_window_seconds": 129600,
                                                   "location_radii": {"at_address_m": 7.5, "near_m": 250}})[0] == 200
    # Opened again so the form shows them; the old view stays until the new one replaces it, so
    # wait for that (filling the old one would be lost when it goes).
    old = page.query_selector("[data-view=settings]")
    page.get_by_role("button", name="Settings", exact=True).click()
    page.wait_for_function("old => !old.isConnected", arg=old)
    page.wait_for_selector("[data-view=settings] form")
    # A setting: photos kept 48 hours instead of 30 days, and opt-in in France.
    page.get_by_label("Keep photos for (hours)").fill("48")
    page.get_by_label("People in photos", exact=True).select_option("retake")
    page.get_by_role("button", name="Add a country").click()
    page.get_by_label("Country code (such as FR)").fill("fr")
    page.get_by_label("Customers' consent, by country: fr").select_option("opt_in")
    page.get_by_role("button", name="Save the settings").click()
    page.wait_for_selector("[data-view=settings] [role=status]:has-text('Saved.')")
    status, settings = world.api("/api/v1/settings")
    assert status == 200 and settings["retention_seconds"] == 48 * 3600 and settings["people_policy"] == "retake", settings
    # What the form did not touch is as it was.
    assert settings["consent_modes"] == {"*": "opt_out", "FR": "opt_in"} and settings["dispute_window_seconds"] == 129600, settings
    assert settings["location_radii"] == {"at_address_m": 7.5, "near_m": 250}, settings
    page.context.close()

    # The customer's page: the shop's name and logo at the top, its colour on the buttons, whom to ask.
    customer = chromium.new_context(viewport=WIDTHS["phone"]).new_page()
    customer.goto(delivery["customer_url"])
    assert customer.title() == "Your parcel is on its way · Acme Parcels"
    assert customer.inner_text("header.brand") == "Acme Parcels"
    assert customer.eval_on_selector("header.brand img", "img => img.complete && img.naturalHeight") == 320
    assert customer.eval_on_selector("button", "b => getComputedStyle(b).backgroundColor") == "rgb(11, 83, 148)"
    footer = customer.inner_text("footer")
    assert "Questions about your order? Contact Acme Parcels: help@acme.example · acme.example" in footer, footer
    screenshot(customer, "customer-page-branded-phone")
    customer.context.close()

    # Accessible in light and dark, at both widths; photographed in light.
    axe = Axe()
    for scheme in ("light", "dark"):
        for size, viewport in WIDTHS.items():
            page = chromium.new_context(viewport=viewport, base_url=world.base, color_scheme=scheme).new_page()
            sign_in(page, "ada")
            open_settings(page)
            axe_clean(axe, page, f"settings, {scheme}, {size}")
            if scheme == "light":
                screenshot(page, f"console-settings-{size}")
                page.screenshot(path=str(SCREENS / f"console-settings-{size}-full.png"), full_page=True)
            page.context.close()

    # Support staff: no settings in their console, and the API refuses them.
    page = chromium.new_context(viewport=WIDTHS["desktop"], base_url=world.base).new_page()
    sign_in(page, "sam")
    assert page.get_by_role("button", name="Settings", exact=True).count() == 0
    assert page.request.get("/api/v1/branding").status == 403
    assert page.request.patch("/api/v1/branding", data={"display_name": "Not allowed"}).status == 403
    page.context.close()
