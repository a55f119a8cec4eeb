"""Revocation from the command line, against a running server: a tenant rotates its API key (add a
new one, revoke the old) and an operator signs a courier out everywhere; both take effect on the
next request, and nothing else stops working."""
import json
import subprocess

from conftest import BIN, request, run
from test_notifications import api


def test_a_revoked_key_and_a_courier_signed_out_are_refused_at_once(server):
    data = str(server["data"])
    demo = json.loads(run("demo", "--data", data, "--base-url", server["base"], "--json", "--count", "1"))
    old_key, tenant = demo["api_key"], demo["tenant_id"]
    assert api(server["base"], old_key, "/api/v1/deliveries")[0] == 200

    new_key = run("tenant", "add-key", "--data", data, "--tenant", tenant).split("API key: ")[1].split()[0]
    keys = run("tenant", "keys", "--data", data, "--tenant", tenant).splitlines()
    assert len(keys) == 2 and all(line.endswith("live") for line in keys)
    assert old_key not in "\n".join(keys) and new_key not in "\n".join(keys), "only ids and prefixes are listed"
    old_id = keys[0].split()[0]
    assert run("tenant", "revoke-key", "--data", data, "--tenant", tenant, "--key-id", old_id).strip() == f"revoked key {old_id}"
    status, problem = api(server["base"], old_key, "/api/v1/deliveries")
    assert status == 401 and problem["type"] == "/problems/unauthenticated"
    assert api(server["base"], new_key, "/api/v1/deliveries")[0] == 200
    assert run("tenant", "keys", "--data", data, "--tenant", tenant).splitlines()[0].split()[-2] == "revoked"

    def stops(token):
        return request(server["base"] + "/api/v1/courier/deliveries", headers={"Authorization": f"Bearer {token}"})[0]
    assert stops(demo["courier_token"]) == 200
    ended = run("courier", "revoke-sessions", "--data", data, "--tenant", tenant, "--username", demo["courier_username"])
    assert ended.strip() == "ended 1 session(s)"
    assert stops(demo["courier_token"]) == 401
    # Another tenant cannot be named to sign this courier out.
    other = json.loads(run("demo", "--data", data, "--base-url", server["base"], "--json", "--count", "1"))
    assert stops(other["courier_token"]) == 200
    refused = subprocess.run([BIN, "courier", "revoke-sessions", "--data", data, "--tenant", tenant,
                              "--username", other["courier_username"]], capture_output=True, text=True)
    assert refused.returncode != 0 and "no courier with that username" in refused.stderr
    assert stops(other["courier_token"]) == 200


def test_a_disabled_courier_is_signed_out_and_cannot_sign_in_until_enabled(server):
    data, base = str(server["data"]), server["base"]
    tenant = json.loads(run("demo", "--data", data, "--base-url", base, "--json", "--count", "1"))["tenant_id"]
    run("courier", "create", "--data", data, "--tenant", tenant, "--username", "leaver", "--name", "Lee",
        env={"DOORSTEP_COURIER_PASSWORD": "a long enough password"})

    def login():
        status, _, body = request(base + "/api/v1/courier/login", "POST",
                                  json.dumps({"username": "leaver", "password": "a long enough password"}).encode(),
                                  {"Content-Type": "application/json"})
        return status, json.loads(body)

    status, session = login()
    assert status == 200
    token = session["token"]
    assert request(base + "/api/v1/courier/deliveries", headers={"Authorization": f"Bearer {token}"})[0] == 200
    assert run("courier", "disable", "--data", data, "--tenant", tenant, "--username", "leaver").strip() == "disabled leaver"
    assert request(base + "/api/v1/courier/deliveries", headers={"Authorization": f"Bearer {token}"})[0] == 401
    status, problem = login()
    assert status == 401 and problem["type"] == "/problems/unauthenticated"  # told nothing more than a wrong password
    assert run("courier", "enable", "--data", data, "--tenant", tenant, "--username", "leaver").strip() == "enabled leaver"
    assert login()[0] == 200


def test_a_new_upload_key_reaches_the_running_server_and_the_old_one_is_kept(server):
    """`doorstep keys rotate-upload`: couriers' pages get the new key from the running server
    within seconds; the old one stays on disk, accepted for the grace (photos queued offline)."""
    from conftest import wait_for

    def published():
        return json.loads(request(server["base"] + "/api/v1/courier/upload-key")[2])["id"]
    before = published()
    said = run("keys", "rotate-upload", "--data", str(server["data"]))
    assert said.startswith("upload key ") and "1 retired key(s) still accepted" in said and "0 past the grace deleted" in said
    current = said.split()[2]
    assert current != before
    assert wait_for(lambda: published() == current, timeout=10)
    retired = [name for name in (server["data"] / "keys").iterdir() if name.name.startswith("upload-key.retired-")]
    assert len(retired) == 1 and oct(retired[0].stat().st_mode & 0o777) == "0o600"
