"""Upload-201 -> email accepted by SMTP, -> text message at the SMS centre, -> webhook received.

Release build, SQLite + disk, a real SMTP server (aiosmtpd), a real Kannel (bearerbox, smsbox and
its fake SMS centre, e2e/kannel.py) and a real HTTP receiver on loopback. Every delivery has an
email and a mobile number. Uploads are of a small JPEG, so what is measured is the notification path
(outbox commit, worker wake-up, SMTP conversation / Kannel sendsms / signed POST), not image
processing. Three passes in one run: sequential uploads with mail unencrypted (the baseline);
sequential with mail as providers require it (STARTTLS, a certificate from a CA made now and
verified, AUTH PLAIN); and the same TLS setup under load (CONCURRENCY uploads at once), for p99.
What TLS and load cost are ratios within the same run. Writes results/notify-latency.{md,json}."""
import json
import os
import platform
import ssl
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "e2e"))
sys.path.insert(0, str(ROOT / "bench"))
from conftest import free_port, make_test_ca  # noqa: E402
from kannel import PASSWORD as SMS_PASSWORD, Kannel  # noqa: E402
from serving import demo as make_demo, serving  # noqa: E402

COUNT = int(os.environ.get("COUNT", "300"))
CONCURRENCY = int(os.environ.get("CONCURRENCY", "8"))
PHOTO = (ROOT / "Tests/Fixtures/photos/r17_nikonD2H_500x375_gps.jpg").read_bytes()
PASSWORD = "bench-password"
mail_at, hook_at = {}, {}


