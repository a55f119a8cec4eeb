"""A delivery receipt checked offline with `doorstep receipt verify`, as a customer's lawyer or a
tenant's auditor would: the receipt file and a saved copy of the published keys, no server; and
still after the receipt keys were rotated. The same receipt verified by a JOSE library (PyJWT)
that knows nothing of Doorstep: its compact JWS against the published JWK Set."""
import base64
import json
import re
import subprocess

import jwt

from browser import ADDRESS, World
from conftest import BIN, PASSWORD, ROOT, request, run, wait_for

# No EXIF capture time in it: the camera app's own JPEGs have none either.
PHOTO = ROOT / "Tests/Fixtures/quality/r01_sunset.original.jpg"


def test_a_receipt_verifies_offline_and_a_changed_one_does_not(server, tmp_path):
    world = World(server, username="receipt-courier")
    delivery = world.delivery(address="1 Proof Street")
    body = world.deliver_fresh(delivery, PHOTO, world.courier_token())
    assert body["photo"]["freshness"] == "fresh"

    # The customer's download from their link, and the keys as published, saved to files.
    link = delivery["customer_url"]
    status, headers, raw = request(link.replace(f"/d/{delivery['id']}?", f"/d/{delivery['id']}/receipt?"))
    assert status == 200 and headers["Content-Disposition"].startswith("attachment")
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_bytes(raw)

    # The receipt keys are rotated (`doorstep keys rotate-receipts`: the old secret is no longer kept).
    # The running server publishes the old key beside the new one within seconds, and signs a new
    # download with the new key; the keys saved after the rotation verify both receipts.
    old_kid = json.loads(raw)["kid"]
    assert "old public key(s) stay published" in run("keys", "rotate-receipts", "--data", str(server["data"]))

    def published():
        return json.loads(request(world.base + "/.well-known/doorstep-keys.json")[2])["keys"]
    tenant = json.loads(raw)["tenant_id"]
    assert wait_for(lambda: len([key for key in published() if key["tenant_id"] == tenant]) == 2, timeout=10)
    status, _, newer = request(link.replace(f"/d/{delivery['id']}?", f"/d/{delivery['id']}/receipt?"))
    assert status == 200 and json.loads(newer)["kid"] != old_kid
    newer_file = tmp_path / "newer.json"
    newer_file.write_bytes(newer)
    status, _, keys = request(world.base + "/.well-known/doorstep-keys.json")
    keys_file = tmp_path / "keys.json"
    keys_file.write_bytes(keys)
    status, headers, jwks = request(world.base + "/.well-known/jwks.json")
    assert status == 200 and headers["Content-Type"] == "application/jwk-set+json"
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_bytes(jwks)
    # The tenant's API hands out the bare token to a client that asks for application/jose.
    status, token = world.api(f"/api/v1/deliveries/{delivery['id']}/receipt", headers={"Accept": "application/jose"})
    assert status == 200 and token.decode() == json.loads(newer)["jws"]
    jws_file = tmp_path / "receipt.jws"
    jws_file.write_bytes(token)

    # The server can be gone: verification needs only the two files.
    server["process"].kill()
    server["process"].wait()
    ok = subprocess.run([BIN, "receipt", "verify", str(receipt_file), "--keys", str(keys_file)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "valid: signed by tenant" in ok.stdout
    assert f"with key {old_kid}" in ok.stdout
    again = subprocess.run([BIN, "receipt", "verify", str(newer_file), "--keys", str(keys_file)], capture_output=True, text=True)
    assert again.returncode == 0 and "valid: signed by tenant" in again.stdout and old_kid not in again.stdout, again.stderr
    stated = json.loads(ok.stdout.split("\n", 1)[1])
    # Any JOSE library: both receipts' tokens (old key and new) verify against the JWK Set and
    # state the same bytes as the receipt's own payload; the CLI takes the key set and the bare token.
    key_set = jwt.PyJWKSet.from_dict(json.loads(jwks))
    for raw_receipt in (raw, newer):
        receipt = json.loads(raw_receipt)
        header = jwt.get_unverified_header(receipt["jws"])
        assert header["alg"] == "EdDSA" and header["kid"] == receipt["kid"]
        signed = jwt.api_jws.decode(receipt["jws"], key=key_set[header["kid"]].key, algorithms=["EdDSA"])
        assert signed == base64.urlsafe_b64decode(receipt["payload"] + "=" * (-len(receipt["payload"]) % 4))
    for args in ((str(receipt_file), str(jwks_file)), (str(jws_file), str(jwks_file)), (str(jws_file), str(keys_file))):
        checked = subprocess.run([BIN, "receipt", "verify", args[0], "--keys", args[1]], capture_output=True, text=True)
        assert checked.returncode == 0 and "valid: signed by tenant" in checked.stdout, (args, checked.stderr)
    assert stated["delivery_id"] == delivery["id"] and stated["placement"] == "porch"
    assert stated["photo"]["sha256"] == body["photo"]["sha256"] and stated["photo"]["location"] == "at-address"
    assert stated["photo"]["freshness"] == "fresh" and stated["photo"]["quality"] in ("ok", "retake")

    # Someone edits the signed statement ("at the address" → "near"): refused, exit code 1.
    receipt = json.loads(raw)
    padded = receipt["payload"] + "=" * (-len(receipt["payload"]) % 4)
    payload = base64.urlsafe_b64decode(padded).replace(b'"at-address"', b'"near"')
    receipt["payload"] = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(receipt))
    bad = subprocess.run([BIN, "receipt", "verify", str(tampered), "--keys", str(keys_file)], capture_output=True, text=True)
    assert bad.returncode == 1 and "INVALID" in bad.stderr and "signature does not match" in bad.stderr
    # The same edit in the token: PyJWT and the CLI refuse it.
    head, body, signature = json.loads(raw)["jws"].split(".")
    forged = ".".join([head, base64.urlsafe_b64encode(payload).decode().rstrip("="), signature])
    try:
        jwt.api_jws.decode(forged, key=key_set[json.loads(raw)["kid"]].key, algorithms=["EdDSA"])
        raise AssertionError("PyJWT accepted a changed payload")
    except jwt.InvalidSignatureError:
        pass
    (tmp_path / "forged.jws").write_text(forged)
    bad = subprocess.run([BIN, "receipt", "verify", str(tmp_path / "forged.jws"), "--keys", str(jwks_file)], capture_output=True, text=True)
    assert bad.returncode == 1 and "signature does not match" in bad.stderr


def test_an_operator_reviews_a_case_with_its_evidence_and_resolves_it(server, tmp_path):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    from browser import camera_file, launch, phone, screenshot

    world = World(server, username="case-courier")
    token = world.courier_token()
    # Two houses 33 m apart (the upload's position is within 50 m of both).
    first = world.delivery(address="3 Copy Lane")
    second = world.delivery(address="5 Copy Lane", location=(ADDRESS[0] + 0.0003, ADDRESS[1]))
    for delivery in (first, second):  # the same photo for two parcels: the second is flagged
        status, _ = world.api(f"/api/v1/courier/deliveries/{delivery['id']}/photo?placement=porch&lat=48.8567&lon=2.3522",
                              "POST", PHOTO.read_bytes(), token=token, headers={"Content-Type": "image/jpeg"})
        assert status == 201
    problem = second["customer_url"].replace(f"/d/{second['id']}?", f"/d/{second['id']}/problem?")
    status, _, page = request(problem, "POST", b"kind=not_there&details=Nothing+here", {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and b"the shop has been told" in page  # after the redirect back to the page
    # The same picture for another address opened a case by itself, beside the recipient's report.
    status, cases = world.api("/api/v1/cases")
    assert status == 200 and sorted(c["kind"] for c in cases["items"]) == ["not_there", "photo_reused"], cases
    reused = next(c for c in cases["items"] if c["kind"] == "photo_reused")
    assert reused["delivery_id"] == second["id"] and reused["details"] == ""
    status, _ = world.api(f"/api/v1/cases/{reused['id']}/resolve", "POST", {"resolution": "Asked the courier: a mix-up."})
    assert status == 200

    with sync_playwright() as playwright:
        browser = launch(playwright, camera_file(tmp_path / "unused.y4m"))
        page = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=world.base).new_page()
        # The operator signs in with their own account; the tenant's API key never reaches the browser.
        operator_id = world.operator("olga", role="support")
        page.goto("/operator")
        page.get_by_label("Username").fill("olga")
        page.get_by_label("Password").fill("wrong password!")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector("text=check your username and password")
        page.get_by_label("Username").fill("olga")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector("text=Signed in as Olga (support), Browser shop")
        # The session is an HttpOnly cookie: no script can read it, and nothing sits in storage.
        assert page.evaluate("document.cookie") == ""
        assert page.evaluate("sessionStorage.length + localStorage.length") == 0
        cookie = next(c for c in page.context.cookies() if c["name"] == "__Host-doorstep-console")
        assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
        # A reload keeps the session (the cookie), without signing in again.
        page.reload()
        page.get_by_role("button", name="The parcel is not there", exact=False).click()
        page.wait_for_function("() => document.querySelector('.side img') && document.querySelector('.side img').naturalWidth > 0")
        text = page.inner_text("main")
        assert "Nothing here" in text
        # The evidence in sentences, as the pack words it, not the API's machine words.
        assert "Taken at the delivery address" in text and "Not shown: the upload named no capture ticket" in text
        assert "No face or person detected" in text and "Sharp, well lit and large enough" in text
        assert "at-address" not in text and "no_ticket" not in text
        assert f"ANOTHER ADDRESS: near-duplicate of the photo of delivery {first['id']}" in text and "same courier" in text
        assert "key ed25519-" in text
        screenshot(page, "operator-1-case")
        # She takes the case (support staff may) and notes what she did: for her team, not the customer.
        assert "Nobody yet" in page.inner_text("[data-view=case]")
        page.get_by_label("Give the case to").select_option(label="Olga (you)")
        page.get_by_role("button", name="Save").click()
        page.wait_for_selector("text=The case is now handled by: Olga.")
        page.get_by_label("Add a note (customers never see notes)").fill("Called the customer: not at number 5.\nAsked the courier.")
        page.get_by_role("button", name="Add the note").click()
        page.wait_for_selector("[data-part=notes] li")
        notes = page.inner_text("[data-part=notes]")
        assert "Called the customer: not at number 5." in notes and "Olga" in notes, notes
        # The desk's "Mine" shows it; "Not taken yet" does not.
        page.get_by_role("button", name="Back to cases").click()
        page.get_by_role("button", name="Mine").click()
        page.wait_for_selector("button[aria-pressed=true]:has-text('Mine')")
        assert "Handled by: Olga" in page.inner_text("[data-view=cases]")
        page.get_by_role("button", name="Not taken yet").click()
        page.wait_for_selector("button[aria-pressed=true]:has-text('Not taken yet')")
        assert "No open cases." in page.inner_text("[data-view=cases]")
        page.get_by_role("button", name="Mine").click()
        page.get_by_role("button", name="The parcel is not there", exact=False).click()
        page.wait_for_selector("[data-part=notes] li")
        # The case page, light and dark, desktop and phone: axe-core finds nothing.
        axe = Axe()
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            for size, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
                page.set_viewport_size(viewport)
                violations = [(v["id"], v["nodes"][0]["target"]) for v in axe.run(page).response["violations"]]
                assert violations == [], (scheme, size, violations)
                if scheme == "light":
                    page.locator("[data-part=notes]").scroll_into_view_if_needed()
                    screenshot(page, f"console-case-{size}")
        page.emulate_media(color_scheme="light")
        page.set_viewport_size({"width": 1280, "height": 900})
        # The evidence pack for the processor, straight from the case: a PDF named after the order.
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the evidence pack (PDF)").click()
        assert download.value.suggested_filename == f"proof-of-delivery-{second['order_reference']}.pdf"
        pack = tmp_path / "pack.pdf"
        download.value.save_as(pack)
        assert pack.read_bytes().startswith(b"%PDF-") and b"/DCTDecode" in pack.read_bytes()
        page.get_by_label("Resolution (sent to the tenant's webhook)").fill("Courier re-sent; parcel found at number 3.")
        page.get_by_role("button", name="Resolve the case").click()
        page.wait_for_selector("text=No open cases.")
        # Signing out ends the session on the server: a copy of the cookie opens nothing.
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_selector("text=Sign in")
        status, _, _ = request(world.base + "/api/v1/cases", "GET", None, {"Cookie": f"__Host-doorstep-console={cookie['value']}"})
        assert status == 401
        browser.close()
    status, all_cases = world.api("/api/v1/cases?status=all")
    assert [c["status"] for c in all_cases["items"]] == ["resolved", "resolved"]
    worked = next(c for c in all_cases["items"] if c["kind"] == "not_there")
    assert worked["assignee"] == {"id": operator_id, "display_name": "Olga"}, worked
    status, file = world.api(f"/api/v1/cases/{worked['id']}")
    assert [n["author"]["name"] for n in file["notes"]] == ["Olga"]
    # The photo she looked at, and the pack she downloaded, are audited under her account.
    audit = run("audit", "--data", world.data, "--delivery", second["id"])
    assert re.search(rf"download\s+staff\s+{operator_id}", audit), audit
