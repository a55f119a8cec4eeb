"""Reads and the sweeper (release, SQLite + disk): customer photo views per second (signed link
checked, data key unwrapped, 1600 px variant decrypted and sent, the view audited) with 16
concurrent readers; and what `doorstep sweep` costs per thousand expired photos.
Writes results/reads.{md,json}. A measurement for issue 7, not a pass/fail test."""
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "e2e"))
sys.path.insert(0, str(ROOT / "bench"))
from serving import BIN, demo as make_demo, publish, serving  # noqa: E402

PHOTO = (ROOT / "Tests/Fixtures/quality/r05_picosdeeuropa.original.jpg").read_bytes()  # 800×600: quick to ingest
PHOTOS = int(os.environ.get("SWEEP_PHOTOS", "1000"))
SECONDS = float(os.environ.get("READ_SECONDS", "10"))


def parallel(items, concurrency, work):
    lock, queue = threading.Lock(), list(items)

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                item = queue.pop()
            work(item)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main():
    # The data folder outlives the server: the sweeper runs on it after, alone.
    # One courier token stands for 8 phones seeding photos: its per-courier upload cap is lifted.
    with serving("--outbox-worker=false", "--uploads-per-courier", "1000", prefix="doorstep-reads-", keep_data=True) as (base, data, _):
        demo = make_demo(data, base, PHOTOS)
        items = demo["deliveries"]

        def upload(item):
            request = urllib.request.Request(item["upload_url"] + "?placement=porch", data=PHOTO, method="POST",
                                             headers={"Authorization": f"Bearer {demo['courier_token']}", "Content-Type": "image/jpeg"})
            with urllib.request.urlopen(request, timeout=300) as response:
                assert response.status == 201

        parallel(items, 8, upload)

        # Views: 16 readers for SECONDS, each GET of a random delivery's display image.
        photo_urls = [item["customer_url"].replace("?", "/photo/display?", 1) for item in items[:200]]
        latencies, lock, deadline = [], threading.Lock(), time.perf_counter() + SECONDS

        def reader(offset):
            i = offset
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                with urllib.request.urlopen(photo_urls[i % len(photo_urls)], timeout=60) as response:
                    response.read()
                    assert response.status == 200
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)
                i += 7

        started = time.perf_counter()
        threads = [threading.Thread(target=reader, args=(n,)) for n in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        read_wall = time.perf_counter() - started

    # The sweeper, alone, on all of them expired (as of 100 days from now).
    as_of = (datetime.now(timezone.utc) + timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    started = time.perf_counter()
    out = subprocess.run([str(BIN), "sweep", "--data", data, "--as-of", as_of, "--log-level", "warning"],
                         capture_output=True, text=True, check=True).stdout
    sweep_s = time.perf_counter() - started
    remaining = sum(1 for p in Path(data, "blobs").rglob("*") if p.is_file())
    shutil.rmtree(data, ignore_errors=True)

    ordered = sorted(latencies)
    publish("reads", "Reads and the sweeper (release, SQLite + disk)", {
        "photo_views_per_s_16_readers": round(len(latencies) / read_wall, 1),
        "view_latency_p50_ms": round(statistics.median(ordered), 1),
        "view_latency_p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1),
        "expired_photos_swept": PHOTOS, "sweep_seconds_total": round(sweep_s, 2),
        "sweep_ms_per_1000_photos": round(sweep_s * 1000 / PHOTOS * 1000, 0),
        "blobs_left_after_sweep": remaining, "sweep_output": out.strip()[-200:],
    })


if __name__ == "__main__":
    sys.exit(main())
