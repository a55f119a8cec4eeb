#!/usr/bin/env python3
"""Doorstep from a shop's or carrier's side, with nothing but the Python 3.11 standard library:
register a webhook, create a delivery, mark it out for delivery, wait for the signed
`delivery.delivered` webhook, then fetch the delivery's signed receipt and check it offline.

    DOORSTEP_URL=http://127.0.0.1:8080 DOORSTEP_API_KEY=dsk_... python3 doorstep_example.py

Optional: DOORSTEP_COURIER_ID (courier to assign), WEBHOOK_HOST (127.0.0.1), WEBHOOK_PORT (0: any
free port), WAIT_SECONDS (120). The API key needs the `admin` scope to register a webhook.
Checking the receipt's Ed25519 signature needs the `cryptography` package; without it that one
check is skipped, and says so. Exits 0 and prints `OK <delivery id>` when everything checked out.
"""
import base64
import hashlib
import hmac
import json
import os
import queue
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BASE = os.environ.get("DOORSTEP_URL", "http://127.0.0.1:8080").rstrip("/")
API_KEY = os.environ.get("DOORSTEP_API_KEY", "").strip()
COURIER_ID = os.environ.get("DOORSTEP_COURIER_ID")
WEBHOOK_HOST = os.environ.get("WEBHOOK_HOST", "127.0.0.1")
WEBHOOK_PORT = int(os.environ.get("WEBHOOK_PORT", "0"))
WAIT_SECONDS = float(os.environ.get("WAIT_SECONDS", "120"))
TOLERANCE = 5 * 60  # seconds: an older (or future) webhook-timestamp may be a replayed capture


class ApiError(Exception):
    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status  # None: no HTTP answer at all (network error, timeout)


def api(method, path, body=None, headers=None, auth=True):
    """One JSON request. Errors under /api/ are RFC 9457 problems: clients branch on `type`
    (stable), and `detail` says what went wrong this time."""
    data = json.dumps(body).encode() if body is not None else None
    all_headers = {"Accept": "application/json", **(headers or {})}
    if data is not None:
        all_headers["Content-Type"] = "application/json"
    if auth:
        all_headers["Authorization"] = f"Bearer {API_KEY}"
    request = urllib.request.Request(BASE + path, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            problem = json.loads(raw)
        except ValueError:
            problem = {"type": "(not a problem+json)", "detail": raw[:200]}
        raise ApiError(f"{method} {path}: HTTP {error.code} {problem.get('type')}: {problem.get('detail')}", error.code) from None
    except OSError as error:  # URLError, refused, reset, timed out
        raise ApiError(f"{method} {path}: no answer from {BASE}: {getattr(error, 'reason', error)}") from None
    return json.loads(raw) if raw else None


def verify_webhook(secret, headers, body):
    """Standard Webhooks (standardwebhooks.com) signature check; returns the parsed event or raises.
    Verify before parsing: the body is only trusted once the HMAC over its exact bytes matches."""
    msg_id, timestamp, signatures = (headers.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not (msg_id and timestamp and signatures):
        raise ValueError("missing webhook-id, webhook-timestamp or webhook-signature")
    if abs(time.time() - int(timestamp)) > TOLERANCE:
        raise ValueError("timestamp too far from now")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # Several signatures during a secret rotation: any v1 one may match. compare_digest takes
    # constant time, so an attacker cannot find the right signature byte by byte.
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return msg_id, json.loads(body)
    raise ValueError("no matching signature")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))  # base64url without padding


def check_receipt(receipt):
    """Returns the signed statement, and whether its Ed25519 signature was checked. The signature
    covers the exact payload bytes, so no JSON canonicalisation is needed; the key comes from the
    server's published list, matched by tenant and `kid` (keys rotate; old receipts keep their kid)."""
    payload = b64url_decode(receipt["payload"])
    keys = api("GET", "/.well-known/doorstep-keys.json", auth=False)["keys"]
    key = next((k for k in keys if k["kid"] == receipt["kid"] and k["tenant_id"] == receipt["tenant_id"]), None)
    if key is None:
        raise ApiError(f"no published key {receipt['kid']} for tenant {receipt['tenant_id']}")
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return json.loads(payload), False
    try:
        Ed25519PublicKey.from_public_bytes(b64url_decode(key["public_key"])).verify(b64url_decode(receipt["signature"]), payload)
    except InvalidSignature:
        raise ApiError("receipt signature does not match: changed, or not signed by this tenant") from None
    return json.loads(payload), True


