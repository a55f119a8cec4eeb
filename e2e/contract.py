"""The API contract as the tests hold the server to it: every response the e2e tests receive
(through conftest.request), every webhook their receivers get (check_webhook), and every
response the Swift handler tests receive (written down by
Tests/DoorstepServerTests/ContractRecorder.swift) is validated against
Sources/DoorstepServer/Assets/api/openapi.json with openapi-core: status, content type, declared
headers and the body's schema. A request to no documented route is not judged here (the Swift
route test keeps the document and the router equal); an event stream is not read to its end.

    python e2e/contract.py check-log FILE    # the Swift tests' log; exit 1 on any violation
"""
import json
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from openapi_core import Config, OpenAPI
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.testing import MockRequest, MockResponse

SPEC = Path(__file__).resolve().parent.parent / "Sources/DoorstepServer/Assets/api/openapi.json"
_openapi = None


def openapi():
    global _openapi
    if _openapi is None:
        # Problems and key sets are JSON too: openapi-core deserialises only the media types it knows.
        config = Config(extra_media_type_deserializers={
            "application/problem+json": json.loads, "application/jwk-set+json": json.loads,
            "application/jose": lambda body: body.decode() if isinstance(body, bytes) else body})
        _openapi = OpenAPI.from_file_path(str(SPEC), config=config)
    return _openapi


def violations(method, path, query, status, headers, body):
    """What is wrong with this response by the document: a list of messages, empty when it conforms."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    content_type = headers.get("content-type", "")
    if content_type.startswith("text/event-stream"):
        return []
    media_type = content_type.split(";")[0].strip()
    if body is None or (not body and status not in (204, 304)):
        # Only JSON bodies are judged by their schema; for the others, the status, media type and
        # headers are (the bytes of a page or an image are not the document's business).
        body = b"" if "json" in media_type else b"-"
    request = MockRequest("http://doorstep.test", method.lower(), path, args=dict(parse_qsl(query or "")), headers={})
    response = MockResponse(body, status_code=status, headers=headers, content_type=media_type)
    try:
        errors = list(openapi().iter_response_errors(request, response))
    except (PathNotFound, OperationNotFound):
        return []
    messages = []
    for error in errors:
        if isinstance(error, (PathNotFound, OperationNotFound)):
            continue
        cause = error.__cause__
        details = [e.message for e in getattr(cause, "schema_errors", None) or getattr(error, "schema_errors", None) or []]
        text = "; ".join(details) if details else f"{type(error).__name__}: {str(error)[:200]}"
        messages.append(f"{method} {path} → {status} {media_type}: {text}")
    return messages


class _WebhookRequest(MockRequest):
    """A webhook as its receiver got it, named by its event type as the document's `webhooks` are."""

    def __init__(self, name, headers, body):
        super().__init__("http://receiver.test", "post", "/", headers=headers, data=body,
                         content_type=headers.get("Content-Type", headers.get("content-type", "")).split(";")[0])
        self.name = name


def check_webhook(headers, body):
    """Raises AssertionError when a webhook the server sent breaks the document's `webhooks`
    entry for its type: the Standard Webhooks headers and the payload's schema."""
    name = json.loads(body)["type"]
    errors = list(openapi().iter_webhook_request_errors(_WebhookRequest(name, dict(headers), body)))
    messages = []
    for error in errors:
        cause = error.__cause__
        details = [e.message for e in getattr(cause, "schema_errors", None) or getattr(error, "schema_errors", None) or []]
        messages.append(f"webhook {name}: " + ("; ".join(details) if details else f"{type(error).__name__}: {str(error)[:200]}"))
    assert not messages, "webhook breaks openapi.json:\n" + "\n".join(messages) + f"\nbody: {body[:600]!r}"


def check(method, url, status, headers, body):
    """Raises AssertionError when a response breaks the document (conftest.request calls this)."""
    parts = urlsplit(url)
    found = violations(method, parts.path, parts.query, status, headers, body)
    assert not found, "response breaks openapi.json:\n" + "\n".join(found) + f"\nbody: {body[:600]!r}"


def check_log(path):
    lines = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    if not lines:
        print(f"contract: {path} holds no responses: the Swift tests recorded nothing, so nothing was checked")
        return 1
    failures = []
    for record in lines:
        body = record.get("body")
        headers = {"Content-Type": record["content_type"]} if record.get("content_type") else {}
        found = violations(record["method"], record["path"], record["query"], record["status"], headers,
                           body.encode() if body is not None else b"")
        failures.extend(found)
    print(f"contract: {len(lines)} responses from the Swift tests checked against openapi.json, {len(failures)} violations")
    for failure in sorted(set(failures))[:60]:
        print("  " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "check-log":
        sys.exit(check_log(sys.argv[2]))
    print(__doc__)
    sys.exit(2)
