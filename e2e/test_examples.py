"""The client examples an integrator copies (examples/python, examples/node), run as they would run
them, against a real server: the example registers its webhook receiver, creates a delivery and
waits; this test, as the courier, uploads the photo; the example must get the signed webhook,
check the signed receipt and print `OK <delivery id>`. A forged webhook sent to it meanwhile must
be refused."""
import importlib.util
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import PASSWORD, ROOT, free_port, request, run

PHOTO = ROOT / "Tests/Fixtures/quality/r01_sunset.original.jpg"
PYTHON_EXAMPLE = ROOT / "examples/python/doorstep_example.py"
NODE_EXAMPLE = ROOT / "examples/node/doorstep-example.mjs"
STEP_TIMEOUT = 60  # seconds for the example to reach a step; it is killed past it


def node_skip_reason():
    node = shutil.which("node")
    if node is None:
        return "node is not on PATH"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    major = re.match(r"v(\d+)\.", version)
    return None if major and int(major[1]) >= 20 else f"the Node example needs Node 20 or later, found {version or 'no version'}"


NO_NODE = node_skip_reason()


class Example:
    """An example running as a subprocess; its output read line by line without ever blocking the test."""

    def __init__(self, command, env):
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        env={**os.environ, **env})
        self.lines, self.stdout, self.stderr = queue.Queue(), [], []
        threading.Thread(target=self._read, args=(self.process.stdout, self.lines), daemon=True).start()
        self.stderr_thread = threading.Thread(target=lambda: self.stderr.extend(self.process.stderr), daemon=True)
        self.stderr_thread.start()

    @staticmethod
    def _read(stream, lines):
        for line in stream:
            lines.put(line.rstrip("\n"))
        lines.put(None)  # end of output

    def output(self):
        return "stdout:\n" + "\n".join(self.stdout) + "\nstderr:\n" + "".join(self.stderr)

    def expect(self, pattern, timeout=STEP_TIMEOUT):
        """The match of the first line (from here on) that matches `pattern`."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"the example printed no line matching {pattern!r} within {timeout} s\n{self.output()}")
            if line is None:
                self.process.wait(timeout=10)
                self.stderr_thread.join(timeout=5)
                pytest.fail(f"the example ended (exit {self.process.returncode}) before {pattern!r}\n{self.output()}")
            self.stdout.append(line)
            if match := re.search(pattern, line):
                return match

    def finish(self, timeout=STEP_TIMEOUT):
        """Waits for the exit; returns the exit code and the lines not read yet."""
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"the example did not exit within {timeout} s\n{self.output()}")
        while (line := self.lines.get(timeout=10)) is not None:
            self.stdout.append(line)
        self.stderr_thread.join(timeout=5)
        return code

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def forged_webhook(port, delivery_id):
    """A `delivery.delivered` for the example's delivery that Doorstep did not sign: the status it gets."""
    body = json.dumps({"type": "delivery.delivered", "timestamp": "2025-01-01T00:00:00Z",
                       "data": {"event_id": delivery_id, "delivery_id": delivery_id, "state": "delivered"}, "links": {}}).encode()
    headers = {"Content-Type": "application/json", "webhook-id": "forged-1", "webhook-timestamp": str(int(time.time())),
               "webhook-signature": "v1,bm90IHRoZSBzaWduYXR1cmUgb2YgdGhpcyBib2R5IGF0IGFsbCE="}
    try:
        with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/doorstep", body, headers), timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def run_example(server, name, command, username):
    """Tenant and courier from the CLI, the example against them, the courier's upload; returns
    the example's stdout lines."""
    base, data = server["base"], str(server["data"])
    created = run("tenant", "create", "--data", data, "--name", "Example shop")
    tenant_id = re.search(r"tenant id: (\S+)", created).group(1)
    api_key = re.search(r"API key:\s+(dsk_\S+)", created).group(1)
    out = run("courier", "create", "--data", data, "--tenant", tenant_id, "--username", username, "--name", "Sam",
              env={"DOORSTEP_COURIER_PASSWORD": PASSWORD})
    courier_id = re.search(r"courier id: (\S+)", out).group(1)

    webhook_port = free_port()
    example = Example(command, {"DOORSTEP_URL": base, "DOORSTEP_API_KEY": api_key, "DOORSTEP_COURIER_ID": courier_id,
                                "WEBHOOK_PORT": str(webhook_port), "WEBHOOK_HOST": "127.0.0.1",
                                "WAIT_SECONDS": str(STEP_TIMEOUT - 15), "PYTHONUNBUFFERED": "1"})
    try:
        delivery_id = example.expect(r"^delivery (\S+) created")[1]
        assert example.expect(r"^customer page: (\S+)")[1].startswith(f"{base}/d/{delivery_id}?")
        example.expect(rf"^waiting up to \d+ s for delivery\.delivered of {re.escape(delivery_id)}$")

        # Anyone can reach a webhook receiver: one that trusts an unsigned body can be told lies.
        assert forged_webhook(webhook_port, delivery_id) == 400

        # The courier signs in and photographs the parcel at the door.
        status, _, raw = request(base + "/api/v1/courier/login", "POST",
                                 json.dumps({"username": username, "password": PASSWORD}).encode(), {"Content-Type": "application/json"})
        assert status == 200, raw
        token = json.loads(raw)["token"]
        started = time.monotonic()
        status, _, raw = request(f"{base}/api/v1/courier/deliveries/{delivery_id}/photo?placement=porch&lat=48.8566&lon=2.3522",
                                 "POST", PHOTO.read_bytes(),
                                 {"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg", "Idempotency-Key": f"example-{delivery_id}"})
        assert status == 201, raw
        uploaded = json.loads(raw)

        code = example.finish()
        assert code == 0, example.output()
        print(f"\n{name} example: from the upload to its OK in {time.monotonic() - started:.2f} s")
        lines = example.stdout
        assert lines[-1] == f"OK {delivery_id}", example.output()
        assert f"webhook: delivery.delivered placement=porch photo={uploaded['photo']['id']}" in lines, example.output()
        assert any(line.startswith("receipt: delivered ") and f"sha256={uploaded['photo']['sha256']}" in line
                   and "location=at-address" in line for line in lines), example.output()
        assert "rejected a webhook: no matching signature" in "".join(example.stderr)
    finally:
        example.kill()

    # It cleaned up after itself: its webhook endpoint is gone.
    status, _, raw = request(base + "/api/v1/webhooks", headers={"Authorization": f"Bearer {api_key}"})
    assert status == 200 and json.loads(raw)["items"] == []
    return lines


def test_the_python_example_runs_end_to_end(server):
    lines = run_example(server, "Python", [sys.executable, str(PYTHON_EXAMPLE)], "python-example-courier")
    # Python's standard library has no Ed25519: the example checks the receipt's signature with
    # `cryptography` when it is importable, and says plainly that it did not otherwise.
    if importlib.util.find_spec("cryptography") is not None:
        assert any(line.startswith("receipt signature valid (key ed25519-") for line in lines), lines
    else:
        assert any("receipt signature NOT checked" in line for line in lines), lines


@pytest.mark.skipif(NO_NODE is not None, reason=NO_NODE or "")
def test_the_node_example_runs_end_to_end(server):
    lines = run_example(server, "Node", [shutil.which("node"), str(NODE_EXAMPLE)], "node-example-courier")
    assert any(line.startswith("receipt signature valid (key ed25519-") for line in lines), lines
