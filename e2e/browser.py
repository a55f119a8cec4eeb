"""A real Chromium (Debian's, driven by Playwright) with a fake camera fed from a real photo, and
the few helpers the browser tests share. Screenshots go to e2e/artifacts/screens/."""
import base64
import json
import re
from pathlib import Path

import pytest
from PIL import Image, ImageEnhance, ImageOps
from playwright.sync_api import sync_playwright

from conftest import FIXTURE_PHOTO, PASSWORD, ROOT, SHARED_PHOTO, poppler, request, run

SCREENS = ROOT / "e2e/artifacts/screens"
CHROMIUM = "/usr/bin/chromium"
PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
# Where every test delivery is: the fake GPS puts the courier 11 m from it.
ADDRESS = (48.8566, 2.3522)


def camera_file(path, brightness=1.0, scene=None):
    """Writes a Y4M clip (what Chromium's fake camera plays) of a real photo, 1280×720: a
    corpus photo, or `scene` (a PIL image) when given."""
    if scene is None:
        scene = ImageOps.exif_transpose(Image.open(SHARED_PHOTO if SHARED_PHOTO.exists() else FIXTURE_PHOTO))
    image = ImageOps.fit(scene.convert("RGB"), (1280, 720), Image.LANCZOS)
    if brightness != 1.0:
        image = ImageEnhance.Brightness(image).enhance(brightness)
    y, cb, cr = image.convert("YCbCr").split()
    cb, cr = (c.resize((640, 360), Image.BILINEAR) for c in (cb, cr))
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W1280 H720 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(3):
            out.write(b"FRAME\n" + y.tobytes() + cb.tobytes() + cr.tobytes())
    return path


def launch(playwright, camera):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={camera}",
        "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
        "--disable-background-networking", "--disable-component-update", "--no-first-run",
    ])


@pytest.fixture()
def chromium(tmp_path):
    """A headless Chromium whose camera plays a real photo of a scene."""
    with sync_playwright() as playwright:
        browser = launch(playwright, camera_file(tmp_path / "porch.y4m"))
        yield browser
        browser.close()


def phone(browser, base, locale="en-GB", position=(ADDRESS[0] + 0.0001, ADDRESS[1])):
    context = browser.new_context(**PHONE, locale=locale, base_url=base,
                                  geolocation={"latitude": position[0], "longitude": position[1]},
                                  permissions=["geolocation", "camera"])
    return context


def screenshot(page, name):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=False)


