"""Upload-201 -> email accepted by SMTP, and -> webhook received, over a few hundred deliveries.

Release build, SQLite + disk, a real SMTP sink (aiosmtpd) and a real HTTP receiver on loopback.
Uploads are sequential, of a small JPEG, so what is measured is the notification path (outbox
commit, worker wake-up, SMTP conversation / signed POST), not image processing. Baseline in the
same run: the upload -> 201 time itself. Writes results/notify-latency.{md,json}."""
import json
import os
import platform
import statistics
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "e2e"))
sys.path.insert(0, str(ROOT / "bench"))
from conftest import free_port  # noqa: E402
from serving import demo as make_demo, serving  # noqa: E402

COUNT = int(os.environ.get("COUNT", "300"))
PHOTO = (ROOT / "Tests/Fixtures/photos/r17_nikonD2H_500x375_gps.jpg").read_bytes()
mail_at, hook_at = {}, {}


class Sink:
    async def handle_DATA(self, server, session, envelope):
        mail_at[envelope.rcpt_tos[0]] = time.monotonic()
        return "250 OK"


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


def main():
    smtp = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    receiver = ThreadingHTTPServer(("127.0.0.1", free_port()), Hook)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        with serving("--smtp", f"smtp://127.0.0.1:{smtp.port}?tls=off", "--webhook-allow-private", prefix="doorstep-notify-") as (base, data, _):
            demo = make_demo(data, base, COUNT)
            hook = urllib.request.Request(base + "/api/v1/webhooks", data=json.dumps({"url": f"http://127.0.0.1:{receiver.server_address[1]}/",
                                          "event_types": ["delivery.delivered"]}).encode(), method="POST",
                                          headers={"Authorization": f"Bearer {demo['api_key']}", "Content-Type": "application/json"})
            urllib.request.urlopen(hook).read()
            created = {}
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
    mail = [(mail_at[address] - done) * 1000 for address, _, done in created.values() if address in mail_at]
    hooks = [(hook_at[delivery] - done) * 1000 for delivery, (_, _, done) in created.items() if delivery in hook_at]
    rows = {name: {"count": len(v), "p50_ms": round(statistics.median(v), 1), "p99_ms": round(percentile(v, 99), 1),
                   "max_ms": round(max(v), 1)} for name, v in [("upload_to_201", upload), ("201_to_email", mail), ("201_to_webhook", hooks)]}
    report = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count()}, "deliveries": COUNT, **rows}
    out = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench/results")
    out.mkdir(parents=True, exist_ok=True)
    (out / "notify-latency.json").write_text(json.dumps(report, indent=2) + "\n")
    table = "\n".join(f"| {name} | {row['count']} | {row['p50_ms']} | {row['p99_ms']} | {row['max_ms']} |" for name, row in rows.items())
    (out / "notify-latency.md").write_text(
        f"# Notification latency (release, SQLite + disk, {COUNT} sequential deliveries, 500x375 JPEG)\n\n"
        f"{report['machine']['platform']}, {report['machine']['cpus']} CPUs\n\n"
        "| measure | count | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|\n" + table + "\n")
    print((out / "notify-latency.md").read_text())
    if len(mail) < COUNT or len(hooks) < COUNT:
        print(f"missing: {COUNT - len(mail)} emails, {COUNT - len(hooks)} webhooks", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
