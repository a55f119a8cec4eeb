"""What a hostile tenant or stranger tries against a running server, on loopback: webhooks aimed
inside the network, a URL long enough to crash an HTTP client, redirects, half-open requests,
oversized JSON bodies. Each must get a clear answer and leave the server serving others."""
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import free_port, request, run, wait_for


class Inside(ThreadingHTTPServer):
    """A service inside the network that a webhook must never reach; /moved redirects to /secret."""

    def __init__(self):
        self.hits = []
        super().__init__(("127.0.0.1", free_port()), InsideHandler)


class InsideHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.hits.append(self.path)
        if self.path == "/moved":
            self.send_response(307)
            self.send_header("Location", "/secret")
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture()
def inside():
    server = Inside()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def api(base, key, path, method="GET", body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    status, headers, payload = request(base + path, method, data, {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    return status, headers, (json.loads(payload) if payload else None)


def tenant(server):
    return json.loads(run("demo", "--data", str(server["data"]), "--base-url", server["base"], "--json", "--count", "1"))["api_key"]


def test_webhooks_cannot_be_aimed_inside_the_network(tmp_path, servers, inside):
    server = servers(tmp_path / "data", tmp_path / "server.log", private_webhooks=False)
    base, key = server["base"], tenant(server)
    port = inside.server_address[1]
    # Address literals inside are refused when saved, in every spelling the URL parser keeps.
    for url in [f"http://127.0.0.1:{port}/x", f"http://[::1]:{port}/x", "http://169.254.169.254/latest/meta-data",
                "http://10.0.0.8/x", "http://192.168.1.1/x", f"http://0.0.0.0:{port}/x", "http://[::ffff:127.0.0.1]/x",
                f"http://localhost:{port}/x", "http://printer.local/x"]:
        status, headers, problem = api(base, key, "/api/v1/webhooks", "POST", {"url": url})
        assert status == 422 and problem["field"] == "url", (url, status, problem)
        assert headers["Content-Type"].startswith("application/problem+json")
    # A name (or a numeric form) that resolves inside is saved, but nothing is ever sent there.
    for url in [f"http://2130706433:{port}/x"]:
        status, _, hook = api(base, key, "/api/v1/webhooks", "POST", {"url": url})
        assert status == 201, (url, hook)
        status, _, result = api(base, key, f"/api/v1/webhooks/{hook['id']}/test", "POST")
        assert status == 200 and result["ok"] is False and "private" in result["result"], result
    assert inside.hits == []


def test_a_huge_webhook_url_is_refused_and_the_server_stays_up(tmp_path, servers):
    server = servers(tmp_path / "data", tmp_path / "server.log")
    base, key = server["base"], tenant(server)
    status, _, problem = api(base, key, "/api/v1/webhooks", "POST", {"url": "http://example.com/" + "a" * 900_000})
    assert status in (413, 422), (status, problem)
    status, _, problem = api(base, key, "/api/v1/webhooks", "POST", {"url": "http://example.com/" + "a" * 3000})
    assert status == 422 and problem["field"] == "url"
    assert request(base + "/healthz")[0] == 200 and server["process"].poll() is None


def test_webhook_redirects_are_not_followed(tmp_path, servers, inside):
    server = servers(tmp_path / "data", tmp_path / "server.log")  # receivers on loopback allowed here
    base, key = server["base"], tenant(server)
    status, _, hook = api(base, key, "/api/v1/webhooks", "POST", {"url": f"http://127.0.0.1:{inside.server_address[1]}/moved"})
    assert status == 201
    status, _, result = api(base, key, f"/api/v1/webhooks/{hook['id']}/test", "POST")
    assert result == {"ok": False, "result": "HTTP 307"}
    assert inside.hits == ["/moved"]  # never /secret


def test_oversized_json_bodies_get_413_not_500(tmp_path, servers):
    server = servers(tmp_path / "data", tmp_path / "server.log")
    base, key = server["base"], tenant(server)
    status, headers, problem = api(base, key, "/api/v1/deliveries", "POST", raw=b'{"x":"' + b"a" * (2 << 20) + b'"}')
    assert status == 413 and headers["Content-Type"].startswith("application/problem+json"), (status, problem)
    assert "critical" not in (tmp_path / "server.log").read_text()


def test_half_open_requests_are_closed_and_the_server_keeps_answering(tmp_path, servers):
    server = servers(tmp_path / "data", tmp_path / "server.log", "--idle-timeout", "1")
    port = server["port"]
    # Slowloris: many connections that send half a request head and then nothing.
    sockets = []
    for _ in range(50):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        sockets.append(s)
    assert request(server["base"] + "/healthz")[0] == 200  # others are served meanwhile
    time.sleep(2.5)
    closed = 0
    for s in sockets:
        s.settimeout(2)
        try:
            closed += s.recv(1) == b""  # the server closed it
        except ConnectionResetError:
            closed += 1
        except TimeoutError:
            pass  # still open: counted as a failure below
        finally:
            s.close()
    assert closed == len(sockets)
    assert request(server["base"] + "/healthz")[0] == 200


class Trickle(threading.Thread):
    """A webhook receiver that answers a byte every second, as a slow or hostile receiver would:
    each send to it lasts until the server's deadline for one attempt."""

    def __init__(self):
        super().__init__(daemon=True)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0

    def run(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.trickle, args=(conn,), daemon=True).start()

    @staticmethod
    def trickle(conn):
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 60\r\n\r\n")
            for _ in range(60):
                time.sleep(1)
                conn.sendall(b".")
        except OSError:
            pass
        finally:
            conn.close()


def test_a_tenants_slow_receiver_does_not_hold_up_other_tenants(tmp_path, servers, inside):
    """Issue 15, item 3: a receiver that drips its answer held another tenant's webhook for 73 s.
    Now one tenant holds at most `--webhook-sends-per-tenant` of the outbox's slots, and a slot is
    filled again the moment it frees, not when a whole batch is done."""
    server = servers(tmp_path / "data", tmp_path / "server.log")
    base = server["base"]
    slow = Trickle()
    slow.start()
    patient = json.loads(run("demo", "--data", str(server["data"]), "--base-url", base, "--json", "--count", "6"))
    other = json.loads(run("demo", "--data", str(server["data"]), "--base-url", base, "--json", "--count", "1"))
    assert api(base, patient["api_key"], "/api/v1/webhooks", "POST", {"url": f"http://127.0.0.1:{slow.port}/hook"})[0] == 201
    assert api(base, other["api_key"], "/api/v1/webhooks", "POST", {"url": f"http://127.0.0.1:{inside.server_address[1]}/fast"})[0] == 201
    for item in patient["deliveries"]:
        assert api(base, patient["api_key"], f"/api/v1/deliveries/{item['id']}/out-for-delivery", "POST")[0] == 200
    time.sleep(1.5)  # the slow tenant's sends are under way
    started = time.monotonic()
    assert api(base, other["api_key"], f"/api/v1/deliveries/{other['deliveries'][0]['id']}/out-for-delivery", "POST")[0] == 200
    while "/fast" not in inside.hits and time.monotonic() - started < 15:
        time.sleep(0.05)
    waited = time.monotonic() - started
    assert "/fast" in inside.hits and waited < 3, f"the other tenant's webhook waited {waited:.1f} s"
    assert slow.connections <= 2, "one tenant holds at most two sends at once"
    slow.listener.close()


def test_webhook_test_answers_do_not_map_the_network(tmp_path, servers):
    """A closed port, a host that does not resolve and a receiver that never answers all get the
    same answer from `/test` (and in the delivery log): a tenant cannot scan ports or hosts by it."""
    server = servers(tmp_path / "data", tmp_path / "server.log", "--webhook-timeout", "1")
    base, key = server["base"], tenant(server)
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    results = []
    for url in [f"http://127.0.0.1:{free_port()}/closed", "http://receiver.doorstep.invalid/hook",
                f"http://127.0.0.1:{silent.getsockname()[1]}/silent"]:
        status, _, hook = api(base, key, "/api/v1/webhooks", "POST", {"url": url})
        assert status == 201, hook
        status, _, result = api(base, key, f"/api/v1/webhooks/{hook['id']}/test", "POST")
        assert status == 200 and result["ok"] is False, result
        results.append(result["result"])
    silent.close()
    assert len(set(results)) == 1 and "no answer" in results[0], results


def test_decoders_run_in_sandboxed_helpers_and_a_lost_helper_costs_no_later_upload(server):
    """The server decodes in helper processes (copies of its own binary): each sandboxed (seccomp,
    no new privileges, no files written), none holding the server's database or sockets. A helper
    killed under the server is replaced: the next upload goes through."""
    import os
    import signal
    from pathlib import Path

    from conftest import FIXTURE_PHOTO, SHARED_PHOTO

    demo = json.loads(run("demo", "--data", str(server["data"]), "--base-url", server["base"], "--json", "--count", "2"))
    photo = (SHARED_PHOTO if SHARED_PHOTO.exists() else FIXTURE_PHOTO).read_bytes()
    courier = {"Authorization": f"Bearer {demo['courier_token']}", "Content-Type": "image/jpeg"}

    def upload(item):
        return request(item["upload_url"] + "?placement=porch", "POST", photo, courier)[0]

    def helpers():
        children = []
        for entry in Path("/proc").iterdir():
            try:
                # /proc/PID/stat: "pid (name) state ppid …"; the name may hold spaces, so split after ")".
                if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == server["process"].pid:
                    children.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
        return children

    # One helper was started before the server said it was ready (a machine where helpers cannot
    # run is found at start, not by every upload).
    assert len(helpers()) >= 1
    assert upload(demo["deliveries"][0]) == 201
    killed = helpers()
    for pid in killed:
        status = Path(f"/proc/{pid}/status").read_text()
        assert "Seccomp:\t2" in status and "NoNewPrivs:\t1" in status
        assert Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[1] == b"--doorstep-decoder-helper"
        held = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        assert not any(str(server["data"]) in target for target in held), held
        os.kill(pid, signal.SIGKILL)

    def dead(pid):
        # A zombie (the server reaps it when it next looks) or gone: what a helper that died while
        # idle is by the time the next upload comes. Without this wait the upload can race a
        # helper still unmapping its memory (larger since it holds the face detector).
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
        except OSError:
            return True

    for pid in killed:
        assert wait_for(lambda: dead(pid), timeout=10), f"helper {pid} still alive after SIGKILL"
    assert upload(demo["deliveries"][1]) == 201
    assert request(server["base"] + "/healthz")[0] == 200

    checked = run("check-config", "--data", str(server["data"]))
    assert any(line.startswith("ok") and "decoders" in line and "seccomp" in line for line in checked.splitlines()), checked
