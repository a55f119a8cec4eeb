"""End to end over real sockets, with the real `doorstep` binary, as a new user would do it:
operator CLI -> server -> tenant API -> courier login and upload -> customer page and photo -> demo."""
import json
import re
import signal
import subprocess
import time

from conftest import BIN, FIXTURE_PHOTO, PASSWORD, ROOT, SHARED_PHOTO, jpeg_segments, request, run, stored_blobs

def test_a_parcel_photo_goes_from_courier_to_customer(server):
    base, data = server["base"], str(server["data"])
    photo = (SHARED_PHOTO if SHARED_PHOTO.exists() else FIXTURE_PHOTO).read_bytes()

    # 2. The operator creates a tenant and a courier from the command line.
    created = run("tenant", "create", "--data", data, "--name", "E2E shop")
    tenant_id = re.search(r"tenant id: (\S+)", created).group(1)
    api_key = re.search(r"API key:\s+(dsk_\S+)", created).group(1)
    courier_out = run("courier", "create", "--data", data, "--tenant", tenant_id, "--username", "e2e-courier", "--name", "Sam",
                      env={"DOORSTEP_COURIER_PASSWORD": PASSWORD})
    courier_id = re.search(r"courier id: (\S+)", courier_out).group(1)
    assert PASSWORD not in courier_out

    # 3. The tenant creates a delivery through the API and reads it back.
    body = {"order_reference": "E2E-1", "recipient": {"name": "Camille", "email": "camille@example.com", "language": "fr"},
            "address": "4 Rue des Lilas", "latitude": 48.137, "longitude": 11.576, "instructions": "Code 1234",
            "courier_id": courier_id}
    status, headers, raw = request(base + "/api/v1/deliveries", "POST", json.dumps(body).encode(),
                                   {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"})
    assert status == 201, raw
    delivery = json.loads(raw)
    assert delivery["state"] == "created"

    # 4. The courier logs in and uploads the photo, twice with one Idempotency-Key.
    status, _, raw = request(base + "/api/v1/courier/login", "POST",
                             json.dumps({"username": "e2e-courier", "password": PASSWORD}).encode(), {"Content-Type": "application/json"})
    assert status == 200, raw
    token = json.loads(raw)["token"]
    upload = delivery["upload_url"] + "?placement=behind_plant&lat=48.13701&lon=11.576&note=Behind%20the%20pot"
    upload_headers = {"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg", "Idempotency-Key": "e2e-1"}
    started = time.monotonic()
    status, _, raw = request(upload, "POST", photo, upload_headers)
    elapsed = time.monotonic() - started
    assert status == 201, raw
    print(f"\nupload of {len(photo)} bytes -> 201 in {elapsed * 1000:.0f} ms")
    result = json.loads(raw)
    assert result["delivery"]["state"] == "delivered"
    assert max(result["photo"]["width"], result["photo"]["height"]) == 1600
    status, headers, again = request(upload, "POST", photo, upload_headers)
    assert status == 201 and headers.get("Idempotent-Replayed") == "true"
    assert json.loads(again)["photo"]["id"] == result["photo"]["id"]

    # 5. No original is kept: exactly the two processed variants are on disk.
    photo_id = result["photo"]["id"]
    assert stored_blobs(server["data"]) == [f"photos/{photo_id}/display.jpg", f"photos/{photo_id}/thumbnail.jpg"]

    # 7. The customer opens the signed link: French page, the photo through the same authorisation.
    status, headers, page = request(delivery["customer_url"])
    assert status == 200 and headers["Cache-Control"].startswith("private")
    html = page.decode()
    assert "Votre colis a été livré" in html and "Derrière un buisson ou une plante" in html
    src = re.search(r'<img src="([^"]+)"', html).group(1).replace("&amp;", "&")
    status, headers, image = request(base + src)
    assert status == 200 and headers["Content-Type"] == "image/jpeg" and headers["Cache-Control"].startswith("private")
    markers = jpeg_segments(image)
    assert not [m for m in markers if 0xE0 <= m <= 0xEF or m == 0xFE], f"metadata left: {markers}"
    assert b"Exif" not in image and b"GPS" not in image

    # A forged link shows a readable page, not the photo.
    forged = delivery["customer_url"].replace("s=", "s=x")
    status, headers, page = request(forged)
    assert status == 404 and headers["Content-Type"].startswith("text/html")

    # 8. `doorstep demo --json` against the running server's data folder.
    demo = json.loads(run("demo", "--data", data, "--base-url", base, "--json", "--count", "2"))
    assert sorted(demo) == ["api_key", "base_url", "courier_token", "courier_username", "deliveries", "tenant_id"]
    assert demo["base_url"] == base and len(demo["deliveries"]) == 2
    assert all(sorted(item) == ["customer_url", "id", "upload_url"] for item in demo["deliveries"])
    first = demo["deliveries"][0]
    status, _, raw = request(first["upload_url"] + "?placement=front_door&lat=48.1&lon=11.5", "POST", photo,
                             {"Authorization": f"Bearer {demo['courier_token']}", "Content-Type": "image/jpeg"})
    assert status == 201, raw
    status, _, page = request(first["customer_url"])
    assert status == 200 and ("Your parcel has been delivered" in page.decode() or "Votre colis a été livré" in page.decode())

    # The server stops cleanly, and its log holds no personal data or secrets.
    server["process"].send_signal(signal.SIGTERM)
    assert server["process"].wait(timeout=30) == 0
    log = server["log"].read_text()
    for secret in ["camille@example.com", "Camille", "Rue des Lilas", api_key, token, demo["courier_token"], PASSWORD,
                   delivery["customer_url"].split("s=")[1]]:
        assert secret not in log, f"log leaks {secret[:12]}…"


def test_png_webp_and_heic_uploads_come_out_as_clean_jpegs(server):
    """Every accepted camera format, made here from a real photo with Pillow (PNG, WebP) or taken
    from the corpus (HEIC, when ../shared is present)."""
    from io import BytesIO

    from PIL import Image

    base, data = server["base"], str(server["data"])
    source = Image.open(FIXTURE_PHOTO)
    source.thumbnail((1200, 1200))
    bodies = {}
    for fmt, content_type in [("PNG", "image/png"), ("WEBP", "image/webp")]:
        buffer = BytesIO()
        source.save(buffer, fmt)
        bodies[fmt] = (buffer.getvalue(), content_type, max(source.size))
    heic = ROOT.parent / "shared/photos/corpus/h01_dragonfly_CONVERTED_4032x3024.heic"
    if heic.exists():
        bodies["HEIC"] = (heic.read_bytes(), "image/heic", 4032)

    demo = json.loads(run("demo", "--data", data, "--base-url", base, "--json", "--count", str(len(bodies))))
    for (fmt, (body, content_type, longest)), item in zip(bodies.items(), demo["deliveries"]):
        status, _, raw = request(item["upload_url"] + "?placement=porch", "POST", body,
                                 {"Authorization": f"Bearer {demo['courier_token']}", "Content-Type": content_type})
        assert status == 201, (fmt, raw)
        status, _, page = request(item["customer_url"])
        src = re.search(r'<img src="([^"]+)"', page.decode()).group(1).replace("&amp;", "&")
        status, headers, image = request(base + src)
        assert status == 200 and headers["Content-Type"] == "image/jpeg", fmt
        assert not [m for m in jpeg_segments(image) if 0xE0 <= m <= 0xEF or m == 0xFE], fmt
        shown = Image.open(BytesIO(image))
        assert shown.mode == "RGB" and max(shown.size) == min(1600, longest), (fmt, shown.size)


def test_privacy_from_the_outside(server):
    """Opt-out, deletion, rotation and a retention sweep run by two `doorstep sweep` processes at
    once, all with the real binary; and nothing personal in any log."""
    base, data = server["base"], str(server["data"])
    photo = FIXTURE_PHOTO.read_bytes()
    demo = json.loads(run("demo", "--data", data, "--base-url", base, "--json", "--count", "6"))
    auth = {"Authorization": f"Bearer {demo['courier_token']}", "Content-Type": "image/jpeg"}
    deliveries = demo["deliveries"]

    # Opt out from the link in the message (RFC 8058 one-click POST); the upload is then refused.
    status, _, raw = request(base + f"/api/v1/deliveries/{deliveries[0]['id']}", headers={"Authorization": f"Bearer {demo['api_key']}"})
    opt_out_url = json.loads(raw)["opt_out_url"]
    status, _, page = request(opt_out_url)
    assert status == 200 and b"<form" in page
    status, _, _ = request(opt_out_url, "POST", b"List-Unsubscribe=One-Click", {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200
    status, _, raw = request(deliveries[0]["upload_url"] + "?placement=porch", "POST", photo, auth)
    assert status == 409 and json.loads(raw)["reason"] == "opted_out"

    for item in deliveries[1:]:
        status, _, raw = request(item["upload_url"] + "?placement=porch", "POST", photo, auth)
        assert status == 201, raw

    # Rotate the KEK while the server runs; photos stay readable.
    rotated = run("keys", "rotate", "--data", data)
    assert "KEK version 2 is current" in rotated and "retired versions: 1" in rotated
    status, _, page = request(deliveries[1]["customer_url"])
    src = re.search(r'<img src="([^"]+)"', page.decode()).group(1).replace("&amp;", "&")
    assert request(base + src)[0] == 200

    # The same picture at five addresses: each after the first opened a reuse case, which holds its
    # photo past its time (the sweep skips it). The tenant resolves them, which releases the photos.
    tenant = {"Authorization": f"Bearer {demo['api_key']}", "Content-Type": "application/json"}
    cases = json.loads(request(base + "/api/v1/cases", headers=tenant)[2])["items"]
    assert sorted(case["kind"] for case in cases) == ["photo_reused"] * 4, cases
    held = run("sweep", "--data", data, "--as-of", "2099-01-01T00:00:00Z")
    assert "deleted 1 expired" in held, held
    for case in cases:
        status, _, raw = request(base + f"/api/v1/cases/{case['id']}/resolve", "POST", json.dumps({"resolution": "Demo photos"}).encode(), tenant)
        assert status == 200, raw

    # Two sweeps at once, as two cron jobs on two machines would: each photo deleted exactly once.
    far = "2099-01-01T00:00:00Z"
    sweeps = [subprocess.Popen([BIN, "sweep", "--data", data, "--as-of", far], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(2)]
    outputs = [s.communicate(timeout=120) for s in sweeps]
    assert all(s.returncode == 0 for s in sweeps), outputs
    deleted = sum(int(re.search(r"deleted (\d+) expired", out).group(1)) for out, _ in outputs)
    assert deleted == 4, outputs
    assert stored_blobs(server["data"]) == []
    audit = run("audit", "--data", data, "--limit", "1000")
    assert audit.count("  expire  ") == 5 and audit.count("  hold  ") == 4 and audit.count("  release  ") == 4
    status, _, page = request(deliveries[1]["customer_url"])
    text = page.decode()
    assert status == 200 and ("deleted automatically" in text or "supprimée automatiquement" in text)

    server["process"].send_signal(signal.SIGTERM)
    assert server["process"].wait(timeout=30) == 0
    log = server["log"].read_text() + "".join(err for _, err in outputs)
    for secret in ["@example.com", demo["api_key"], demo["courier_token"], opt_out_url.split("s=")[1]]:
        assert secret not in log, f"log leaks {secret[:12]}…"
