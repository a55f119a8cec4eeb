"""Notifications through real peers on loopback: an SMTP sink (aiosmtpd) and an HTTP receiver that
checks Standard Webhooks signatures with the independent `standardwebhooks` library."""
import email
import email.policy
import json
import signal
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from standardwebhooks import Webhook

import contract

from conftest import FIXTURE_PHOTO, free_port, request, run, wait_for

PHOTO = FIXTURE_PHOTO.read_bytes()
FAST_RETRIES = ["--outbox-retry-base", "0.2", "--outbox-max-attempts", "3"]


class Sink:
    """Keeps every message the server hands over, with when it arrived."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({"to": envelope.rcpt_tos, "mail_from": envelope.mail_from, "at": time.monotonic(),
                              "message": email.message_from_bytes(envelope.content, policy=email.policy.default)})
        return "250 OK"


@pytest.fixture()
def smtp():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, sink
    controller.stop()


class Receiver(ThreadingHTTPServer):
    """Webhook receiver. Paths: /ok answers 200; /flaky 500 the first time it sees a webhook-id,
    then 200; /down 500 until `down_recovers` is set."""

    def __init__(self):
        self.hits = []
        self.seen = set()
        self.down_recovers = False
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", free_port()), ReceiverHandler)

    @property
    def base(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server = self.server
        with server.lock:
            hook_id = self.headers["webhook-id"]
            first = (self.path, hook_id) not in server.seen
            server.seen.add((self.path, hook_id))
            server.hits.append({"path": self.path, "headers": dict(self.headers), "body": body, "at": time.monotonic()})
            status = 200
            if self.path == "/flaky" and first:
                status = 500
            if self.path == "/down" and not server.down_recovers:
                status = 500
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture()
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def api(base, key, path, method="GET", body=None):
    status, headers, raw = request(base + path, method, json.dumps(body).encode() if body is not None else None,
                                   {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    return status, (json.loads(raw) if raw else None)


def upload(item, token, query="placement=behind_plant&note=Sous%20le%20pot"):
    status, _, raw = request(item["upload_url"] + "?" + query, "POST", PHOTO,
                             {"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"})
    assert status == 201, raw
    return json.loads(raw)


def test_recipients_get_emails_in_their_language_with_one_click_opt_out(tmp_path, servers, smtp):
    controller, sink = smtp
    server = servers(tmp_path / "data", tmp_path / "server.log", "--smtp", f"smtp://127.0.0.1:{controller.port}?tls=off")
    demo = json.loads(run("demo", "--data", str(server["data"]), "--base-url", server["base"], "--json", "--count", "2"))
    english, french = demo["deliveries"]
    for item in (english, french):
        status, _ = api(server["base"], demo["api_key"], f"/api/v1/deliveries/{item['id']}/out-for-delivery", "POST")
        assert status == 200
    upload(english, demo["courier_token"])
    upload(french, demo["courier_token"])
    assert wait_for(lambda: len(sink.messages) >= 4), [m["message"]["Subject"] for m in sink.messages]
    time.sleep(0.5)
    assert len(sink.messages) == 4, "each event mailed exactly once"

    by_subject = {m["message"]["Subject"]: m for m in sink.messages}
    assert set(by_subject) == {"Your parcel is out for delivery", "Your order has been delivered",
                               "Votre colis est en cours de livraison", "Votre colis a été livré"}
    delivered_fr = by_subject["Votre colis a été livré"]["message"]
    assert by_subject["Votre colis a été livré"]["to"] == ["customer2@example.com"]
    assert delivered_fr.get_content_type() == "multipart/alternative"
    text = delivered_fr.get_body(("plain",)).get_content()
    html = delivered_fr.get_body(("html",)).get_content()
    assert "Derrière un buisson ou une plante" in text and "Sous le pot" in text and "/d/" + french["id"] in text
    assert "Derrière un buisson ou une plante" in html and 'lang="fr"' in html
    assert delivered_fr["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = delivered_fr["List-Unsubscribe"].strip("<>")
    assert f"/o/{french['id']}?" in unsubscribe and unsubscribe in text
    # By default the photo is a link, not an attachment (a photo in a mailbox escapes deletion).
    assert not [part for part in delivered_fr.walk() if part.get_content_type() == "image/jpeg"]
    english_text = by_subject["Your order has been delivered"]["message"].get_body(("plain",)).get_content()
    assert "Behind a bush or plant" in english_text

    # The mail client's one-click POST takes effect at once.
    status, _, _ = request(unsubscribe, "POST", b"List-Unsubscribe=One-Click", {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200
    _, delivery = api(server["base"], demo["api_key"], f"/api/v1/deliveries/{french['id']}")
    assert delivery["photo_policy"] == "opted_out"


def test_webhooks_are_signed_retried_and_dead_lettered(tmp_path, servers, receiver):
    server = servers(tmp_path / "data", tmp_path / "server.log", *FAST_RETRIES)
    base = server["base"]
    demo = json.loads(run("demo", "--data", str(server["data"]), "--base-url", base, "--json", "--count", "1"))
    key = demo["api_key"]
    hooks = {}
    for path, types in [("/ok", None), ("/flaky", None), ("/down", ["delivery.delivered"])]:
        body = {"url": receiver.base + path}
        if types:
            body["event_types"] = types
        status, hook = api(base, key, "/api/v1/webhooks", "POST", body)
        assert status == 201 and hook["secret"].startswith("whsec_")
        hooks[path] = hook

    upload(demo["deliveries"][0], demo["courier_token"])
    status, _ = api(base, key, f"/api/v1/deliveries/{demo['deliveries'][0]['id']}/photo", "DELETE")
    assert status == 204

    def attempts(path):
        return [h for h in receiver.hits if h["path"] == path]

    assert wait_for(lambda: len(attempts("/ok")) == 2 and len(attempts("/flaky")) == 4 and len(attempts("/down")) == 3)
    for path, hits in [(p, attempts(p)) for p in hooks]:
        for hit in hits:
            payload = Webhook(hooks[path]["secret"]).verify(hit["body"], hit["headers"])
            contract.check_webhook(hit["headers"], hit["body"])
            assert payload["type"] in ("delivery.delivered", "photo.deleted")
            assert "photo" not in json.dumps(payload).lower() or "photo_id" in json.dumps(payload)
    # The retry of a flaky delivery carries the same webhook-id (receivers drop repeats by it).
    flaky_ids = [h["headers"]["webhook-id"] for h in attempts("/flaky")]
    assert len(set(flaky_ids)) == 2 and all(flaky_ids.count(i) == 2 for i in set(flaky_ids))
    assert {json.loads(h["body"])["type"] for h in attempts("/ok")} == {"delivery.delivered", "photo.deleted"}
    assert {json.loads(h["body"])["type"] for h in attempts("/down")} == {"delivery.delivered"}

    # The tenant sees it in the delivery log; the operator replays the dead letter.
    assert wait_for(lambda: api(base, key, f"/api/v1/webhooks/{hooks['/down']['id']}/deliveries")[1]["items"][0]["state"] == "dead")
    log = api(base, key, f"/api/v1/webhooks/{hooks['/down']['id']}/deliveries")[1]["items"]
    assert log[0]["attempts"] == 3 and log[0]["last_error"] == "HTTP 500"
    dead = run("outbox", "list", "--data", str(server["data"]), "--state", "dead")
    assert log[0]["id"] in dead
    # No SMTP relay is configured here: the recipient's email waits among the dead letters too.
    assert "no SMTP server configured" in dead
    receiver.down_recovers = True
    assert "replayed 1 message" in run("outbox", "replay", "--data", str(server["data"]), "--id", log[0]["id"])
    assert wait_for(lambda: len(attempts("/down")) == 4)
    assert wait_for(lambda: api(base, key, f"/api/v1/webhooks/{hooks['/down']['id']}/deliveries")[1]["items"][0]["state"] == "done")

    # Test-send, then secret rotation: both secrets verify during the overlap.
    status, result = api(base, key, f"/api/v1/webhooks/{hooks['/ok']['id']}/test", "POST")
    assert status == 200 and result["ok"] is True
    status, rotated = api(base, key, f"/api/v1/webhooks/{hooks['/ok']['id']}/rotate-secret", "POST")
    assert status == 200 and rotated["secret"] != hooks["/ok"]["secret"]
    status, result = api(base, key, f"/api/v1/webhooks/{hooks['/ok']['id']}/test", "POST")
    last = attempts("/ok")[-1]
    assert Webhook(rotated["secret"]).verify(last["body"], last["headers"])["type"] == "webhook.test"
    contract.check_webhook(last["headers"], last["body"])
    assert Webhook(hooks["/ok"]["secret"]).verify(last["body"], last["headers"])["type"] == "webhook.test"


def test_a_crash_between_commit_and_send_loses_nothing_and_sends_once(tmp_path, servers, receiver, smtp):
    controller, sink = smtp
    data, port = tmp_path / "data", free_port()
    relay = ["--smtp", f"smtp://127.0.0.1:{controller.port}?tls=off"]
    # The first server commits but never sends: its worker is off, as if it died right after the commit.
    first = servers(data, tmp_path / "first.log", "--outbox-worker=false", *relay, port=port)
    demo = json.loads(run("demo", "--data", str(data), "--base-url", first["base"], "--json", "--count", "2"))
    api(first["base"], demo["api_key"], "/api/v1/webhooks", "POST", {"url": receiver.base + "/ok"})
    for item in demo["deliveries"]:
        upload(item, demo["courier_token"])
    first["process"].send_signal(signal.SIGKILL)
    first["process"].wait()
    assert not receiver.hits and not sink.messages

    servers(data, tmp_path / "second.log", *relay, port=port)
    assert wait_for(lambda: len(receiver.hits) >= 3 and len(sink.messages) >= 2)
    time.sleep(1.5)
    # Both deliveries, and the case the second opened: the same photo stood for another address.
    types = sorted(json.loads(hit["body"])["type"] for hit in receiver.hits)
    assert types == ["delivery.delivered", "delivery.delivered", "delivery.problem_reported"] and len(sink.messages) == 2
    assert len({h["headers"]["webhook-id"] for h in receiver.hits}) == 3
    assert sorted(m["to"][0] for m in sink.messages) == ["customer1@example.com", "customer2@example.com"]


def test_an_open_delivery_page_hears_the_delivery_live(server):
    import http.client

    demo = json.loads(run("demo", "--data", str(server["data"]), "--base-url", server["base"], "--json", "--count", "1"))
    item = demo["deliveries"][0]
    page = urllib.parse.urlsplit(item["customer_url"])
    connection = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=20)
    connection.request("GET", page.path + "/events?" + page.query)
    response = connection.getresponse()
    assert response.status == 200 and response.getheader("Content-Type") == "text/event-stream"
    assert response.readline().startswith(b"retry:")
    # The tenant's dashboard stream, on the API key.
    dashboard = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=20)
    dashboard.request("GET", "/api/v1/events", headers={"Authorization": f"Bearer {demo['api_key']}"})
    tenant_stream = dashboard.getresponse()
    assert tenant_stream.status == 200 and tenant_stream.readline().startswith(b"retry:")
    started = time.monotonic()
    upload(item, demo["courier_token"])
    lines = []
    while b"event: delivery.delivered\n" not in lines:
        lines.append(response.readline())
    print(f"\nlive event {1000 * (time.monotonic() - started):.0f} ms after the upload started")
    data_line = response.readline()
    assert data_line.startswith(b"data: ")
    data = json.loads(data_line[6:])
    assert data["delivery_id"] == item["id"]
    tenant_lines = []
    while b"event: delivery.delivered\n" not in tenant_lines:
        tenant_lines.append(tenant_stream.readline())
    # A forged link opens no stream.
    forged = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=20)
    forged.request("GET", page.path + "/events?" + page.query.replace("s=", "s=x"))
    assert forged.getresponse().status == 404
    for open_connection in (connection, dashboard, forged):
        open_connection.close()
