"""Makes the quality and reuse fixtures from corpus photos (run once; the outputs are committed).

Each source photo, scaled to 600 px on its short side: `original`, `dark` (a fifth of the light), `blurred`
(Gaussian, sigma 1 % of the long side), `dusk` (−3 EV: dim but legible), `overexposed` (+6 EV),
`smeared` (a moving hand, 2 % of the long side; bench/quality/conditions.py), and the copies a reused photo arrives as: `reencoded`
(JPEG q45), `resized` (3/4 size), `cropped` (4 % off each side). `r05` and `r09` are different photos
of similar scenes (mountain landscapes, one photographer); `r06` left and right halves are
different views of one field.

usage: make_fixtures.py CORPUS_DIR
"""
import os
import sys

from PIL import Image, ImageEnhance, ImageFilter, ImageOps

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../bench/quality"))
from conditions import CONDITIONS, exposure  # noqa: E402

SOURCES = ["r01_sunset_4272x2848.jpg", "r05_picosdeeuropa_3264x2448.jpg",
           "r06_seeding_5312x2988.jpg", "r09_aitzgorri_3088x2056.jpg"]


def main():
    corpus, here = sys.argv[1], os.path.dirname(os.path.abspath(__file__))
    for name in SOURCES:
        stem = name.split("_")[0] + "_" + name.split("_")[1]
        full = ImageOps.exif_transpose(Image.open(os.path.join(corpus, name))).convert("RGB")
        scale = 600 / min(full.size)
        image = full.resize((round(full.width * scale), round(full.height * scale)), Image.LANCZOS)
        w, h = image.size
        out = lambda kind: os.path.join(here, f"{stem}.{kind}.jpg")
        image.save(out("original"), quality=80)
        ImageEnhance.Brightness(image).enhance(0.2).save(out("dark"), quality=80)
        image.filter(ImageFilter.GaussianBlur(max(w, h) * 0.01)).save(out("blurred"), quality=80)
        for kind, condition in (("dusk", "dusk_-3ev"), ("smeared", "smear_2pct")):
            CONDITIONS[condition][1](image).save(out(kind), quality=80)
        # Six stops over: blown out whatever the photo (at +4 a dark one like r06 keeps two thirds of its detail, at +5 three fifths).
        exposure(image, 6).save(out("overexposed"), quality=80)
        image.save(out("reencoded"), quality=45)
        image.resize((w * 3 // 4, h * 3 // 4), Image.LANCZOS).save(out("resized"), quality=80)
        dx, dy = int(w * 0.04), int(h * 0.04)
        image.crop((dx, dy, w - dx, h - dy)).save(out("cropped"), quality=80)
        if name.startswith("r06"):
            fw, fh = full.size
            for side, box in (("left", (0, 0, fw // 2, fh)), ("right", (fw // 2, 0, fw, fh))):
                half = full.crop(box)
                half.thumbnail((720, 720), Image.LANCZOS)
                half.save(out(side), quality=80)


if __name__ == "__main__":
    main()
