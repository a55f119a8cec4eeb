"""Text messages through a real Kannel: bearerbox and smsbox on loopback with Kannel's own fake SMS
centre (fakesmsc) standing for the carrier's SMPP provider. What fakesmsc receives is what a
phone would: each segment with its concatenation header, reassembled here and decoded."""
import json
import re
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from conftest import BIN, free_port, run, wait_for
from test_notifications import api

FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
SMS_PASSWORD = "sms-secret"


@pytest.fixture()
def kannel(tmp_path):
    """Kannel with a fake SMS centre; yields (smsbox URL, a function returning the texts the
    centre received as {number: [text, …]})."""
    admin, box, smsc, sendsms = (free_port() for _ in range(4))
    config = tmp_path / "kannel.conf"
    config.write_text("\n".join([
        "group = core", f"admin-port = {admin}", "admin-password = admin-secret", f"smsbox-port = {box}", "box-allow-ip = 127.0.0.1", "",
        "group = smsc", "smsc = fake", "smsc-id = fake", f"port = {smsc}", "connect-allow-ip = 127.0.0.1", "",
        "group = smsbox", "bearerbox-host = 127.0.0.1", f"sendsms-port = {sendsms}", "",
        "group = sendsms-user", "username = doorstep", f"password = {SMS_PASSWORD}", "max-messages = 4", "concatenation = true", "",
        "group = sms-service", "keyword = default", 'text = "ok"', ""]))
    logs = {name: open(tmp_path / f"{name}.log", "w+") for name in ("bearerbox", "fakesmsc", "smsbox")}
    processes = [subprocess.Popen(["bearerbox", str(config)], stdout=logs["bearerbox"], stderr=subprocess.STDOUT)]
    assert wait_for(lambda: port_open(smsc), timeout=10), (tmp_path / "bearerbox.log").read_text()
    processes.append(subprocess.Popen([FAKESMSC, "-H", "127.0.0.1", "-r", str(smsc), "-i", "1000", "-m", "0", "x"],
                                      stdout=logs["fakesmsc"], stderr=subprocess.STDOUT))
    processes.append(subprocess.Popen(["smsbox", str(config)], stdout=logs["smsbox"], stderr=subprocess.STDOUT))
    assert wait_for(lambda: port_open(sendsms), timeout=10), (tmp_path / "smsbox.log").read_text()

    def received():
        return reassemble((tmp_path / "fakesmsc.log").read_text())

    yield f"http://doorstep@127.0.0.1:{sendsms}", received
    for process in reversed(processes):
        process.terminate()
        process.wait(timeout=10)


def port_open(port):
    import socket
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def reassemble(log):
    """fakesmsc's lines `Got message N: <from to [udh UDH] type payload>` as {to: [bytes, …]}, the
    parts of a concatenated message (UDH 05 00 03 ref total seq) joined in order."""
    whole, parts = {}, {}
    for sender, to, udh, payload in re.findall(r"Got message \d+: <(\S+) (\S+) (?:udh (\S+) )?(?:text|data|ucs-2) (.*)>", log):
        data = urllib.parse.unquote_to_bytes(payload.replace("+", " "))
        if udh:
            header = urllib.parse.unquote_to_bytes(udh)
            reference, total, sequence = header[3], header[4], header[5]
            parts.setdefault((to, reference), {})[sequence] = data
            if len(parts[(to, reference)]) == total:
                whole.setdefault(to, []).append(b"".join(parts[(to, reference)][i] for i in range(1, total + 1)))
        else:
            whole.setdefault(to, []).append(data)
    return whole


def start(servers, tmp_path, url, password=SMS_PASSWORD):
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
    assert "+447700900123" not in log and "612345678" not in log and SMS_PASSWORD not in log


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
    for password, expected, code in [(SMS_PASSWORD, "ok     sms", 0), ("wrong", "Kannel refused the user or password", 1)]:
        secret = tmp_path / "sms.password"
        secret.write_text(password)
        result = subprocess.run([BIN, "check-config", "--data", str(tmp_path / "data"), "--sms", url, "--sms-password-file", str(secret)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == code and expected in result.stdout, result.stdout + result.stderr
