"""The API contract against a live server: the document it serves is valid OpenAPI 3.1 and is the
one in the repository, the reference pages show every operation and webhook, and schemathesis
fuzzes every operation (examples, coverage, fuzzing and the stateful links create → upload → read
→ delete) with 0 server errors, 0 responses outside the document and no request that hangs."""
import json
import os
import re
import subprocess
import sys

from openapi_spec_validator import validate

from conftest import FIXTURE_PHOTO, PASSWORD, ROOT, request, run

SPEC = ROOT / "Sources/DoorstepServer/Assets/api/openapi.json"
# Operations left out of the fuzzing, each for a reason that is not the fuzzer's to judge:
EXCLUDED = {
    "streamTenantEvents": "an event stream stays open for an hour: no answer ever ends",
    "streamDeliveryEvents": "an event stream stays open until its link expires",
    "revokeApiKey": "the fuzzer finds the id of the very key it authenticates with (GET /api/v1/api-keys) and revokes it, "
                    "after which every call is a 401; APIKeyTests covers revocation",
}
# Checks left out, and why (every other check schemathesis has runs):
SKIPPED_CHECKS = {
    "positive_data_acceptance": "a body can fit the schema and still be refused: an email that is not one, a courier or "
                                "delivery id that does not exist, bytes that are no image (the schema cannot say these)",
    "unsupported_method": "an unserved method on a served path answers 404 like any unknown route, not 405",
    "allow_header_conformance": "follows from the above: there is no 405 to carry an Allow header",
    "missing_required_header": "no operation has a required header; schemathesis would probe the Authorization one, "
                               "which the security schemes already cover",
    "object_level_authorization": "needs two tenants' credentials in one run; AuthorizationMatrixTests covers it per route",
    "ignored_auth": "covered per route and credential by AuthorizationMatrixTests",
}


def test_the_served_document_is_valid_openapi_31_and_the_one_in_the_repository(server):
    status, headers, raw = request(server["base"] + "/api/v1/openapi.json")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert raw == SPEC.read_bytes()
    document = json.loads(raw)
    validate(document)
    assert document["openapi"] == "3.1.0"
    status, _, _ = request(server["base"] + "/api/v1/openapi.json", headers={"If-None-Match": headers["ETag"]})
    assert status == 304


def test_the_reference_shows_every_operation_and_webhook(server):
    document = json.loads(SPEC.read_text())
    status, headers, raw = request(server["base"] + "/docs")
    assert status == 200 and "default-src 'none'" in headers["Content-Security-Policy"]
    page = raw.decode()
    markdown = (ROOT / "docs/api.md").read_text()
    operations = [op["operationId"] for item in document["paths"].values() for op in item.values()
                  if isinstance(op, dict) and "operationId" in op]
    assert len(operations) >= 50
    for name in operations + list(document["webhooks"]):
        assert name in page, f"/docs lacks {name}"
        assert name in markdown, f"docs/api.md lacks {name}"
    current = subprocess.run([sys.executable, str(ROOT / "scripts/api-docs"), "--check"], capture_output=True, text=True)
    assert current.returncode == 0, current.stdout + current.stderr


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_document(servers, tmp_path, monkeypatch):
    monkeypatch.setenv("DOORSTEP_METRICS_TOKEN", "doorstep-fuzz-metrics")
    # The fuzzer may register webhooks: to the open internet only, as a real server allows.
    server = servers(tmp_path / "data", tmp_path / "server.log", "--rate-limits", "off", private_webhooks=False)
    base, data = server["base"], str(server["data"])
    created = run("tenant", "create", "--data", data, "--name", "Fuzz shop")
    tenant_id = re.search(r"tenant id: (\S+)", created).group(1)
    api_key = re.search(r"API key:\s+(dsk_\S+)", created).group(1)
    courier = run("courier", "create", "--data", data, "--tenant", tenant_id, "--username", "fuzz-courier", "--name", "Fuzz",
                  env={"DOORSTEP_COURIER_PASSWORD": PASSWORD})
    courier_id = re.search(r"courier id: (\S+)", courier).group(1)
    status, _, raw = request(base + "/api/v1/courier/login", "POST",
                             json.dumps({"username": "fuzz-courier", "password": PASSWORD}).encode(), {"Content-Type": "application/json"})
    assert status == 200, raw
    token = json.loads(raw)["token"]
    config = tmp_path / "schemathesis.toml"
    config.write_text(f"""
[auth.openapi.tenantApiKey]
bearer = "{api_key}"
[auth.openapi.courierToken]
bearer = "{token}"
[auth.openapi.metricsToken]
bearer = "doorstep-fuzz-metrics"
# The stateful phase follows the links the document declares, not guessed ones: a guess such as
# "POST /deliveries creates what DELETE /deliveries/{id}/photo removes" is wrong until an upload.
# (Nor does the document link an upload to reads of its photo: a retried upload answers its
# first 201 even after that photo was deleted, which the fuzzer's other steps do.)
[phases.stateful.inference]
algorithms = []
""")
    report = tmp_path / "report.json"
    env = dict(os.environ, SCHEMATHESIS_HOOKS="schemathesis_hooks", PYTHONPATH=str(ROOT / "e2e/fuzz"),
               DOORSTEP_FUZZ_COURIER_ID=courier_id, DOORSTEP_FUZZ_JPEG=str(FIXTURE_PHOTO))
    # One worker: with two, the fuzzer's threads parse Python source at once (Hypothesis describing
    # its filters), and CPython 3.11 can then raise "AST constructor recursion depth mismatch"
    # (python/cpython#106905), which failed a CI run with no request involved.
    command = [str(ROOT / ".build/e2e-venv/bin/schemathesis"), "--config-file", str(config), "run", base + "/api/v1/openapi.json",
               "--url", base, "--checks", "all", "--exclude-checks", ",".join(SKIPPED_CHECKS),
               *[arg for name in EXCLUDED for arg in ("--exclude-operation-id", name)],
               "--max-examples", os.environ.get("DOORSTEP_FUZZ_EXAMPLES", "20"), "--workers", "1", "--seed", "20261203",
               "--request-timeout", "30", "--max-response-time", "20", "--no-color", "--report", "ndjson",
               "--report-ndjson-path", str(report), "--suppress-health-check", "all"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
    print(result.stdout)
    assert result.returncode == 0, "schemathesis failed (its report is printed above)\n" + result.stderr[-3000:]