def main():
    if not API_KEY:
        raise ApiError("set DOORSTEP_API_KEY (and DOORSTEP_URL)")
    events = queue.Queue()
    endpoint = {}  # filled once registered; the handler needs its secret

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                msg_id, event = verify_webhook(endpoint["secret"], self.headers, body)
            except (KeyError, ValueError) as error:
                print(f"rejected a webhook: {error}", file=sys.stderr)
                self.send_response(400)  # Doorstep retries non-2xx answers later
            else:
                events.put((msg_id, event))
                self.send_response(204)  # answer fast; the real work happens elsewhere
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    receiver = ThreadingHTTPServer((WEBHOOK_HOST, WEBHOOK_PORT), Handler)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook_url = f"http://{WEBHOOK_HOST}:{receiver.server_address[1]}/doorstep"
    try:
        # The secret is shown only in this answer: keep it (real code stores it safely).
        created = api("POST", "/api/v1/webhooks", {"url": hook_url, "event_types": ["delivery.delivered"]})
        endpoint.update(created)
        print(f"webhook endpoint {created['id']} -> {hook_url}")
        try:
            return run(events, created["id"])
        finally:
            api("DELETE", f"/api/v1/webhooks/{created['id']}")  # leave no endpoint behind
            print(f"webhook endpoint {created['id']} deleted")
    finally:
        receiver.shutdown()


def why_no_webhook(hook_id):
    """The endpoint's delivery log says why nothing arrived (refused address, receiver errors...)."""
    log = api("GET", f"/api/v1/webhooks/{hook_id}/deliveries")["items"]
    if not log:
        return "nothing was sent to the endpoint yet"
    return f"last message {log[0]['state']} after {log[0]['attempts']} failed attempt(s): {log[0].get('last_error', '-')}"


def run(events, hook_id):
    order = f"EX-{uuid.uuid4().hex[:10]}"
    delivery = {"order_reference": order, "address": "12 Example Street, Springfield", "latitude": 48.8566, "longitude": 2.3522,
                "recipient": {"name": "Alex Example", "email": "alex@example.com", "language": "en"}}
    if COURIER_ID:
        delivery["courier_id"] = COURIER_ID
    # An Idempotency-Key makes a retry safe: if the answer is lost (timeout, dropped connection),
    # sending the same key and body again returns the first delivery instead of a second one.
    # Only failures that may not have reached the server (no answer, 5xx, 429) are worth a retry.
    key = str(uuid.uuid4())
    for attempt in range(3):
        try:
            created = api("POST", "/api/v1/deliveries", delivery, {"Idempotency-Key": key})
            break
        except ApiError as error:
            if attempt == 2 or (error.status is not None and error.status < 500 and error.status != 429):
                raise
            time.sleep(2 ** attempt)
    delivery_id = created["id"]
    print(f"delivery {delivery_id} created (order {order})")
    print(f"customer page: {created['customer_url']}")

    # Tells the recipient (email or text) and opens the way for the courier's photo.
    api("POST", f"/api/v1/deliveries/{delivery_id}/out-for-delivery")
    print(f"waiting up to {WAIT_SECONDS:.0f} s for delivery.delivered of {delivery_id}")
    deadline, seen = time.monotonic() + WAIT_SECONDS, set()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ApiError(f"no delivery.delivered webhook for {delivery_id} within {WAIT_SECONDS:.0f} s ({why_no_webhook(hook_id)})")
        try:
            msg_id, event = events.get(timeout=remaining)
        except queue.Empty:
            continue
        if msg_id in seen:  # delivery is at least once: drop repeats by webhook-id
            continue
        seen.add(msg_id)
        if event["type"] == "delivery.delivered" and event["data"].get("delivery_id") == delivery_id:
            break
    print(f"webhook: {event['type']} placement={event['data'].get('placement')} photo={event['data'].get('photo_id')}")

    # The receipt is the proof of delivery that outlives the photo, signed with the tenant's key:
    # anyone can check it later, offline, without trusting this server or this script.
    receipt = api("GET", f"/api/v1/deliveries/{delivery_id}/receipt")
    statement, verified = check_receipt(receipt)
    if verified:
        print(f"receipt signature valid (key {receipt['kid']})")
    else:
        print("receipt signature NOT checked: install `cryptography` for Ed25519 (verification skipped)")
    if statement["delivery_id"] != delivery_id:
        raise ApiError("the receipt is for another delivery")
    photo = statement.get("photo") or {}
    print(f"receipt: delivered {statement['delivered_at']} placement={statement.get('placement')} "
          f"photo sha256={photo.get('sha256')} location={photo.get('location')} freshness={photo.get('freshness')}")
    return delivery_id


if __name__ == "__main__":
    try:
        print(f"OK {main()}")
    except (ApiError, OSError) as error:
        sys.exit(f"FAILED: {error}")
