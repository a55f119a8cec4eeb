"""Concurrent uploads through the real server (release, SQLite + disk), in one run with the image
pipeline alone as its baseline: throughput with 16 uploaders (and its ratio to the pipeline alone on
all cores), latency at 70 % of that peak (open-loop arrivals), and peak memory with 64 uploads at
once, half of them slow clients trickling their bodies. Photos: the benchmark set of ../shared/photos
when present (10 phone JPEGs, 8-16 MP), else the fixtures. Writes results/load.{md,json}.
Repeated LOAD_ROUNDS times (3); medians and spread. A measurement for issue 7, not a pass/fail test."""
import http.client
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "e2e"))
sys.path.insert(0, str(ROOT / "bench"))
from serving import demo as make_demo, serving  # noqa: E402

PIPELINE = ROOT / ".build/release/doorstep-pipeline-bench"
SET = ["r01_sunset_4272x2848.jpg", "r02_dragonfly_4224x3168.jpg", "r03_bridge_4352x2448.jpg", "r04_wine_2560x3837_portrait.jpg",
       "r05_picosdeeuropa_3264x2448.jpg", "r06_seeding_5312x2988.jpg", "r07_elephants_3840x2160_sonyRX100_q100.jpg",
       "u01_colorfulcups_UPSCALED_4384x2740_q92_gps.jpg", "x01_wine_stored3837x2560_o6_gps.jpg", "x02_dragonfly_phone_4032x3024_q92_gps.jpg"]
SHARED = ROOT.parent / "shared/photos/corpus"
PHOTOS = [(SHARED / name).read_bytes() for name in SET] if (SHARED / SET[0]).exists() else \
    [(ROOT / "Tests/Fixtures/photos/x01_wine_stored3837x2560_o6_gps.jpg").read_bytes()]
if not (SHARED / SET[0]).exists():
    print("load: ../shared/photos is absent: one fixture photo stands in for the 10-photo benchmark set", file=sys.stderr)
UPLOADS = int(os.environ.get("UPLOADS", "96"))
PACED = int(os.environ.get("PACED", "200"))
ROUNDS = int(os.environ.get("LOAD_ROUNDS", "3"))
SLOW_RATE = 512 * 1024  # bytes per second of a slow client (a weak mobile uplink)


def children(pid):
    """Live child processes of `pid` (the decoder helpers): /proc/N/stat is "N (name) state ppid …"."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            pass
    return found


def peak_rss_mb(pid):
    """Peak resident memory of the server plus that of each live decoder helper (an upper bound of
    the sum's peak: the peaks need not coincide)."""
    def peak(process):
        for line in Path(f"/proc/{process}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0
    return peak(pid) + sum(peak(child) for child in children(pid))


def run_wave(items, token, concurrency):
    """Uploads every item with `concurrency` threads; returns per-upload latencies (ms) and wall time."""
    latencies, lock, queue = [], threading.Lock(), list(enumerate(items))

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                index, item = queue.pop()
            body = PHOTOS[index % len(PHOTOS)]
            request = urllib.request.Request(item["upload_url"] + "?placement=porch", data=body, method="POST",
                                             headers={"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"})
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=300) as response:
                response.read()
                assert response.status == 201
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started


def upload(item, token, body, slow=False):
    """One upload; a slow client sends its body in 64 KB pieces at SLOW_RATE."""
    url = urllib.parse.urlsplit(item["upload_url"])
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=300)
    connection.putrequest("POST", url.path + "?placement=porch")
    for name, value in (("Authorization", f"Bearer {token}"), ("Content-Type", "image/jpeg"), ("Content-Length", str(len(body)))):
        connection.putheader(name, value)
    connection.endheaders()
    step = 64 * 1024
    for offset in range(0, len(body), step):
        connection.send(body[offset:offset + step])
        if slow:
            time.sleep(step / SLOW_RATE)
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 201, response.status


def timed_upload(item, token, index):
    started = time.perf_counter()
    upload(item, token, PHOTOS[index % len(PHOTOS)])
    return (time.perf_counter() - started) * 1000


def unloaded(items, token):
    """Each photo's own upload -> 201 with nothing else going on: the median of a few, in ms."""
    times = {}
    for index, item in enumerate(items):
        times.setdefault(index % len(PHOTOS), []).append(timed_upload(item, token, index))
    return {photo: statistics.median(values) for photo, values in times.items()}


def paced(items, token, rate):
    """Open-loop arrivals at `rate` per second (each upload starts on schedule, whatever the
    others are doing); returns (photo index, latency in ms) per upload."""
    latencies, lock, threads = [], threading.Lock(), []

    def one(index, item):
        took = timed_upload(item, token, index)
        with lock:
            latencies.append((index % len(PHOTOS), took))

    start = time.perf_counter()
    for index, item in enumerate(items):
        delay = start + index / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=one, args=(index, item))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    return latencies


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * (len(ordered) - 1) + 0.5))]


