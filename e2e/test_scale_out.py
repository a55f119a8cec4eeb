"""Two `doorstep serve` processes on one PostgreSQL and one S3 bucket (SeaweedFS), as in
docs/deploy.md: idempotency, live events, outbox and sweeps hold across processes."""
import http.client
import json
import os
import subprocess
import time
import urllib.parse
import uuid

import pytest

from conftest import BIN, FIXTURE_PHOTO, SCALED, request, wait_for
from test_notifications import receiver  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(
    not os.environ.get("DOORSTEP_TEST_POSTGRES") or not os.environ.get("DOORSTEP_TEST_S3_ENDPOINT") or SCALED,
    reason="needs the PostgreSQL and S3 services of scripts/test; runs in the embedded pass (it sets up its own engines)")
PHOTO = FIXTURE_PHOTO.read_bytes()


@pytest.fixture()
def scaled_env():
    admin = os.environ["DOORSTEP_TEST_POSTGRES"]
    name = "doorstep_e2e_" + uuid.uuid4().hex[:8]
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    env = {**os.environ,
           "DOORSTEP_DATABASE": admin.rsplit("/", 1)[0] + "/" + name,
           "DOORSTEP_BLOBS": f"s3://{os.environ['DOORSTEP_TEST_S3_BUCKET']}?endpoint={os.environ['DOORSTEP_TEST_S3_ENDPOINT']}&prefix={name}/",
           "AWS_ACCESS_KEY_ID": os.environ["DOORSTEP_TEST_S3_KEY"], "AWS_SECRET_ACCESS_KEY": os.environ["DOORSTEP_TEST_S3_SECRET"],
           # The test's webhook receiver listens on loopback.
           "DOORSTEP_WEBHOOK_ALLOW_PRIVATE": "1"}
    yield env
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE {name} WITH (FORCE)"], capture_output=True)


def doorstep(env, *args, check=True):
    result = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=120, env=env)
    assert not check or result.returncode == 0, result.stderr
    return result


