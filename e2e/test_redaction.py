"""Redaction end to end: photos with a person in them, uploaded through the API and through the
courier app's camera, are stored with the face pixelated; an independent detector (OpenCV's Haar
cascades, not the YuNet network the server uses) finds the face in what was sent and none in what
is served. People whose faces cannot be seen are pixelated whole: OpenCV's HOG people detector
(not the server's SSD network) finds the body in what was sent and none in what is served. Under
`people_policy: retake` the same photo is refused, and the courier is told why."""
import io
import json
import random
import sys

import cv2
import numpy
import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from browser import World, camera_file, launch, phone, screenshot
from conftest import ROOT, request

sys.path.insert(0, str(ROOT / "bench/redaction"))
import people_set  # noqa: E402 (the labelled set's own compositing)

FIXTURES = ROOT / "Tests/Fixtures/people"
CASCADES = [cv2.CascadeClassifier(cv2.data.haarcascades + name)
            for name in ("haarcascade_frontalface_default.xml", "haarcascade_frontalface_alt2.xml")]


def faces(jpeg):
    """Every face the Haar cascades find, as (x, y, w, h)."""
    grey = cv2.cvtColor(numpy.array(Image.open(io.BytesIO(jpeg)).convert("RGB")), cv2.COLOR_RGB2GRAY)
    found = []
    for cascade in CASCADES:
        found += [tuple(int(v) for v in box) for box in cascade.detectMultiScale(grey, 1.05, 3, minSize=(20, 20))]
    return found


HOG = cv2.HOGDescriptor()
HOG.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
BODIES = ROOT / "Tests/Fixtures/bodies"


