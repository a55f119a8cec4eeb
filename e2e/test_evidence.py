"""A delivery receipt checked offline with `doorstep receipt verify`, as a customer's lawyer or a
tenant's auditor would: the receipt file and a saved copy of the published keys, no server."""
import base64
import json
import subprocess

from browser import World
from conftest import BIN, ROOT, request

# No EXIF capture time in it: the camera app's own JPEGs have none either.
PHOTO = ROOT / "Tests/Fixtures/quality/r01_sunset.original.jpg"


def test_a_receipt_verifies_offline_and_a_changed_one_does_not(server, tmp_path):
    world = World(server, username="receipt-courier")
    delivery = world.delivery(address="1 Proof Street")
    token = world.courier_token()
    status, ticket = world.api(f"/api/v1/courier/deliveries/{delivery['id']}/capture-ticket", "POST", token=token)
    assert status == 201
    status, body = world.api(
        f"/api/v1/courier/deliveries/{delivery['id']}/photo?placement=porch&lat=48.8567&lon=2.3522&ticket={ticket['ticket']}",
        "POST", PHOTO.read_bytes(), token=token, headers={"Content-Type": "image/jpeg"})
    assert status == 201 and body["photo"]["freshness"] == "fresh"

    # The customer's download from their link, and the keys as published, saved to files.
    link = delivery["customer_url"]
    status, headers, raw = request(link.replace(f"/d/{delivery['id']}?", f"/d/{delivery['id']}/receipt?"))
    assert status == 200 and headers["Content-Disposition"].startswith("attachment")
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_bytes(raw)
    status, _, keys = request(world.base + "/.well-known/doorstep-keys.json")
    keys_file = tmp_path / "keys.json"
    keys_file.write_bytes(keys)

    # The server can be gone: verification needs only the two files.
    server["process"].kill()
    server["process"].wait()
    ok = subprocess.run([BIN, "receipt", "verify", str(receipt_file), "--keys", str(keys_file)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "valid: signed by tenant" in ok.stdout
    stated = json.loads(ok.stdout.split("\n", 1)[1])
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
