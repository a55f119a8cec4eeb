"""Hooks for the schemathesis run of e2e/test_contract.py (SCHEMATHESIS_HOOKS=schemathesis_hooks).

Data drawn from the schema alone almost never makes a delivery: an email must be an email, the
courier must exist, an upload must be an image. Without help the fuzzer would spend its examples
on 422s and the stateful phase (create → upload → read → delete) would never get past its first
step. So for the operations that start those chains, each drawn body is offered as it was *or*
repaired with values that work here (a real courier, a real JPEG); the fuzzer keeps exploring the
raw form, and the repaired one opens the links.
"""
import os
from pathlib import Path

import schemathesis
from hypothesis import strategies as st

COURIER = os.environ.get("DOORSTEP_FUZZ_COURIER_ID", "")
JPEG = Path(os.environ["DOORSTEP_FUZZ_JPEG"]).read_bytes() if os.environ.get("DOORSTEP_FUZZ_JPEG") else b""


def _repaired_delivery(body, unique):
    """The drawn delivery with what this server checks beyond the schema made right: a real
    recipient address, coordinates, our courier, and an order reference not used before."""
    if not isinstance(body, dict):
        return body
    fixed = {key: value for key, value in body.items() if key not in ("country", "route_position", "instructions")}
    fixed["recipient"] = {"name": "Fuzz", "email": "fuzz@example.com", "language": "en"}
    fixed["address"] = "1 Main St"
    fixed["latitude"], fixed["longitude"] = 48.85, 2.35
    fixed["courier_id"] = COURIER
    fixed["order_reference"] = f"fuzz-{unique}"
    return fixed


def _repaired(route, body, unique):
    if route == "POST /api/v1/deliveries":
        return _repaired_delivery(body, unique)
    if route == "POST /api/v1/deliveries/batch" and isinstance(body, dict) and isinstance(body.get("deliveries"), list):
        return {"deliveries": [_repaired_delivery(item, f"{unique}-{index}") for index, item in enumerate(body["deliveries"])]}
    if route == "POST /api/v1/webhooks" and isinstance(body, dict):
        return {**body, "url": "https://hooks.example.com/doorstep"}
    if route == "POST /api/v1/courier/deliveries/{id}/photo" and JPEG and isinstance(body, (bytes, bytearray)):
        return JPEG
    return None


@schemathesis.hook
def flatmap_case(ctx, case):
    """Half of the positive cases of the chain-starting operations, repaired; negative cases are
    left alone (repairing one would make schemathesis expect a refusal of valid data)."""
    meta = case.meta
    if meta is None or meta.generation.mode != "positive":
        return st.just(case)
    route = f"{case.operation.method.upper()} {case.operation.path}"
    if _repaired(route, case.body, "probe") is None:
        return st.just(case)

    def repair(unique):
        case.body = _repaired(route, case.body, unique)
        return case

    return st.one_of(st.just(case), st.uuids().map(repair))