class World:
    """A tenant with an API key and a courier, on a running server."""

    def __init__(self, server, username="app-courier"):
        self.base, data = server["base"], str(server["data"])
        self.data = data
        created = run("tenant", "create", "--data", data, "--name", "Browser shop")
        self.tenant_id = re.search(r"tenant id: (\S+)", created).group(1)
        self.api_key = re.search(r"API key:\s+(dsk_\S+)", created).group(1)
        out = run("courier", "create", "--data", data, "--tenant", self.tenant_id, "--username", username, "--name", "Sam",
                  env={"DOORSTEP_COURIER_PASSWORD": PASSWORD})
        self.courier_id = re.search(r"courier id: (\S+)", out).group(1)
        self.username = username
        self.orders = 0

    def operator(self, username, role="admin"):
        """An account of the tenant's staff for the console (its password: PASSWORD)."""
        out = run("operator", "create", "--data", self.data, "--tenant", self.tenant_id, "--username", username,
                  "--name", username.title(), "--role", role, env={"DOORSTEP_OPERATOR_PASSWORD": PASSWORD})
        return re.search(r"operator id: (\S+)", out).group(1)

    def api(self, path, method="GET", body=None, token=None, headers=None):
        all_headers = {"Authorization": f"Bearer {token or self.api_key}", **(headers or {})}
        if body is not None and not isinstance(body, bytes):
            body, all_headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        status, _, raw = request(self.base + path, method, body, all_headers)
        return status, (json.loads(raw) if raw and raw[:1] in b"{[" else raw)

    def delivery(self, email="camille@example.com", language="en", position=None, address="12 Rose Lane", location=ADDRESS):
        self.orders += 1
        status, delivery = self.api("/api/v1/deliveries", "POST", {
            "order_reference": f"B-{self.orders}", "recipient": {"name": "Camille", "email": email, "language": language},
            "address": address, "latitude": location[0], "longitude": location[1], "instructions": "Green door, ring twice",
            "courier_id": self.courier_id, "route_position": position or self.orders})
        assert status == 201, delivery
        return delivery

    def courier_token(self):
        status, body = self.api("/api/v1/courier/login", "POST", {"username": self.username, "password": PASSWORD})
        assert status == 200, body
        return body["token"]

    def deliver_fresh(self, delivery, photo, token):
        """The courier's app at the door: a capture ticket, then the photo naming it (porch, at the address)."""
        status, ticket = self.api(f"/api/v1/courier/deliveries/{delivery['id']}/capture-ticket", "POST", token=token)
        assert status == 201
        status, body = self.api(
            f"/api/v1/courier/deliveries/{delivery['id']}/photo?placement=porch&lat=48.8567&lon=2.3522&ticket={ticket['ticket']}",
            "POST", photo.read_bytes(), token=token, headers={"Content-Type": "image/jpeg"})
        assert status == 201, body
        return body

    def evidence_pdf(self, delivery_id, language, folder):
        """The delivery's evidence pack in `language`, written to `folder`, with what poppler's
        pdfinfo says of it (the processors' limits are checked by the callers)."""
        status, headers, pdf = request(f"{self.base}/api/v1/deliveries/{delivery_id}/evidence.pdf?language={language}",
                                       headers={"Authorization": f"Bearer {self.api_key}"})
        assert status == 200 and headers["Content-Type"] == "application/pdf"
        path = folder / f"pack-{language}.pdf"
        path.write_bytes(pdf)
        info = dict(line.split(":", 1) for line in poppler("pdfinfo", str(path)).splitlines() if ":" in line)
        return path, pdf, info

    def sign_in(self, page):
        page.goto("/courier")
        page.get_by_label("Username" if page.locator("html").get_attribute("lang") == "en" else "Identifiant").fill(self.username)
        page.locator("#password").fill(PASSWORD)
        page.locator("form[data-view=sign-in] button[type=submit]").click()
        page.wait_for_selector("[data-view=stops]")


def deliver_with_photo(page, address, placement="On the porch"):
    """In the courier app: the stop, "Delivered", where it was left, then the camera, ready to capture."""
    page.get_by_role("button", name=address).click()
    page.get_by_role("button", name="Delivered").click()
    page.get_by_label(placement).check()
    page.get_by_role("button", name="Take the photo").click()
    capture = page.get_by_role("button", name="Take photo")
    capture.wait_for()
    page.wait_for_function("() => document.querySelector('video') && document.querySelector('video').videoWidth > 0")
    return capture


def outbox_entries(page):
    """What the courier app has queued in IndexedDB, sealed bytes as base64."""
    return page.evaluate("""async () => {
      const db = await new Promise((ok, fail) => { const o = indexedDB.open("doorstep", 1); o.onsuccess = () => ok(o.result); o.onerror = fail; });
      const all = await new Promise((ok) => { const q = db.transaction("outbox").objectStore("outbox").getAll(); q.onsuccess = () => ok(q.result); });
      db.close();
      return all.map((e) => {
        let text = "";
        for (let i = 0; i < e.sealed.length; i += 8192) text += String.fromCharCode.apply(null, e.sealed.subarray(i, i + 8192));
        return { id: e.id, deliveryID: e.deliveryID, fields: Object.keys(e).sort(), sealed: btoa(text) };
      });
    }""")


def decoded(entry):
    return base64.b64decode(entry["sealed"])