def test_two_servers_share_one_postgres_and_one_bucket(tmp_path, scaled_env, receiver):  # noqa: F811
    keys = str(tmp_path / "shared")  # every server needs the same keys: mount one folder (or copy it)
    # A server refuses a schema it does not match: rolling deploys run `doorstep migrate` first.
    refused = doorstep(scaled_env, "serve", "--data", keys, "--port", "1", check=False)
    assert refused.returncode != 0 and "doorstep migrate" in refused.stderr
    assert "schema is up to date" in doorstep(scaled_env, "migrate", "--data", keys).stdout

    servers = []
    for name in ("a", "b"):
        port = __import__("conftest").free_port()
        log = open(tmp_path / f"{name}.log", "w")
        process = subprocess.Popen([BIN, "serve", "--data", keys, "--port", str(port), "--outbox-retry-base", "0.2"],
                                   stdout=log, stderr=subprocess.STDOUT, env=scaled_env)
        servers.append({"process": process, "base": f"http://127.0.0.1:{port}", "port": port})
    try:
        for server in servers:
            assert wait_for(lambda: request_ok(server["base"] + "/readyz")), "server not ready"
            status, _, body = request(server["base"] + "/readyz")
            assert json.loads(body) == {"database": "ok", "blobs": "ok", "disk": "ok"}
        a, b = servers
        demo = json.loads(doorstep(scaled_env, "demo", "--data", keys, "--base-url", a["base"], "--json", "--count", "2").stdout)
        key = demo["api_key"]
        status, _, _ = request(b["base"] + "/api/v1/webhooks", "POST", json.dumps({"url": receiver.base + "/ok"}).encode(),
                               {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        assert status == 201

        # A customer page open on B hears the delivery recorded through A.
        first, second = demo["deliveries"]
        page = urllib.parse.urlsplit(first["customer_url"])
        stream = http.client.HTTPConnection("127.0.0.1", b["port"], timeout=20)
        stream.request("GET", page.path + "/events?" + page.query)
        response = stream.getresponse()
        assert response.readline().startswith(b"retry:")
        auth = {"Authorization": f"Bearer {demo['courier_token']}", "Content-Type": "image/jpeg", "Idempotency-Key": "across"}
        status, _, raw = request(first["upload_url"] + "?placement=porch", "POST", PHOTO, auth)
        assert status == 201, raw
        lines = []
        while b"event: delivery.delivered\n" not in lines:
            lines.append(response.readline())
        stream.close()

        # The same Idempotency-Key through the other server: the same photo, not a second one.
        status, headers, raw_b = request(first["upload_url"].replace(a["base"], b["base"]) + "?placement=porch", "POST", PHOTO, auth)
        assert status == 201 and headers.get("Idempotent-Replayed") == "true"
        assert json.loads(raw_b)["photo"]["id"] == json.loads(raw)["photo"]["id"]
        status, _, _ = request(second["upload_url"].replace(a["base"], b["base"]) + "?placement=porch", "POST", PHOTO,
                               {**auth, "Idempotency-Key": "other"})
        assert status == 201

        # Both outbox workers run; each event reaches the receiver once: the two deliveries, and the
        # case the second opened (the same photo stood for another address).
        assert wait_for(lambda: len(receiver.hits) >= 3)
        time.sleep(1.5)
        ids = [h["headers"]["webhook-id"] for h in receiver.hits]
        assert len(ids) == 3 and len(set(ids)) == 3
        assert sorted(json.loads(h["body"])["type"] for h in receiver.hits) == [
            "delivery.delivered", "delivery.delivered", "delivery.problem_reported"]

        # Photos live in the bucket and read back through either server.
        for server in servers:
            html = request(first["customer_url"].replace(a["base"], server["base"]))[2].decode()
            src = html.split('<img src="')[1].split('"')[0].replace("&amp;", "&")
            assert request(server["base"] + src)[0] == 200

        # The second delivery's reuse case holds its photo from the sweep: the tenant resolves it.
        tenant = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        [case] = json.loads(request(b["base"] + "/api/v1/cases", headers=tenant)[2])["items"]
        assert case["kind"] == "photo_reused" and case["delivery_id"] == second["id"]
        status, _, raw = request(a["base"] + f"/api/v1/cases/{case['id']}/resolve", "POST",
                                 json.dumps({"resolution": "The same test photo"}).encode(), tenant)
        assert status == 200, raw

        # Two sweeps at once on PostgreSQL: each photo deleted exactly once.
        sweeps = [subprocess.Popen([BIN, "sweep", "--data", keys, "--as-of", "2099-01-01T00:00:00Z"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=scaled_env) for _ in range(2)]
        outputs = [s.communicate(timeout=120)[0] for s in sweeps]
        assert sum(int(o.split("deleted ")[1].split(" ")[0]) for o in outputs) == 2, outputs
        assert doorstep(scaled_env, "audit", "--data", keys).stdout.count("  expire  ") == 2
    finally:
        for server in servers:
            server["process"].kill()


def request_ok(url):
    try:
        return request(url)[0] == 200
    except OSError:
        return False


def test_an_embedded_deployment_moves_to_postgres_and_s3_and_keeps_its_photos(tmp_path, servers, scaled_env):
    data = tmp_path / "data"
    embedded = servers(data, tmp_path / "embedded.log")
    demo = json.loads(subprocess.run([BIN, "demo", "--data", str(data), "--base-url", embedded["base"], "--json", "--count", "1"],
                                     capture_output=True, text=True, check=True).stdout)
    item = demo["deliveries"][0]
    status, _, raw = request(item["upload_url"] + "?placement=garage", "POST", PHOTO,
                             {"Authorization": f"Bearer {demo['courier_token']}", "Content-Type": "image/jpeg"})
    assert status == 201
    embedded["process"].terminate()
    embedded["process"].wait(timeout=30)

    moved = doorstep(scaled_env, "migrate-data", "--from", f"sqlite:{data}/doorstep.sqlite", "--to", scaled_env["DOORSTEP_DATABASE"],
                     "--blobs-from", str(data / "blobs"), "--blobs-to", scaled_env["DOORSTEP_BLOBS"]).stdout
    assert "photos: 1 row(s) in SQLite, 1 in PostgreSQL" in moved and "photos: 2 blob(s) copied to S3" in moved
    assert "MISSING" not in moved

    # The same keys folder, the new engines: the customer's link and photo still work.
    port = embedded["port"]
    process = subprocess.Popen([BIN, "serve", "--data", str(data), "--port", str(port)], stdout=open(tmp_path / "scaled.log", "w"),
                               stderr=subprocess.STDOUT, env=scaled_env)
    try:
        assert wait_for(lambda: request_ok(embedded["base"] + "/readyz"))
        html = request(item["customer_url"])[2].decode()
        assert "garage" in html.lower()
        src = html.split('<img src="')[1].split('"')[0].replace("&amp;", "&")
        status, headers, image = request(embedded["base"] + src)
        assert status == 200 and image[:3] == b"\xff\xd8\xff"
    finally:
        process.kill()


def test_check_config_names_what_is_wrong_with_the_database_and_the_bucket(tmp_path, scaled_env):
    """`doorstep check-config` on the production shape of docs/deploy.md: PostgreSQL over TLS with
    verify-full (the test CA, at the name its certificate carries) and an S3 bucket; then each
    piece broken the way an admin would break it, named in words, no secret printed."""
    ca = os.environ["DOORSTEP_TEST_POSTGRES_CA"]
    database = urllib.parse.urlsplit(scaled_env["DOORSTEP_DATABASE"])
    verified = f"postgres://postgres@db.doorstep.test:{database.port}{database.path}?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={ca}"
    env = {**scaled_env, "DOORSTEP_DATABASE": verified}
    doorstep(env, "migrate", "--data", str(tmp_path / "keys"))

    def check(**changes):
        result = doorstep({**env, **changes}, "check-config", "--data", str(tmp_path / "keys"), check=False)
        print(result.stdout)
        return result, {line.split()[1]: line for line in result.stdout.splitlines()}

    healthy, lines = check()
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert lines["database"].startswith("ok") and lines["photos"].startswith("ok")

    secret = "not-the-secret-" + uuid.uuid4().hex[:6]
    broken, lines = check(AWS_SECRET_ACCESS_KEY=secret)
    assert broken.returncode == 1 and lines["photos"].startswith("failed")
    assert "check AWS_SECRET_ACCESS_KEY" in lines["photos"] and secret not in broken.stdout + broken.stderr

    missing, lines = check(DOORSTEP_BLOBS=env["DOORSTEP_BLOBS"].replace(os.environ["DOORSTEP_TEST_S3_BUCKET"], "doorstep-no-such-bucket", 1))
    assert missing.returncode == 1 and "the bucket doorstep-no-such-bucket does not exist" in lines["photos"]

    wrong_name, lines = check(DOORSTEP_DATABASE=verified.replace("db.doorstep.test", "localhost", 1))
    assert wrong_name.returncode == 1 and lines["database"].startswith("failed") and "verify-full" in lines["database"]
    assert lines["photos"].startswith("ok"), "one broken connection does not hide the state of the others"
