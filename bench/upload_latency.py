"""Upload -> 201 latency through the real server (release build, SQLite + disk), one client.

Measures a 12 MP phone JPEG against a baseline in the same run: a 500x375 JPEG through the same
path, i.e. the cost of HTTP, auth, blob writes and the commit without the large decode. Rounds
interleave the two so drift affects both alike. Writes results/upload-latency.{md,json}."""
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "e2e"))
sys.path.insert(0, str(ROOT / "bench"))
from serving import BIN, demo as make_demo, serving  # noqa: E402

SHARED = ROOT.parent / "shared/photos/corpus"
ROUNDS = int(os.environ.get("ROUNDS", "30"))
# "embedded" (SQLite + disk) or "postgres+s3" (the services bench/run starts, durable settings).
BACKEND = os.environ.get("BACKEND", "embedded")

big_path = SHARED / "x02_dragonfly_phone_4032x3024_q92_gps.jpg"
if not big_path.exists():
    print("upload_latency: ../shared/photos is absent: the 12 MP photo is replaced by a fixture", file=sys.stderr)
    big_path = ROOT / "Tests/Fixtures/photos/x01_wine_stored3837x2560_o6_gps.jpg"
small_path = ROOT / "Tests/Fixtures/photos/r17_nikonD2H_500x375_gps.jpg"


def upload(url, token, body):
    request = urllib.request.Request(url + "?placement=front_door&lat=48.1&lon=11.5", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
        assert response.status == 201
    return (time.perf_counter() - started) * 1000


def backend_environment():
    """The server's environment: as is for the embedded default, else a fresh database and bucket prefix."""
    env = dict(os.environ)
    if BACKEND == "postgres+s3":
        admin = os.environ["DOORSTEP_TEST_POSTGRES"]
        name = "doorstep_bench_" + os.urandom(4).hex()
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
        env.update(DOORSTEP_DATABASE=admin.rsplit("/", 1)[0] + "/" + name,
                   DOORSTEP_BLOBS=f"s3://{os.environ['DOORSTEP_TEST_S3_BUCKET']}?endpoint={os.environ['DOORSTEP_TEST_S3_ENDPOINT']}&prefix={name}/",
                   AWS_ACCESS_KEY_ID=os.environ["DOORSTEP_TEST_S3_KEY"], AWS_SECRET_ACCESS_KEY=os.environ["DOORSTEP_TEST_S3_SECRET"])
        # A server only checks a PostgreSQL schema (scaled-out servers are upgraded once, by `migrate`).
        with tempfile.TemporaryDirectory(prefix="doorstep-migrate-") as keys:
            subprocess.run([str(BIN), "migrate", "--data", keys], check=True, env=env, capture_output=True)
    return env


def main():
    env = backend_environment()
    big, small = big_path.read_bytes(), small_path.read_bytes()
    # The outbox worker is off: this measures the upload path alone (notify_latency.py measures the rest).
    with serving("--outbox-worker=false", env=env) as (base, data, _):
        demo = make_demo(data, base, 2 * ROUNDS + 2, env=env)
        urls = [d["upload_url"] for d in demo["deliveries"]]
        upload(urls.pop(), demo["courier_token"], big)  # warm-up
        upload(urls.pop(), demo["courier_token"], small)
        results = {"12mp": [], "baseline": []}
        for _ in range(ROUNDS):
            results["12mp"].append(upload(urls.pop(), demo["courier_token"], big))
            results["baseline"].append(upload(urls.pop(), demo["courier_token"], small))

    def summary(values):
        ordered = sorted(values)
        return {"median_ms": round(statistics.median(ordered), 1), "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
                "min_ms": round(ordered[0], 1), "max_ms": round(ordered[-1], 1)}

    report = {
        "backend": BACKEND,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "rounds": ROUNDS,
        "photo": {"name": big_path.name, "bytes": len(big)},
        "baseline_photo": {"name": small_path.name, "bytes": len(small)},
        "upload_12mp": summary(results["12mp"]),
        "upload_baseline": summary(results["baseline"]),
    }
    report["ratio_median"] = round(report["upload_12mp"]["median_ms"] / report["upload_baseline"]["median_ms"], 2)
    out = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench/results")
    out.mkdir(parents=True, exist_ok=True)
    stem = "upload-latency" if BACKEND == "embedded" else "upload-latency-postgres-s3"
    (out / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    rows = "\n".join(f"| {label} | {report[key]['median_ms']} | {report[key]['p90_ms']} | {report[key]['min_ms']} | {report[key]['max_ms']} |"
                     for label, key in [(f"{big_path.name} ({len(big)} B)", "upload_12mp"),
                                        (f"baseline {small_path.name} ({len(small)} B)", "upload_baseline")])
    label = "SQLite + disk" if BACKEND == "embedded" else "PostgreSQL 15 + S3 (SeaweedFS), both on loopback, durable settings"
    (out / f"{stem}.md").write_text(
        f"# Upload -> 201 latency (release, {label}, 1 client, {ROUNDS} interleaved rounds)\n\n"
        f"{report['machine']['platform']}, {report['machine']['cpus']} CPUs\n\n"
        "| upload | median ms | p90 ms | min ms | max ms |\n|---|---|---|---|---|\n" + rows +
        f"\n\n12 MP / baseline median ratio: {report['ratio_median']}\n")
    print((out / f"{stem}.md").read_text())


if __name__ == "__main__":
    sys.exit(main())