def bodies(jpeg):
    """Every person HOG finds with some confidence (SVM weight over 0.8), as (x, y, w, h) in the
    photo's pixels (searched on an 800 px wide copy, where its 64 x 128 window fits a person)."""
    image = numpy.array(Image.open(io.BytesIO(jpeg)).convert("RGB"))
    scale = 800 / image.shape[1]
    small = cv2.resize(image, (800, round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    boxes, weights = HOG.detectMultiScale(small, winStride=(8, 8), scale=1.05)
    return [tuple(round(v / scale) for v in box) for box, weight in zip(boxes, numpy.ravel(weights)) if weight > 0.8]


def near(found, box):
    x, y, w, h = box
    return [f for f in found if abs(f[0] + f[2] / 2 - (x + w / 2)) < w * 0.6 and abs(f[1] + f[3] / 2 - (y + h / 2)) < h * 0.6]


def labelled():
    rows = (FIXTURES / "MANIFEST.tsv").read_text().splitlines()[1:]
    return [(FIXTURES / row.split("\t")[0], tuple(int(v) for v in row.split("\t")[1].split(","))) for row in rows]


def served_display(delivery):
    base, query = delivery["customer_url"].split("?", 1)
    status, headers, body = request(f"{base}/photo/display?{query}")
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    return body


def upload(world, delivery, body, key):
    token = world.courier_token()
    status, _, raw = request(delivery["upload_url"] + "?placement=porch", "POST", body,
                             {"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg", "Idempotency-Key": key})
    return status, raw


def test_photos_with_a_face_are_served_with_none_an_independent_detector_can_find(server):
    world = World(server, username="redaction-api")
    # The frontal faces (the side view is one Haar's cascades do not find to begin with).
    checked = 0
    for path, box in labelled():
        sent = path.read_bytes()
        if not near(faces(sent), box):
            continue
        checked += 1
        delivery = world.delivery()
        status, raw = upload(world, delivery, sent, f"face-{checked}")
        assert status == 201, raw
        answer = json.loads(raw)
        assert answer["photo"]["redaction"]["searched"] and answer["photo"]["redaction"]["faces"] == 1
        served = served_display(delivery)
        assert near(faces(served), box) == [], f"{path.name}: a face is still found where it was"
        # And what the tenant downloads is the same redacted photo.
        status, _, downloaded = request(f"{world.base}/api/v1/deliveries/{delivery['id']}/photo",
                                        headers={"Authorization": f"Bearer {world.api_key}"})
        assert status == 200 and downloaded == served
        status, details = world.api(f"/api/v1/deliveries/{delivery['id']}")
        assert details["proofs"][0]["redaction"] == answer["photo"]["redaction"]
        page = request(delivery["customer_url"])[2].decode()
        assert "One face was blurred." in page and "Faces and people are blurred automatically" in page
    assert checked >= 2, "the independent detector found the face in too few of the photos sent"


def test_a_person_whose_face_cannot_be_seen_is_served_with_no_body_an_independent_detector_can_find(server):
    world = World(server, username="redaction-bodies")
    name, boxes = (BODIES / "MANIFEST.tsv").read_text().splitlines()[1].split("\t")[:2]
    thrower = tuple(int(v) for v in boxes.split(";")[0].split(","))
    sent = (BODIES / name).read_bytes()
    assert near(bodies(sent), thrower), "the independent detector finds the person in what is sent"
    assert near(faces(sent), (thrower[0], thrower[1], thrower[2], thrower[3] // 6)) == [], "and no face where the head is"
    delivery = world.delivery()
    status, raw = upload(world, delivery, sent, "bodies")
    assert status == 201, raw
    redaction = json.loads(raw)["photo"]["redaction"]
    assert redaction["searched"] and redaction["people"] >= 1
    assert near(bodies(served_display(delivery)), thrower) == [], "a person is still found where one was"
    page = request(delivery["customer_url"])[2].decode()
    assert ("One person was blurred." if redaction["people"] == 1 else f"{redaction['people']} people were blurred.") in page


def test_retake_refuses_a_photo_with_a_face(server):
    world = World(server, username="redaction-retake")
    status, settings = world.api("/api/v1/settings", "PATCH", {"people_policy": "retake"})
    assert status == 200 and settings["people_policy"] == "retake"
    delivery = world.delivery()
    path, _ = labelled()[0]
    status, raw = upload(world, delivery, path.read_bytes(), "retake-1")
    assert status == 422
    problem = json.loads(raw)
    assert problem["type"] == "/problems/people-in-frame" and problem["reason"] == "people_in_frame"
    status, details = world.api(f"/api/v1/deliveries/{delivery['id']}")
    assert details["state"] != "delivered" and "photo" not in details


def test_a_face_filling_the_frame_and_a_crowd_are_pixelated_too(server):
    """A face too large for the main search (found on the small copy), and more faces than are
    redacted one by one (the whole photo is pixelated)."""
    world = World(server, username="redaction-edges")
    scene = Image.open(ROOT / "bench/redaction/sources/scene_picos.jpg").convert("RGB")
    name, person, face = next(p for p in people_set.people() if p[0] == "hopper")
    big, box = people_set.composite(scene, person, face, 700, random.Random(3))
    sent = _jpeg(big)
    assert near(faces(sent), box), "the independent detector finds the large face in what is sent"
    delivery = world.delivery()
    status, raw = upload(world, delivery, sent, "big-face")
    assert status == 201, raw
    assert json.loads(raw)["photo"]["redaction"]["faces"] >= 1
    assert near(faces(served_display(delivery)), box) == []

    _, astronaut, astronaut_face = next(p for p in people_set.people() if p[0] == "astronaut")
    # Head and shoulders with a 50 px face, tiled: over 70 faces in the frame.
    tile = astronaut.resize((astronaut.width * 50 // astronaut_face[2], astronaut.height * 50 // astronaut_face[2]))
    crowd = Image.new("RGB", (1600, 1200), "grey")
    for row in range(0, 1200, tile.height // 2):
        for column in range(0, 1600, tile.width):
            crowd.paste(tile.crop((0, 0, tile.width, tile.height // 2)), (column, row))
    sent = _jpeg(crowd)
    frontal = CASCADES[0].detectMultiScale(cv2.cvtColor(numpy.array(crowd), cv2.COLOR_RGB2GRAY), 1.05, 3, minSize=(20, 20))
    assert len(frontal) > 64, "the crowd has more faces than are redacted one by one"
    delivery = world.delivery()
    status, raw = upload(world, delivery, sent, "crowd")
    assert status == 201, raw
    assert json.loads(raw)["photo"]["redaction"]["faces"] == 64
    assert faces(served_display(delivery)) == []


def doorstep_with_a_person(face_width):
    """A 1280×720 doorstep-like frame with a frontal face `face_width` px wide, and its box."""
    scene = Image.open(ROOT / "bench/redaction/sources/scene_bridge.jpg").convert("RGB").resize((1280, 720), Image.LANCZOS)
    name, person, face = next(p for p in people_set.people() if p[0] == "astronaut")
    return people_set.composite(scene, person, face, face_width, random.Random(7))


@pytest.mark.parametrize("policy", ["blur", "retake"])
def test_the_courier_is_told_at_once(server, tmp_path, policy):
    frame, box = doorstep_with_a_person(110)
    assert near(faces(_jpeg(frame)), box), "the independent detector finds the face in the camera's frame"
    world = World(server, username=f"redaction-app-{policy}")
    world.api("/api/v1/settings", "PATCH", {"people_policy": policy})
    delivery = world.delivery(address="7 Bridge Street")
    with sync_playwright() as playwright:
        browser = launch(playwright, camera_file(tmp_path / "person.y4m", scene=frame))
        try:
            page = phone(browser, world.base).new_page()
            world.sign_in(page)
            page.get_by_role("button", name="7 Bridge Street").click()
            page.get_by_role("button", name="Delivered").click()
            page.get_by_label("On the porch").check()
            page.get_by_role("button", name="Take the photo").click()
            page.wait_for_function("() => document.querySelector('video') && document.querySelector('video').videoWidth > 0")
            page.get_by_role("button", name="Take photo").click()
            if policy == "blur":
                page.wait_for_selector("[data-view=verdict] [data-redaction]")
                assert "Someone was in the photo and was blurred" in page.inner_text("main")
                screenshot(page, "courier-redaction-blurred")
                served = served_display(delivery)
                assert near(faces(served), box) == [], "the face is still found in the served photo"
                with open(ROOT / "e2e/artifacts/screens/served-redacted.jpg", "wb") as out:
                    out.write(served)
            else:
                page.wait_for_selector("[data-view=verdict][data-verdict=refused]")
                assert "Someone is in the photo" in page.inner_text("main")
                screenshot(page, "courier-redaction-retake")
                status, details = world.api(f"/api/v1/deliveries/{delivery['id']}")
                assert details["state"] != "delivered"
        finally:
            browser.close()


def _jpeg(image):
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()