def pipeline_alone():
    """The baseline, measured anew in each round: the pipeline alone, in-process, one thread and all cores."""
    files = [str(SHARED / name) for name in SET] if (SHARED / SET[0]).exists() else [str(ROOT / "Tests/Fixtures/photos/x01_wine_stored3837x2560_o6_gps.jpg")]
    return json.loads(subprocess.run([str(PIPELINE), *files], capture_output=True, text=True, check=True).stdout)


def server_metrics(base, data):
    """The server's own /metrics samples (name with labels -> value), read with its token."""
    token = (Path(data) / "keys/metrics.token").read_text()
    request = urllib.request.Request(base + "/metrics", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        lines = response.read().decode().splitlines()
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in lines if line and not line.startswith("#")}


def mean_ms(before, after, name):
    """Mean of a duration histogram's observations between two scrapes, in ms."""
    count = after.get(name + "_count", 0) - before.get(name + "_count", 0)
    return round((after.get(name + "_sum", 0) - before.get(name + "_sum", 0)) / count * 1000, 1) if count else None


def cpu_seconds(pid):
    """User + system CPU time of a process, all its threads, and of its live children: the decoder
    helpers do the image work (helpers live for 500 jobs; a reaped one's time is in the parent's
    cutime/cstime, counted too)."""
    def ticks(process):
        fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return (ticks(pid) + sum(ticks(child) for child in children(pid))) / os.sysconf("SC_CLK_TCK")


def client_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one_round(items, token, alone, server, base, data):
    """The pipeline alone, then 16 uploaders (the peak), then open-loop arrivals at 70 % of that
    peak: every ratio is between measurements of the same round."""
    pipeline = pipeline_alone()
    cpu_before, client_before = cpu_seconds(server.pid), client_cpu_seconds()
    latencies, wall = run_wave(items[:UPLOADS], token, 16)
    server_cpu_ms = (cpu_seconds(server.pid) - cpu_before) * 1000 / len(latencies)
    client_cpu_ms = (client_cpu_seconds() - client_before) * 1000 / len(latencies)
    peak = len(latencies) / wall
    before = server_metrics(base, data)
    paced_latencies = paced(items[UPLOADS:UPLOADS + PACED], token, 0.7 * peak)
    after = server_metrics(base, data)
    paced_ms = [ms for _, ms in paced_latencies]
    # The set's photos differ (a q100 8.7 MB one takes twice the mean alone): each upload is also
    # compared with the same photo's own upload -> 201 with the server otherwise idle.
    slowdowns = [ms / alone[photo] for photo, ms in paced_latencies]
    single_ms = pipeline["single_thread_ms_per_image"]
    return {
        "pipeline_alone_all_cores_images_per_s": pipeline["all_cores_images_per_s"],
        "pipeline_alone_single_image_ms": single_ms,
        "throughput_images_per_s": round(peak, 2),
        "end_to_end_vs_pipeline_alone": round(peak / pipeline["all_cores_images_per_s"], 3),
        # The same pipeline through decoder helper processes, as the server runs it.
        "pipeline_isolated_all_cores_images_per_s": pipeline["isolated_all_cores_images_per_s"],
        "end_to_end_vs_isolated_pipeline": round(peak / pipeline["isolated_all_cores_images_per_s"], 3),
        # Where the difference goes: the server's CPU per upload against the pipeline's per image
        # (both cores busy in both), and how busy the cores were during the wave.
        "server_cpu_ms_per_upload": round(server_cpu_ms, 1),
        "pipeline_cpu_ms_per_image_all_cores": round((os.cpu_count() or 1) * 1000 / pipeline["all_cores_images_per_s"], 1),
        "server_cpu_share_of_cores_during_wave": round(server_cpu_ms * peak / 1000 / (os.cpu_count() or 1), 3),
        # The load generator shares the cores: what it takes is what the server could not have.
        "client_cpu_ms_per_upload": round(client_cpu_ms, 2),
        "latency_p50_ms_16_uploaders": round(statistics.median(latencies), 1),
        "latency_p99_ms_16_uploaders": round(percentile(latencies, 0.99), 1),
        "paced_rate_images_per_s": round(0.7 * peak, 2),
        "latency_p50_ms_at_70pct": round(statistics.median(paced_ms), 1),
        "latency_p99_ms_at_70pct": round(percentile(paced_ms, 0.99), 1),
        "p99_at_70pct_over_single_image": round(percentile(paced_ms, 0.99) / single_ms, 2),
        "p99_at_70pct_over_mean_unloaded_upload": round(percentile(paced_ms, 0.99) / statistics.mean(alone.values()), 2),
        "slowdown_p50_at_70pct": round(statistics.median(slowdowns), 2),
        "slowdown_p99_at_70pct": round(percentile(slowdowns, 0.99), 2),
        # Where an upload's time goes at 70 %, from the server's own metrics: waiting for an image
        # worker, then the pipeline on it (the rest is HTTP, storage and the database).
        "mean_image_queue_wait_ms_at_70pct": mean_ms(before, after, "doorstep_image_queue_wait_seconds"),
        "mean_image_processing_ms_at_70pct": mean_ms(before, after, "doorstep_image_processing_seconds"),
    }


