"""The evidence pack as a payment processor's reviewer receives it, checked with tools that know
nothing of Doorstep: poppler's pdfinfo, pdfimages and pdftotext on the PDF, in English and in
French; PyJWT on the receipt printed inside it; the JSON mapping against openapi.json (conftest's
contract check) and the processors' limits."""
import base64
import hashlib
import json
import re
import subprocess
from datetime import datetime

import jwt

from browser import World
from conftest import ROOT, poppler, request, run

PHOTO = ROOT / "Tests/Fixtures/quality/r01_sunset.original.jpg"
MONTHS = {"en": "December", "fr": "décembre"}


def test_a_disputed_delivery_yields_a_pack_a_processor_and_any_tool_can_read(server, tmp_path):
    world = World(server, username="pack-courier")
    delivery = world.delivery(address="7 Rue des Preuves", language="fr")
    body = world.deliver_fresh(delivery, PHOTO, world.courier_token())
    assert body["photo"]["freshness"] == "fresh"

    # The recipient opens the page and the photo, then says the parcel is not there.
    link = delivery["customer_url"]
    assert request(link)[0] == 200
    query = link.split("?", 1)[1]
    assert request(f"{world.base}/d/{delivery['id']}/photo/display?{query}")[0] == 200
    status, _, _ = request(f"{world.base}/d/{delivery['id']}/problem?{query}", "POST", b"kind=not_there&details=Rien+devant+la+porte",
                           {"Content-Type": "application/x-www-form-urlencoded"})
    assert status in (200, 303)
    status, stored = world.api(f"/api/v1/deliveries/{delivery['id']}/photo")
    assert status == 200 and stored[:2] == b"\xff\xd8"
    status, shown = world.api(f"/api/v1/deliveries/{delivery['id']}")
    delivered_at = datetime.fromisoformat(shown["delivered_at"].replace("Z", "+00:00"))
    status, _, jwks = request(world.base + "/.well-known/jwks.json")
    key_set = jwt.PyJWKSet.from_dict(json.loads(jwks))

    for language, words in (("en", ("Proof of delivery", "On the porch", "Taken at the delivery address",
                                    "The recipient opened the delivery page", "The recipient viewed the photo",
                                    "The parcel is not there", "Rien devant la porte", "Still open")),
                            ("fr", ("Preuve de livraison", "Livré", "Prise à l'adresse de livraison",
                                    "Le destinataire a ouvert la page de livraison", "Le destinataire a regardé la photo",
                                    "Rien devant la porte", "Encore ouvert"))):
        path, pdf, info = world.evidence_pdf(delivery["id"], language, tmp_path)

        # pdfinfo: a real PDF, A4, within the 19 pages and 4.5 MB processors take.
        pages = int(info["Pages"])
        assert 1 <= pages <= 19, info
        assert "(A4)" in info["Page size"], info
        assert len(pdf) < 4_500_000
        assert delivery["order_reference"] in info["Title"]

        # pdfimages: the only image is a JPEG, and it is the stored photo byte for byte.
        listed = [line.split() for line in poppler("pdfimages", "-list", str(path)).splitlines()[2:]]
        assert len(listed) == 1 and listed[0][8] == "jpeg", listed
        subprocess.run(["pdfimages", "-j", str(path), str(tmp_path / f"img-{language}")], check=True)
        extracted = sorted(tmp_path.glob(f"img-{language}-*"))
        assert [p.suffix for p in extracted] == [".jpg"] and extracted[0].read_bytes() == stored

        # pdftotext: the words in the pack's language, the delivery time, and the receipt.
        text = poppler("pdftotext", "-layout", str(path), "-")
        flat = " ".join(text.split())
        for word in words + (delivery["order_reference"], "7 Rue des Preuves", "UTC"):
            assert word in flat, (language, word)
        assert f"{delivered_at.day} {MONTHS[language]} {delivered_at.year}" in flat
        assert delivered_at.strftime("%H:%M") in flat

        # The receipt printed in the PDF verifies with a JOSE library that knows nothing of us,
        # and its digest is the one printed beside it.
        token = re.search(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}", "".join(text.split()))
        assert token, text
        header = jwt.get_unverified_header(token.group(0))
        payload = jwt.api_jws.decode(token.group(0), key=key_set[header["kid"]].key, algorithms=["EdDSA"])
        assert json.loads(payload)["delivery_id"] == delivery["id"]
        assert hashlib.sha256(payload).hexdigest() in "".join(text.split())

    # The processors' mapping (its shape is checked against openapi.json by `request`).
    status, mapping = world.api(f"/api/v1/deliveries/{delivery['id']}/evidence")
    assert status == 200 and mapping["language"] == "fr"
    assert mapping["document"]["file_name"] == f"proof-of-delivery-{delivery['order_reference']}.pdf"
    stripe = mapping["stripe"]["evidence"]
    assert stripe["shipping_tracking_number"] == delivery["order_reference"]
    assert stripe["shipping_address"] == "7 Rue des Preuves" and len(stripe["uncategorized_text"]) <= 20_000
    assert mapping["stripe"]["files"] == [{"purpose": "dispute_evidence", "file": mapping["document"]["file_name"],
                                           "evidence_field": "shipping_documentation"}]
    types = [item["evidence_type"] for item in mapping["paypal"]["input"]["evidences"]]
    assert types == ["PROOF_OF_FULFILLMENT", "DELIVERY_RECEIPT"]
    assert all(len(item["notes"]) <= 2000 for item in mapping["paypal"]["input"]["evidences"])
    assert {item["category"] for item in mapping["braintree"]["text_evidence"]} == {"CARRIER_NAME", "TRACKING_NUMBER", "GENERAL"}
    facts = mapping["facts"]
    # The page (shown again after the report within 10 minutes: one visit) and the photo.
    assert facts["recipient_visits_after_delivery"] == 2 and facts["open_reports"] == 1
    assert facts["location"] == "at-address" and facts["freshness"] == "fresh"
    receipt = json.loads(request(link.replace(f"/d/{delivery['id']}?", f"/d/{delivery['id']}/receipt?"))[2])
    payload = base64.urlsafe_b64decode(receipt["payload"] + "=" * (-len(receipt["payload"]) % 4))
    assert facts["receipt_sha256"] == hashlib.sha256(payload).hexdigest() and facts["receipt_jws"] == receipt["jws"]

    # The operator's command line writes the same pack and mapping; reading the photo is audited.
    out = tmp_path / "cli.pdf"
    said = run("evidence", "pack", "--tenant", world.tenant_id, "--delivery", delivery["id"], "--language", "en",
               "--out", str(out), "--data", str(server["data"]))
    assert "wrote" in said and out.read_bytes().startswith(b"%PDF-")
    assert json.loads((tmp_path / "cli.json").read_text())["facts"]["receipt_sha256"] == facts["receipt_sha256"]
    assert int(dict(line.split(":", 1) for line in poppler("pdfinfo", str(out)).splitlines() if ":" in line)["Pages"]) >= 1
    audit = run("audit", "--delivery", delivery["id"], "--data", str(server["data"]))
    assert re.search(r"download\s+operator", audit) and re.search(r"download\s+api_key", audit)
