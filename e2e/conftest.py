"""Shared helpers for the end-to-end tests: the real `doorstep` binary, real sockets."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import contract

ROOT = Path(__file__).resolve().parent.parent
BIN = os.environ.get("DOORSTEP_BIN", str(ROOT / ".build/debug/doorstep"))
SHARED_PHOTO = ROOT.parent / "shared/photos/corpus/x02_dragonfly_phone_4032x3024_q92_gps.jpg"
FIXTURE_PHOTO = ROOT / "Tests/Fixtures/photos/x01_wine_stored3837x2560_o6_gps.jpg"
PASSWORD = "e2e correct horse battery"


CORPUS_NOTE = ("photo corpus: ../shared/photos" if SHARED_PHOTO.exists()
               else "photo corpus: ../shared/photos is absent; the tests use Tests/Fixtures (HEIC upload not covered)")
if not SHARED_PHOTO.exists():
    print(CORPUS_NOTE, file=sys.stderr)  # also under -q, where the report header is not shown


def pytest_report_header(config):
    return CORPUS_NOTE


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args, env=None):
    result = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stderr
    return result.stdout


def request(url, method="GET", body=None, headers=None):
    """One request to a server under test; the answer must keep the API contract (contract.py)."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=120) as response:
            answer = response.status, dict(response.headers), response.read()
            final = response.geturl()
    except urllib.error.HTTPError as error:
        answer = error.code, dict(error.headers), error.read()
        final = error.geturl() or url
    # urllib follows a 303 with a GET: what is checked is the answer of the last request made.
    contract.check(method if final == url else "GET", final, *answer)
    return answer


def poppler(*args):
    """A poppler tool's output (pdfinfo, pdfimages, pdftotext): readers that know nothing of Doorstep."""
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


def jpeg_segments(data):
    """Marker bytes of the segments before the scan: APPn and COM are where metadata hides."""
    assert data[:2] == b"\xff\xd8"
    markers, i = [], 2
    while i + 4 <= len(data):
        marker = data[i + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    return markers


SCALED = os.environ.get("DOORSTEP_E2E_BACKEND") == "postgres+s3"


@pytest.fixture(autouse=True)
def backend(monkeypatch):
    """With DOORSTEP_E2E_BACKEND=postgres+s3, every `doorstep` this test runs uses a fresh
    PostgreSQL database and S3 prefix (the services of scripts/test); else the embedded default."""
    if not SCALED:
        yield None
        return
    import uuid
    admin = os.environ["DOORSTEP_TEST_POSTGRES"]
    name = "doorstep_e2e_" + uuid.uuid4().hex[:8]
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    monkeypatch.setenv("DOORSTEP_DATABASE", admin.rsplit("/", 1)[0] + "/" + name)
    monkeypatch.setenv("DOORSTEP_BLOBS", f"s3://{os.environ['DOORSTEP_TEST_S3_BUCKET']}?endpoint={os.environ['DOORSTEP_TEST_S3_ENDPOINT']}&prefix={name}/")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", os.environ["DOORSTEP_TEST_S3_KEY"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", os.environ["DOORSTEP_TEST_S3_SECRET"])
    yield name
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE {name} WITH (FORCE)"], capture_output=True)


def stored_blobs(data):
    """The keys of the photo blobs a deployment holds: files under data/blobs, or the objects
    under this test's S3 prefix (listed with curl's own SigV4, independent of ours)."""
    if not SCALED:
        return sorted(str(p.relative_to(data / "blobs")) for p in (data / "blobs").rglob("*") if p.is_file())
    prefix = os.environ["DOORSTEP_BLOBS"].split("prefix=")[1]
    listing = subprocess.run(
        ["curl", "-sf", "--aws-sigv4", "aws:amz:us-east-1:s3", "-u", f"{os.environ['AWS_ACCESS_KEY_ID']}:{os.environ['AWS_SECRET_ACCESS_KEY']}",
         f"{os.environ['DOORSTEP_TEST_S3_ENDPOINT']}/{os.environ['DOORSTEP_TEST_S3_BUCKET']}?list-type=2&prefix={prefix.replace('/', '%2F')}"],
        capture_output=True, text=True, check=True).stdout
    return sorted(key[len(prefix):] for key in re.findall(r"<Key>([^<]+)</Key>", listing))


def start_server(data, log_path, *extra, port=None, private_webhooks=True):
    """Starts `doorstep serve` on `data` and waits until it is ready. The tests' webhook
    receivers listen on loopback, which a server refuses unless told (`private_webhooks`)."""
    if SCALED:
        run("migrate", "--data", str(data))
    port = port or free_port()
    log = open(log_path, "a+")
    env = dict(os.environ, DOORSTEP_WEBHOOK_ALLOW_PRIVATE="1" if private_webhooks else "0")
    process = subprocess.Popen([BIN, "serve", "--data", str(data), "--port", str(port), *extra], stdout=log, stderr=subprocess.STDOUT,
                               env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if request(base + "/readyz")[0] == 200:
                return {"base": base, "data": data, "process": process, "log": log_path, "port": port}
        except OSError:
            pass
        time.sleep(0.05)
    process.kill()
    pytest.fail("server did not become ready:\n" + Path(log_path).read_text())


@pytest.fixture()
def servers():
    """Starts servers on demand and kills whatever is left at the end."""
    started = []

    def start(data, log_path, *extra, port=None, private_webhooks=True):
        server = start_server(data, log_path, *extra, port=port, private_webhooks=private_webhooks)
        started.append(server["process"])
        return server

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()


@pytest.fixture()
def server(tmp_path, servers):
    return servers(tmp_path / "data", tmp_path / "server.log")


def wait_for(condition, timeout=20, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    return condition()


def make_test_ca(folder, name="localhost"):
    """A CA made now, and a certificate it signed for `name`, in `folder` (ca.pem, server.pem,
    server.key): TLS servers on loopback that Doorstep must verify, as in production."""
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Doorstep test CA",
            "-keyout", "ca.key", "-out", "ca.pem")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", "server.key", "-out", "server.csr")
    (Path(folder) / "san.ext").write_text(f"subjectAltName=DNS:{name}\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-extfile", "san.ext", "-out", "server.pem")
    return Path(folder)
