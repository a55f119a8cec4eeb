"""What the integrator-facing API additions cost (release, SQLite + disk), each against its
baseline in the same run: a day's manifest as one batch vs the same number of single creations;
a conditional read answered 304 vs the full read; a filtered list page vs the unfiltered one.
Writes results/api-costs.{md,json}. A measurement for issue 17, not a pass/fail test."""
import json
import os
import statistics
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "e2e"))
sys.path.insert(0, str(ROOT / "bench"))
from serving import demo as make_demo, publish, serving  # noqa: E402

MANIFEST = int(os.environ.get("MANIFEST", "500"))
READS = int(os.environ.get("API_READS", "300"))


def call(base, key, path, method="GET", body=None, headers=None):
    request = urllib.request.Request(base + path, data=body, method=method,
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def item(reference, courier_id):
    return {"order_reference": reference, "address": "1 Main St", "latitude": 48.85, "longitude": 2.35, "courier_id": courier_id,
            "recipient": {"name": "Bench", "email": "bench@example.com", "language": "en"}}


def timed(work, rounds):
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main():
    with serving("--outbox-worker=false", prefix="doorstep-api-costs-") as (base, data, _):
        demo = make_demo(data, base, 1)
        key = demo["api_key"]
        courier_id = json.loads(call(base, key, f"/api/v1/deliveries/{demo['deliveries'][0]['id']}")[2])["courier_id"]

        started = time.perf_counter()
        for _ in range(MANIFEST):
            status, _, raw = call(base, key, "/api/v1/deliveries", "POST", json.dumps(item(f"S-{uuid.uuid4()}", courier_id)).encode())
            assert status == 201, raw
        singles_s = time.perf_counter() - started

        manifest = json.dumps({"deliveries": [item(f"B-{uuid.uuid4()}", courier_id) for _ in range(MANIFEST)]}).encode()
        started = time.perf_counter()
        status, _, raw = call(base, key, "/api/v1/deliveries/batch", "POST", manifest)
        batch_s = time.perf_counter() - started
        assert status == 201, raw[:300]

        delivery_id = json.loads(raw)["items"][0]["id"]
        status, headers, body = call(base, key, f"/api/v1/deliveries/{delivery_id}")
        tag = headers["ETag"]
        full_ms = timed(lambda: call(base, key, f"/api/v1/deliveries/{delivery_id}"), READS)
        assert call(base, key, f"/api/v1/deliveries/{delivery_id}", headers={"If-None-Match": tag})[0] == 304
        revalidated_ms = timed(lambda: call(base, key, f"/api/v1/deliveries/{delivery_id}", headers={"If-None-Match": tag}), READS)

        page_ms = timed(lambda: call(base, key, "/api/v1/deliveries?limit=50"), READS // 3)
        filtered_ms = timed(lambda: call(base, key, f"/api/v1/deliveries?limit=50&courier_id={courier_id}&state=created"), READS // 3)

    publish("api-costs", "API additions: batch, ETag, filters (release, SQLite + disk)", {
        "manifest_deliveries": MANIFEST,
        "singles_ms_per_delivery": round(singles_s * 1000 / MANIFEST, 2),
        "batch_ms_per_delivery": round(batch_s * 1000 / MANIFEST, 2),
        "batch_speedup_vs_singles": round(singles_s / batch_s, 1),
        "delivery_read_ms_p50": round(full_ms, 2), "delivery_read_bytes": len(body),
        "delivery_304_ms_p50": round(revalidated_ms, 2), "delivery_304_bytes": 0,
        "read_304_to_200_time_ratio": round(revalidated_ms / full_ms, 2),
        "list_page_50_ms_p50": round(page_ms, 2), "list_page_50_filtered_ms_p50": round(filtered_ms, 2),
        "filtered_to_unfiltered_ratio": round(filtered_ms / page_ms, 2),
    })


if __name__ == "__main__":
    sys.exit(main())