def main():
    per_round = UPLOADS + PACED
    # One courier token stands for 16 phones here: its per-courier upload cap is lifted (said in BENCHMARKS.md).
    # Rate limits off as in every benchmark, unless RATE_LIMITS says otherwise (to measure their cost,
    # e.g. RATE_LIMITS=upload=1000000/1: counted on every upload, never refusing).
    # DECODER_ISOLATION=off measures the server decoding in-process, for the cost of the helpers.
    with serving("--outbox-worker=false", "--uploads-per-courier", "1000",
                 "--decoder-isolation", os.environ.get("DECODER_ISOLATION", "process"), prefix="doorstep-load-",
                 rate_limits=os.environ.get("RATE_LIMITS", "off")) as (base, data, server):
        demo = make_demo(data, base, 4 + 3 * len(PHOTOS) + ROUNDS * per_round + 64)
        items, token = demo["deliveries"], demo["courier_token"]
        run_wave(items[:4], token, 4)  # warm-up
        alone = unloaded(items[4:4 + 3 * len(PHOTOS)], token)
        items = items[4 + 3 * len(PHOTOS):]
        rounds = [one_round(items[r * per_round:(r + 1) * per_round], token, alone, server, base, data) for r in range(ROUNDS)]
        rss_after_rounds = peak_rss_mb(server.pid)
        # 64 at once, every other one a slow client: bodies arrive over seconds while the others decode.
        burst_items = list(enumerate(items[ROUNDS * per_round:ROUNDS * per_round + 64]))
        burst_started = time.perf_counter()
        threads = [threading.Thread(target=upload, args=(item, token, PHOTOS[i % len(PHOTOS)], i % 2 == 1))
                   for i, item in burst_items]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        burst_wall = time.perf_counter() - burst_started
        rss_after_64 = peak_rss_mb(server.pid)
    # Medians over the rounds, each with its spread (lowest–highest).
    summary = {key: round(statistics.median(r[key] for r in rounds), 3) for key in rounds[0]}
    spread = {key: [min(r[key] for r in rounds), max(r[key] for r in rounds)] for key in rounds[0]}
    report = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "photos": len(PHOTOS), "rounds": ROUNDS, "uploads_per_round": UPLOADS, "paced_uploads_per_round": PACED,
        **summary,
        "unloaded_upload_ms_per_photo": {SET[p] if p < len(SET) else str(p): round(ms, 1) for p, ms in sorted(alone.items())},
        "peak_rss_mb_16_uploaders": round(rss_after_rounds, 1),
        "burst_64_uploads_half_slow_s": round(burst_wall, 2), "peak_rss_mb_whole_run": round(rss_after_64, 1),
        "spread": spread, "per_round": rounds,
    }
    out = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench/results")
    out.mkdir(parents=True, exist_ok=True)
    (out / "load.json").write_text(json.dumps(report, indent=2) + "\n")
    rows = "\n".join(f"| {key} | {summary[key]} | {spread[key][0]} – {spread[key][1]} |" for key in summary)
    (out / "load.md").write_text(
        f"# Concurrent uploads (release, SQLite + disk, {len(PHOTOS)} photos of the benchmark set)\n\n"
        f"{report['machine']['platform']}, {report['machine']['cpus']} CPUs; {ROUNDS} rounds, each: the pipeline alone, "
        f"{UPLOADS} uploads by 16 uploaders, {PACED} open-loop uploads at 70 % of that round's peak\n\n"
        "| measure | median of rounds | spread |\n|---|---|---|\n" + rows + "\n\n"
        "| measure | value |\n|---|---|\n"
        + "\n".join(f"| {key} | {report[key]} |" for key in ("unloaded_upload_ms_per_photo", "peak_rss_mb_16_uploaders",
                                                              "burst_64_uploads_half_slow_s", "peak_rss_mb_whole_run")) + "\n")
    print((out / "load.md").read_text())


if __name__ == "__main__":
    sys.exit(main())
