"""Text messages through a real Kannel (e2e/kannel.py): bearerbox and smsbox on loopback with
Kannel's own fake SMS centre standing for the carrier's SMPP provider; what it receives is what a
phone would, reassembled and decoded here."""
import json
import re
import subprocess
import urllib.request

import pytest

from conftest import BIN, run, wait_for
from kannel import PASSWORD, Kannel
from test_notifications import api


@pytest.fixture()
def kannel(tmp_path):
    """Kannel with a fake SMS centre; yields (smsbox URL, a function returning the texts the
    centre received as {number: [text, …]})."""
    gateway = Kannel(tmp_path)
    yield gateway.url, gateway.received
    gateway.stop()


def start(servers, tmp_path, url, password=PASSWORD):
    secret = tmp_path / "sms.password"
    secret.write_text(password)
    return servers(tmp_path / "data", tmp_path / "server.log", "--sms", url, "--sms-password-file", str(secret), "--sms-from", "Doorstep",
                   "--outbox-retry-base", "0.2", "--outbox-max-attempts", "2")


def create(server, key, reference, phone, language, email=True):
    recipient = {"name": "Camille", "language": language, "phone": phone} | ({"email": f"{reference}@example.com"} if email else {})
    body = {"order_reference": reference, "address": "1 rue de la Paix, Paris", "latitude": 48.8686, "longitude": 2.3317, "recipient": recipient}
    status, delivery = api(server["base"], key, "/api/v1/deliveries", "POST", body)
    assert status == 201, delivery
    return delivery


def test_recipients_with_a_mobile_number_get_texts_in_their_language(tmp_path, servers, kannel):
    url, received = kannel
    server = start(servers, tmp_path, url)
    demo = json.loads(run("demo", "--data", str(server["data"]), "--base-url", server["base"], "--json", "--count", "1"))
    english = create(server, demo["api_key"], "sms-en", "+44 7700 900123", "en", email=False)  # reached by text alone
    spanish = create(server, demo["api_key"], "sms-es", "0034 612 345 678", "es")
    assert english["recipient"]["phone"] == "+447700900123" and spanish["recipient"]["phone"] == "+34612345678"
    for delivery_id in (english["id"], spanish["id"], demo["deliveries"][0]["id"]):
        status, _ = api(server["base"], demo["api_key"], f"/api/v1/deliveries/{delivery_id}/out-for-delivery", "POST")
        assert status == 200
    assert wait_for(lambda: len(received()) == 2), (tmp_path / "server.log").read_text()
    [english_text] = received()["+447700900123"]
    [spanish_text] = received()["+34612345678"]
    english_text, spanish_text = english_text.decode("utf-8"), spanish_text.decode("utf-16-be")
    assert english_text.startswith("Your parcel is out for delivery.") and f"/o/{english['id']}?" in english_text
    assert spanish_text.startswith("Tu paquete va en camino.") and f"/o/{spanish['id']}?" in spanish_text
    # The handover code, for a parcel received in person, after the link.
    code = english["handover_code"]
    assert english_text.endswith(f"Code for the courier: {code[:3]} {code[3:]}.")
    # The link in the text works: the recipient can say no to photos from it.
    link = re.search(r"https?://\S+", spanish_text).group(0)
    assert urllib.request.urlopen(link).status == 200
    # The demo delivery has no number: its recipient gets the email alone, no text is queued; the
    # English recipient has no email: texts alone.
    listing = run("outbox", "list", "--data", str(server["data"]))
    assert listing.count("  sms  ") == 2 and listing.count("  email  ") == 2
    # A data-protection request by number, from the command line, as by email.
    [tenant] = [line.split()[0] for line in run("tenant", "list", "--data", str(server["data"])).splitlines() if line.strip()]
    export = json.loads(run("recipient", "export", "--data", str(server["data"]), "--tenant", tenant, "--phone", "+447700900123"))
    assert export["phone"] == "+447700900123" and [item["delivery"]["id"] for item in export["deliveries"]] == [english["id"]]
    log = (tmp_path / "server.log").read_text()
    assert "+447700900123" not in log and "612345678" not in log and PASSWORD not in log


def test_a_refused_password_is_a_dead_letter_that_says_so(tmp_path, servers, kannel):
    url, received = kannel
    server = start(servers, tmp_path, url, password="wrong")
    demo = json.loads(run("demo", "--data", str(server["data"]), "--base-url", server["base"], "--json", "--count", "1"))
    delivery = create(server, demo["api_key"], "sms-wrong", "+33612345678", "fr")
    api(server["base"], demo["api_key"], f"/api/v1/deliveries/{delivery['id']}/out-for-delivery", "POST")
    dead = lambda: run("outbox", "list", "--data", str(server["data"]), "--state", "dead")
    assert wait_for(lambda: "Kannel refused the user or password (HTTP 403" in dead()), dead()
    assert "attempts=1 " in dead(), "a refused password is not retried"
    assert not received()


def test_a_number_without_country_code_is_refused(tmp_path, servers, kannel):
    url, _ = kannel
    server = start(servers, tmp_path, url)
    demo = json.loads(run("demo", "--data", str(server["data"]), "--base-url", server["base"], "--json", "--count", "1"))
    body = {"order_reference": "sms-bad", "address": "x", "latitude": 48.8, "longitude": 2.3,
            "recipient": {"name": "C", "email": "c@example.com", "language": "fr", "phone": "06 12 34 56 78"}}
    status, problem = api(server["base"], demo["api_key"], "/api/v1/deliveries", "POST", body)
    assert status == 422 and "international form" in json.dumps(problem)


def test_check_config_tries_the_gateway(tmp_path, kannel):
    url, _ = kannel
    run("migrate", "--data", str(tmp_path / "data"))
    for password, expected, code in [(PASSWORD, "ok     sms", 0), ("wrong", "Kannel refused the user or password", 1)]:
        secret = tmp_path / "sms.password"
        secret.write_text(password)
        result = subprocess.run([BIN, "check-config", "--data", str(tmp_path / "data"), "--sms", url, "--sms-password-file", str(secret)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == code and expected in result.stdout, result.stdout + result.stderr
