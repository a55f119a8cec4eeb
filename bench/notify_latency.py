"""Upload-201 -> email accepted by SMTP, and -> webhook received, over a few hundred deliveries.

Release build, SQLite + disk, a real SMTP server (aiosmtpd) and a real HTTP receiver on loopback.
Uploads are sequential, of a small JPEG, so what is measured is the notification path (outbox
commit, worker wake-up, SMTP conversation / signed POST), not image processing. Two passes in one
run: mail unencrypted (the baseline), then as mail providers require it (STARTTLS, a certificate
from a CA made now and verified, AUTH PLAIN), so what TLS costs is a ratio within the same run.
Writes results/notify-latency.{md,json}."""
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "e2e"))
sys.path.insert(0, str(ROOT / "bench"))
from conftest import free_port, make_test_ca  # noqa: E402
from serving import demo as make_demo, serving  # noqa: E402

COUNT = int(os.environ.get("COUNT", "300"))
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


def measure(mail):
    """COUNT sequential deliveries; the latencies of the upload, its email and its webhook (ms)."""
    mail_at.clear()
    hook_at.clear()
    smtp, url, env = smtp_server(mail)
    receiver = ThreadingHTTPServer(("127.0.0.1", free_port()), Hook)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    created = {}
    try:
        with serving("--smtp", url, "--webhook-allow-private", prefix="doorstep-notify-", env=env) as (base, data, _):
            demo = make_demo(data, base, COUNT)
            hook = urllib.request.Request(base + "/api/v1/webhooks", data=json.dumps({"url": f"http://127.0.0.1:{receiver.server_address[1]}/",
                                          "event_types": ["delivery.delivered"]}).encode(), method="POST",
                                          headers={"Authorization": f"Bearer {demo['api_key']}", "Content-Type": "application/json"})
            urllib.request.urlopen(hook).read()
            for index, item in enumerate(demo["deliveries"]):
                request = urllib.request.Request(item["upload_url"] + "?placement=porch", data=PHOTO, method="POST",
                                                 headers={"Authorization": f"Bearer {demo['courier_token']}", "Content-Type": "image/jpeg"})
                started = time.monotonic()
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                created[item["id"]] = (f"customer{index + 1}@example.com", started, time.monotonic())
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and (len(mail_at) < COUNT or len(hook_at) < COUNT):
                time.sleep(0.1)
    finally:
        smtp.stop()
        receiver.shutdown()
    upload = [(done - start) * 1000 for _, start, done in created.values()]
    emails = [(mail_at[address] - done) * 1000 for address, _, done in created.values() if address in mail_at]
    hooks = [(hook_at[delivery] - done) * 1000 for delivery, (_, _, done) in created.items() if delivery in hook_at]
    return {"upload_to_201": upload, "201_to_email": emails, "201_to_webhook": hooks}


def main():
    passes = {"plain": measure("plain"), "starttls": measure("starttls")}
    rows = {f"{name} ({mail})": {"count": len(v), "p50_ms": round(statistics.median(v), 1), "p99_ms": round(percentile(v, 99), 1),
                                 "max_ms": round(max(v), 1)}
            for mail, measured in passes.items() for name, v in measured.items() if v}
    plain, tls = (statistics.median(passes[m]["201_to_email"]) for m in ("plain", "starttls"))
    report = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count()}, "deliveries": COUNT, **rows,
              "email_p50_ratio_starttls_to_plain": round(tls / plain, 2)}
    out = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench/results")
    out.mkdir(parents=True, exist_ok=True)
    (out / "notify-latency.json").write_text(json.dumps(report, indent=2) + "\n")
    table = "\n".join(f"| {name} | {row['count']} | {row['p50_ms']} | {row['p99_ms']} | {row['max_ms']} |" for name, row in rows.items())
    (out / "notify-latency.md").write_text(
        f"# Notification latency (release, SQLite + disk, {COUNT} sequential deliveries a pass, 500x375 JPEG)\n\n"
        f"{report['machine']['platform']}, {report['machine']['cpus']} CPUs\n\n"
        "| measure (mail) | count | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|\n" + table + "\n\n"
        f"Email p50 with STARTTLS + AUTH ÷ unencrypted: {report['email_p50_ratio_starttls_to_plain']}\n")
    print((out / "notify-latency.md").read_text())
    missing = [(mail, name) for mail, measured in passes.items() for name in ("201_to_email", "201_to_webhook") if len(measured[name]) < COUNT]
    if missing:
        print(f"missing notifications: {missing}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
