"""What the benchmark scripts share: a release `doorstep serve` on a fresh data folder, ready, with
demo data, stopped at the end."""
import contextlib
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from conftest import free_port  # e2e/conftest.py, put on sys.path by the caller

BIN = Path(__file__).resolve().parent.parent / ".build/release/doorstep"


@contextlib.contextmanager
def serving(*extra, prefix="doorstep-bench-", env=None, keep_data=False, rate_limits="off"):
    """Yields (base URL, data folder, server process) of a running server; stops it and, unless
    `keep_data` (then the caller removes it), removes the data folder (hundreds of MB of photos after
    a load run) on exit. Rate limits are off unless asked (`--rate-limits`): one demo courier and
    one address stand for a whole fleet here, which the limits would rightly refuse."""
    data, port = tempfile.mkdtemp(prefix=prefix), free_port()
    server = subprocess.Popen([str(BIN), "serve", "--data", data, "--port", str(port), "--log-level", "warning",
                               "--rate-limits", rate_limits, *extra], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if server.poll() is not None:
                raise RuntimeError(f"doorstep serve exited with status {server.returncode} before it was ready")
            try:
                urllib.request.urlopen(base + "/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("doorstep serve did not become ready within 10 s")
        yield base, data, server
    finally:
        server.terminate()
        server.wait()
        if not keep_data:
            shutil.rmtree(data, ignore_errors=True)


def demo(data, base, count, env=None):
    """A demo tenant, courier and `count` deliveries: {"api_key", "courier_token", "deliveries": [...]}."""
    return json.loads(subprocess.run([str(BIN), "demo", "--data", data, "--base-url", base, "--json", "--count", str(count)],
                                     capture_output=True, text=True, check=True, env=env).stdout)


def publish(name, title, report):
    """Writes results/NAME.json and a NAME.md table (into $BENCH_RESULTS, else bench/results) and
    prints the table: every benchmark reports the same way."""
    import os
    import platform
    root = Path(__file__).resolve().parent.parent
    report = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count()}, **report}
    results = Path(os.environ.get("BENCH_RESULTS") or root / "bench/results")
    results.mkdir(parents=True, exist_ok=True)
    (results / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    (results / f"{name}.md").write_text(
        f"# {title}\n\n{report['machine']['platform']}, {report['machine']['cpus']} CPUs\n\n"
        "| measure | value |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in report.items() if k != "machine") + "\n")
    print((results / f"{name}.md").read_text())
