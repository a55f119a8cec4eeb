#!/usr/bin/env python3
"""The trial behind the person search's whole-frame look (Sources/CDetect/detect.cpp): at which
size does one squeezed look at the whole photo find the people too close to fit a tile, without
finding people in photos that have none? Not part of bench/run: it needs OpenCV's Python module
(`cv2`, e.g. opencv-python-headless in the e2e venv; the product runs Debian's OpenCV 4.6 from C++,
so scores and times differ a little) and prints the table in BENCHMARKS.md, "the resident at the
door".

People: bodies_set.py's landscape photos of people 1,400 and 2,000 px tall (1.5 m and 1 m away) with
the head covered, and 2,000 px tall with it shown (36 photos): the ones the square tiles miss most. Negatives: every photo of ../shared/photos/corpus without people (if present) and of
bench/quality/real without people. A person counts when the network's best "person" score over the
photo's 600 px copy, squeezed to SIDE x SIDE, is at least 0.4 (the product's threshold); a negative
is reported when any person scores 0.2 or more.

    whole_frame_trial.py [SIDE...]        (default 300 240 200 160)
"""
import sys
import tempfile
import time
from pathlib import Path

import cv2

import bodies_set

HERE = Path(__file__).resolve().parent
MODELS = HERE.parent.parent / "Sources/CDetect/models"
CORPUS = HERE.parent.parent.parent / "shared/photos/corpus"
WITH_PEOPLE = ("r10_", "r19_", "q05_", "q09_", "q13_", "q14_", "q15_")


def copy600(path):
    image = cv2.imread(str(path))
    scale = 600 / max(image.shape[:2])
    return cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA)


def best_person(net, image, side):
    net.setInput(cv2.dnn.blobFromImage(image, 1 / 127.5, (side, side), (127.5, 127.5, 127.5), False))
    return max((float(row[2]) for row in net.forward().reshape(-1, 7) if row[1] == 15), default=0.0)


def main(sides):
    cv2.setNumThreads(1)
    net = cv2.dnn.readNetFromCaffe(str(MODELS / "person_mobilenet_ssd.prototxt"), str(MODELS / "person_mobilenet_ssd_fp16.caffemodel"))
    with tempfile.TemporaryDirectory() as folder:
        bodies_set.main(folder)
        # The landscape photos, as when the size was chosen (the set's portrait copies came later).
        people = [copy600(p) for p in sorted(Path(folder).glob("*.jpg")) if not p.stem.endswith("_portrait")
                  and (("_hidden_" in p.name and ("_1400px_" in p.name or "_2000px_" in p.name)) or ("_face_" in p.name and "_2000px_" in p.name))]
    if not CORPUS.exists():
        print(f"whole_frame_trial: no corpus at {CORPUS} (../shared/photos beside the project): "
              "the negatives are bench/quality/real's only", file=sys.stderr)
    negatives = [p for folder in (CORPUS, HERE.parent / "quality/real") if folder.exists()
                 for p in sorted(folder.glob("*.jpg")) + sorted(folder.glob("*.png")) if not p.name.startswith(WITH_PEOPLE)]
    negative_copies = {p.name: copy600(p) for p in negatives}
    print(f"| whole-frame look | people at 1-1.5 m found | photos without people ({len(negatives)}) scoring a person >= 0.2 | ms a look |")
    print("|---|---|---|---|")
    for side in sides:
        found = sum(best_person(net, image, side) >= 0.4 for image in people)
        false = [f"{name} {score:.2f}" for name, image in negative_copies.items() if (score := best_person(net, image, side)) >= 0.2]
        start = time.perf_counter()
        for _ in range(10):
            best_person(net, people[0], side)
        ms = (time.perf_counter() - start) * 100
        print(f"| {side} x {side} | {found} / {len(people)} | {len(false)} {false if false else ''} | {ms:.1f} |")


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [300, 240, 200, 160])