class Sink:
    async def handle_DATA(self, server, session, envelope):
        mail_at[envelope.rcpt_tos[0]] = time.monotonic()
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=auth_data.password == PASSWORD.encode(), handled=False)


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        hook_at.setdefault(body["data"].get("delivery_id"), time.monotonic())
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def smtp_server(mail):
    """An SMTP server for the pass, and the setting and environment that reach it."""
    if mail == "plain":
        controller = Controller(Sink(), hostname="127.0.0.1", port=free_port())
        controller.start()
        return controller, f"smtp://127.0.0.1:{controller.port}?tls=off", dict(os.environ)
    ca = make_test_ca(tempfile.mkdtemp(prefix="doorstep-notify-ca-"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(ca / "server.pem", ca / "server.key")
    controller = Controller(Sink(), hostname="127.0.0.1", port=free_port(), tls_context=context, require_starttls=True,
                            authenticator=authenticate, auth_require_tls=True)
    controller.start()
    return controller, f"smtp://bench@localhost:{controller.port}?ca={ca / 'ca.pem'}", dict(os.environ, DOORSTEP_SMTP_PASSWORD=PASSWORD)


def api(base, key, path, body=None):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None,
                                     method="POST" if body is not None else "GET",
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def measure(mail, concurrency):
    """COUNT deliveries, `concurrency` uploads at once; the latencies of each upload and of its
    email, text message and webhook (ms)."""
    mail_at.clear()
    hook_at.clear()
    smtp, url, env = smtp_server(mail)
    receiver = ThreadingHTTPServer(("127.0.0.1", free_port()), Hook)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    kannel = None
    env["DOORSTEP_SMS_PASSWORD"] = SMS_PASSWORD
    created, texts = {}, {}
    try:
        kannel = Kannel(Path(tempfile.mkdtemp(prefix="doorstep-notify-kannel-")))
        # One courier token stands for CONCURRENCY phones: its per-courier upload cap is lifted.
        with serving("--smtp", url, "--sms", kannel.url, "--sms-from", "Doorstep", "--webhook-allow-private",
                     "--uploads-per-courier", "1000", prefix="doorstep-notify-", env=env) as (base, data, _):
            demo = make_demo(data, base, 1)
            key, courier = demo["api_key"], api(base, demo["api_key"], f"/api/v1/deliveries/{demo['deliveries'][0]['id']}")["courier_id"]
            api(base, key, "/api/v1/webhooks", {"url": f"http://127.0.0.1:{receiver.server_address[1]}/", "event_types": ["delivery.delivered"]})
            deliveries = [api(base, key, "/api/v1/deliveries", {
                "order_reference": f"N-{index}", "address": "1 Main St", "latitude": 48.85, "longitude": 2.35, "courier_id": courier,
                "recipient": {"name": "Alex", "email": f"customer{index}@example.com", "phone": f"+4477009{index:05d}", "language": "en"}})
                for index in range(COUNT)]

            def upload(delivery):
                request = urllib.request.Request(delivery["upload_url"] + "?placement=porch", data=PHOTO, method="POST",
                                                 headers={"Authorization": f"Bearer {demo['courier_token']}", "Content-Type": "image/jpeg"})
                started = time.monotonic()
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                created[delivery["id"]] = (delivery["recipient"]["email"], delivery["recipient"]["phone"], started, time.monotonic())

            with ThreadPoolExecutor(concurrency) as pool:
                list(pool.map(upload, deliveries))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and (len(mail_at) < COUNT or len(hook_at) < COUNT or len(texts) < COUNT):
                time.sleep(0.1)
                texts = {to: at for at, to, _ in reversed(kannel.arrivals())}  # the first text to each number
    finally:
        smtp.stop()
        receiver.shutdown()
        if kannel:
            kannel.stop()
    upload = [(done - start) * 1000 for _, _, start, done in created.values()]
    emails = [(mail_at[email] - done) * 1000 for email, _, _, done in created.values() if email in mail_at]
    sms = [(texts[phone] - done) * 1000 for _, phone, _, done in created.values() if phone in texts]
    hooks = [(hook_at[delivery] - done) * 1000 for delivery, (_, _, _, done) in created.items() if delivery in hook_at]
    return {"upload_to_201": upload, "201_to_email": emails, "201_to_sms": sms, "201_to_webhook": hooks}


def main():
    passes = {"plain": measure("plain", 1), "starttls": measure("starttls", 1),
              f"starttls, {CONCURRENCY} at once": measure("starttls", CONCURRENCY)}
    rows = {f"{name} ({mail})": {"count": len(v), "p50_ms": round(statistics.median(v), 1), "p99_ms": round(percentile(v, 99), 1),
                                 "max_ms": round(max(v), 1)}
            for mail, measured in passes.items() for name, v in measured.items() if v}
    plain, tls, loaded = (statistics.median(measured["201_to_email"]) for measured in passes.values())
    tls_p99, loaded_p99 = (percentile(measured["201_to_email"], 99) for measured in list(passes.values())[1:])
    report = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count()}, "deliveries": COUNT, "concurrency": CONCURRENCY, **rows,
              "email_p50_ratio_starttls_to_plain": round(tls / plain, 2),
              "email_p50_ratio_loaded_to_sequential": round(loaded / tls, 2), "email_p99_ratio_loaded_to_sequential": round(loaded_p99 / tls_p99, 2)}
    out = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench/results")
    out.mkdir(parents=True, exist_ok=True)
    (out / "notify-latency.json").write_text(json.dumps(report, indent=2) + "\n")
    table = "\n".join(f"| {name} | {row['count']} | {row['p50_ms']} | {row['p99_ms']} | {row['max_ms']} |" for name, row in rows.items())
    (out / "notify-latency.md").write_text(
        f"# Notification latency (release, SQLite + disk, {COUNT} deliveries a pass, 500x375 JPEG)\n\n"
        f"{report['machine']['platform']}, {report['machine']['cpus']} CPUs\n\n"
        "| measure (pass) | count | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|\n" + table + "\n\n"
        f"Email p50 with STARTTLS + AUTH ÷ unencrypted: {report['email_p50_ratio_starttls_to_plain']}; "
        f"{CONCURRENCY} uploads at once ÷ sequential (TLS): p50 {report['email_p50_ratio_loaded_to_sequential']}, "
        f"p99 {report['email_p99_ratio_loaded_to_sequential']}\n")
    print((out / "notify-latency.md").read_text())
    missing = [(mail, name) for mail, measured in passes.items() for name in ("201_to_email", "201_to_sms", "201_to_webhook")
               if len(measured[name]) < COUNT]
    if missing:
        print(f"missing notifications: {missing}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
