"""Peak server memory with many uploads in flight, with the upload memory budget and without it, in
one run: for each burst size (64 and 256), that many uploads at once of the benchmark set's largest
photo (8.7 MB, q100), every other client slow (512 KB/s, a weak mobile uplink), against a fresh
release server (SQLite + disk), whose VmHWM is then that burst's peak. The baseline is the same
burst with the budget set so high it never binds (memory as it was before the budget). An upload
answered 503 retries after its Retry-After, as the courier app does. Writes
results/upload-memory.{md,json}."""
import http.client
import json
import os
import platform
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "e2e"))
sys.path.insert(0, str(ROOT / "bench"))
from serving import demo as make_demo, serving  # noqa: E402

LARGEST = ROOT.parent / "shared/photos/corpus/r07_elephants_3840x2160_sonyRX100_q100.jpg"
PHOTO = (LARGEST if LARGEST.exists() else ROOT / "Tests/Fixtures/photos/x01_wine_stored3837x2560_o6_gps.jpg").read_bytes()
BURSTS = [int(n) for n in os.environ.get("MEMORY_BURSTS", "64 256").split()]
BUDGET_MB = int(os.environ.get("UPLOAD_MEMORY_MB", "256"))  # the setting's default
UNBOUNDED = 1 << 34  # the setting's maximum: never binds here
SLOW_RATE = 512 * 1024


def peak_rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


LOCK = threading.Lock()


def upload(item, token, slow, outcome):
    """One upload to its end: 201, or 503 (or a connection the server closed on a refused body)
    then again after Retry-After. Counts the 503s."""
    url = urllib.parse.urlsplit(item["upload_url"])
    while True:
        try:
            status, retry_after = attempt(url, item, token, slow)
        except OSError:
            status, retry_after = 503, None
        if status == 503:
            with LOCK:
                outcome["refused"] += 1
            time.sleep(float(retry_after or 5))
            continue
        with LOCK:
            outcome["status"][status] = outcome["status"].get(status, 0) + 1
        return


def attempt(url, item, token, slow):
    """One try: the status and Retry-After of the answer."""
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
    connection.putrequest("POST", url.path + "?placement=porch")
    for name, value in (("Authorization", f"Bearer {token}"), ("Content-Type", "image/jpeg"), ("Content-Length", str(len(PHOTO))),
                        ("Idempotency-Key", item["id"])):
        connection.putheader(name, value)
    connection.endheaders()
    try:
        step = 64 * 1024
        for offset in range(0, len(PHOTO), step):
            connection.send(PHOTO[offset:offset + step])
            if slow:
                time.sleep(step / SLOW_RATE)
    except OSError:
        pass  # refused mid-body: the answer says why
    try:
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Retry-After")
    finally:
        connection.close()


def burst(size, budget_bytes):
    # One courier token stands for every phone of the burst: its per-courier cap is lifted.
    with serving("--outbox-worker=false", "--upload-memory", str(budget_bytes), "--uploads-per-courier", "10000",
                 prefix="doorstep-memory-") as (base, data, server):
        demo = make_demo(data, base, size)
        baseline_rss = peak_rss_mb(server.pid)
        outcome = {"refused": 0, "status": {}}
        started = time.perf_counter()
        threads = [threading.Thread(target=upload, args=(item, demo["courier_token"], i % 2 == 1, outcome))
                   for i, item in enumerate(demo["deliveries"])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return {"uploads": size, "stored": outcome["status"].get(201, 0), "answered_503_then_retried": outcome["refused"],
                "wall_s": round(time.perf_counter() - started, 1), "rss_mb_idle": round(baseline_rss, 1),
                "peak_rss_mb": round(peak_rss_mb(server.pid), 1)}


def main():
    rows = {}
    for size in BURSTS:
        rows[f"{size} at once, no budget (baseline)"] = burst(size, UNBOUNDED)
        rows[f"{size} at once, budget {BUDGET_MB} MB"] = burst(size, BUDGET_MB << 20)
    report = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count()}, "photo_bytes": len(PHOTO), "budget_mb": BUDGET_MB,
              "bursts": rows,
              "peak_rss_ratio_budget_to_baseline": {size: round(rows[f"{size} at once, budget {BUDGET_MB} MB"]["peak_rss_mb"]
                                                              / rows[f"{size} at once, no budget (baseline)"]["peak_rss_mb"], 2)
                                                    for size in BURSTS}}
    out = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench/results")
    out.mkdir(parents=True, exist_ok=True)
    (out / "upload-memory.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "upload-memory.md").write_text(
        f"# Peak memory with uploads in flight (release, SQLite + disk, {len(PHOTO) / 1e6:.1f} MB photo, every other client at 512 KB/s)\n\n"
        f"{report['machine']['platform']}, {report['machine']['cpus']} CPUs\n\n"
        "| burst | uploads | stored | 503 then retried | wall s | idle RSS MB | peak RSS MB |\n|---|---|---|---|---|---|---|\n"
        + "\n".join(f"| {name} | {r['uploads']} | {r['stored']} | {r['answered_503_then_retried']} | {r['wall_s']} | {r['rss_mb_idle']} | {r['peak_rss_mb']} |"
                    for name, r in rows.items())
        + f"\n\nPeak RSS with the budget ÷ without: {report['peak_rss_ratio_budget_to_baseline']}\n")
    print((out / "upload-memory.md").read_text())
    lost = [name for name, r in rows.items() if r["stored"] != r["uploads"]]
    if lost:
        print(f"uploads not stored: {lost}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
