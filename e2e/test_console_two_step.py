"""Two-step sign-in in the real Chromium: an operator scans nothing (the test reads the key the
page shows, as a person who cannot scan would type it), turns it on with a code computed here by
RFC 6238 (independently of the server's library), signs out, and then needs a code after the
password; a wrong code is refused in words; the command line turns it off for a lost phone.
axe-core finds nothing on the account page, the set-up page and the code step, light or dark."""
import base64
import hashlib
import hmac
import struct
import time

from axe_playwright_python.sync_playwright import Axe

from browser import World, chromium, screenshot  # noqa: F401 (chromium: the fixture)
from conftest import PASSWORD, run
from test_console import WIDTHS, axe_clean, sign_in


def totp(key, step):
    """RFC 6238 with RFC 4226's dynamic truncation: HMAC-SHA-1, six digits."""
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(struct.unpack('>I', mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def check_everywhere(page, axe, name):
    """axe-core in light and dark at desktop and phone widths; light screenshots of both."""
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for size, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            axe_clean(axe, page, f"{name}, {scheme}, {size}")
            if scheme == "light":
                screenshot(page, f"console-{name}-{size}")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(WIDTHS["desktop"])


def test_an_operator_turns_on_two_step_sign_in_and_then_needs_a_code(server, chromium):
    world = World(server, username="two-step-courier")
    world.operator("tess", role="support")
    axe = Axe()
    page = chromium.new_context(viewport=WIDTHS["desktop"], base_url=world.base).new_page()
    sign_in(page, "tess")
    page.get_by_role("button", name="Your account").click()
    page.wait_for_selector("[data-view=account]")
    assert "Off: your password alone signs you in" in page.inner_text("main")
    check_everywhere(page, axe, "account")

    page.get_by_role("button", name="Set up two-step sign-in").click()
    page.wait_for_selector("[data-view=two-step-setup] svg.qr path")
    check_everywhere(page, axe, "two-step-setup")
    typed = page.get_attribute("code.key", "data-key").replace(" ", "")
    key = base64.b32decode(typed + "=" * (-len(typed) % 8))
    step = int(time.time() // 30)
    page.get_by_label("Code from your authenticator app").fill("000000" if totp(key, step) != "000000" else "111111")
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_selector("[data-view=two-step-setup] [role=alert]")
    page.get_by_label("Code from your authenticator app").fill(totp(key, step))
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_selector("text=Two-step sign-in is on.")

    # Signed out, the password alone no longer opens the console.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").fill("tess")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("[data-view=sign-in-code]")
    check_everywhere(page, axe, "sign-in-code")
    page.get_by_label("Code from your authenticator app").fill("123 456" if totp(key, step + 1) != "123456" else "654 321")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("text=That code did not work")
    # The code used to turn it on was taken then; the next step's is within the drift allowed.
    page.get_by_label("Code from your authenticator app").fill(totp(key, step + 1))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("text=Signed in as Tess")
    page.context.close()

    # A lost phone: the command line turns it off, and the password alone works again.
    out = run("operator", "reset-two-step", "--data", world.data, "--tenant", world.tenant_id, "--username", "tess")
    assert "two-step sign-in is off for tess" in out
    page = chromium.new_context(viewport=WIDTHS["desktop"], base_url=world.base).new_page()
    sign_in(page, "tess")
    assert "Signed in as Tess" in page.inner_text("header")
    page.context.close()
