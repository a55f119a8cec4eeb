#!/usr/bin/env python3
"""Makes the labelled redaction set: doorstep-like photos with a person in them, at known face
sizes and in two lights, from the freely licensed sources in sources/ (MANIFEST.tsv there).

A person (head and shoulders, cut out with a feathered ellipse) is pasted onto a scene without
people so that the face is W px wide in the 1600 px photo, for W in FACE_WIDTHS, at a position a
seeded generator picks; each also comes dimmed (dusk). The scenes alone are the negatives.
Deterministic: the same files and labels every run. Needs Pillow.

    people_set.py OUT_DIR      writes OUT_DIR/*.jpg and OUT_DIR/labels.tsv
"""
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

SOURCES = Path(__file__).resolve().parent / "sources"
FACE_WIDTHS = (30, 40, 50, 70, 100, 150, 300, 600)
LIGHTS = {"day": 1.0, "dusk": 0.45}


def people():
    """(name, image, face box) for each person source, from its MANIFEST line."""
    for line in (SOURCES / "MANIFEST.tsv").read_text().splitlines()[1:]:
        name, _, _, box, _ = line.split("\t")
        if name.startswith("person_"):
            yield name[len("person_"):-4], Image.open(SOURCES / name).convert("RGB"), tuple(int(v) for v in box.split(","))


def scenes():
    return sorted(SOURCES.glob("scene_*.jpg"))


def feathered_mask(size):
    w, h = size
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).ellipse((w * 0.04, h * 0.02, w * 0.96, h * 1.3), fill=255)
    return mask.filter(ImageFilter.GaussianBlur(max(1.0, w * 0.05)))


def composite(scene, person, face, face_width, rng):
    scale = face_width / face[2]
    pw, ph = max(1, round(person.width * scale)), max(1, round(person.height * scale))
    cut = person.resize((pw, ph), Image.LANCZOS)
    # Anywhere the whole face lands inside the frame (the body may run off the bottom edge).
    fx, fy, fw, fh = (round(v * scale) for v in face)
    x = rng.randint(-fx, scene.width - fx - fw)
    y = rng.randint(-fy, scene.height - fy - fh)
    out = scene.copy()
    out.paste(cut, (x, y), feathered_mask(cut.size))
    return out, (x + fx, y + fy, fw, fh)


def main(out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261204)
    rows = ["file\tkind\tface_width\tlight\tface_box_x_y_w_h"]
    for scene_path in scenes():
        scene = Image.open(scene_path).convert("RGB")
        stem = scene_path.stem[len("scene_"):]
        for light, factor in LIGHTS.items():
            lit = ImageEnhance.Brightness(scene).enhance(factor)
            name = f"none_{stem}_{light}.jpg"
            lit.save(out / name, quality=90)
            rows.append(f"{name}\tnegative\t-\t{light}\t-")
            for person_name, person, face in people():
                person_lit = ImageEnhance.Brightness(person).enhance(factor)
                for width in FACE_WIDTHS:
                    photo, box = composite(lit, person_lit, face, width, rng)
                    name = f"{person_name}_{stem}_{width}px_{light}.jpg"
                    photo.save(out / name, quality=90)
                    rows.append(f"{name}\tface\t{width}\t{light}\t{','.join(map(str, box))}")
    finish(out, rows)


def finish(out, rows):
    """Writes the labels (a header row, then one row a photo) and says how many."""
    (out / "labels.tsv").write_text("\n".join(rows) + "\n")
    print(f"{len(rows) - 1} photos in {out}")


def command_line(main, usage):
    if len(sys.argv) != 2:
        sys.exit(usage)
    main(sys.argv[1])


if __name__ == "__main__":
    command_line(main, __doc__)
