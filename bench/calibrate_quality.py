"""Calibrates the quality thresholds and measures reuse detection on real photos.

For every photo of the corpus it makes the variants a courier could send: the photo as is, an
underexposed one (a fifth of the light), a shaken/misfocused one (Gaussian blur, sigma 1 % of the
long side) and a mildly soft one (0.3 %); then re-encoded, resized and slightly cropped copies
(the same scene again: reuse must match) — and runs them all through `doorstep check-photo`,
the upload pipeline itself. Writes bench/results/quality-calibration.{md,json}.

usage: calibrate_quality.py DOORSTEP_BINARY CORPUS_DIR [OUT_DIR]
"""
import io
import itertools
import json
import os
import subprocess
import sys
import tempfile

from PIL import Image, ImageEnhance, ImageFilter, ImageOps


def variants(image):
    """name -> (PIL image, what the pipeline should say about quality, reuse group member?)"""
    w, h = image.size
    long_side = max(w, h)
    crop = (int(w * 0.04), int(h * 0.04), w - int(w * 0.04), h - int(h * 0.04))
    return {
        "original": image,
        "dark": ImageEnhance.Brightness(image).enhance(0.2),
        "blurred": image.filter(ImageFilter.GaussianBlur(long_side * 0.01)),
        "soft": image.filter(ImageFilter.GaussianBlur(long_side * 0.003)),
        "reencoded_q50": image,  # saved at q50 below
        "resized_50": image.resize((w // 2, h // 2), Image.LANCZOS),
        "cropped_4pct_each_side": image.crop(crop),
    }


def check(binary, paths):
    out = subprocess.run([binary, "check-photo", *paths], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def hamming(a, b):
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def main():
    binary, corpus = sys.argv[1], sys.argv[2]
    out_dir = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "results")
    names = sorted(n for n in os.listdir(corpus) if n.lower().endswith((".jpg", ".jpeg", ".png")))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for name in names:
            image = ImageOps.exif_transpose(Image.open(os.path.join(corpus, name))).convert("RGB")
            if min(image.size) < 480:
                continue  # too small to start with: checked on its own below
            # Work at phone-upload size (the pipeline shrinks on load anyway); keeps this quick.
            image.thumbnail((2048, 2048), Image.LANCZOS)
            for kind, variant in variants(image).items():
                path = os.path.join(tmp, f"{name}.{kind}.jpg")
                variant.save(path, quality=50 if kind == "reencoded_q50" else 90)
                files.append((name, kind, path))
        small = [(n, "as_is", os.path.join(corpus, n)) for n in names
                 if min(Image.open(os.path.join(corpus, n)).size) < 480]
        results = check(binary, [p for _, _, p in files + small])
        for (name, kind, _), result in zip(files + small, results):
            rows.append({"photo": name, "variant": kind, **{k: result.get(k) for k in ("mean_brightness", "sharpness", "dhash", "issues", "error")}})

    def values(kind, key):
        return sorted(r[key] for r in rows if r["variant"] == kind and r.get(key) is not None)

    summary = {k: {"brightness": values(k, "mean_brightness"), "sharpness": values(k, "sharpness")}
               for k in ("original", "dark", "blurred", "soft")}

    # Reuse: copies of one photo must be within the threshold; different photos must not.
    by_photo = {}
    for r in rows:
        if r["variant"] in ("original", "reencoded_q50", "resized_50", "cropped_4pct_each_side") and r.get("dhash"):
            by_photo.setdefault(r["photo"], {})[r["variant"]] = r["dhash"]
    same = [hamming(v["original"], v[k]) for v in by_photo.values() for k in v if k != "original"]
    # The corpus holds a few derived files of one scene (x02 is r02 rotated, u01 is r11 upscaled):
    # the subject word in the name tells scenes apart, so those pairs count as the same scene.
    scene = lambda name: name.split("_")[1]
    pairs = list(itertools.combinations(sorted(by_photo), 2))
    same += [hamming(by_photo[a]["original"], by_photo[b]["original"]) for a, b in pairs if scene(a) == scene(b)]
    different = [hamming(by_photo[a]["original"], by_photo[b]["original"]) for a, b in pairs if scene(a) != scene(b)]
    threshold = int(os.environ.get("REUSE_THRESHOLD", "12"))
    tp = sum(d <= threshold for d in same)
    fp = sum(d <= threshold for d in different)
    reuse = {
        "threshold_bits": threshold,
        "same_scene_distances": sorted(same),
        "different_photo_distances_min": min(different) if different else None,
        "different_photo_distances": sorted(different),
        "recall": tp / len(same) if same else None,
        "precision": tp / (tp + fp) if tp + fp else None,
        "pairs": {"same": len(same), "different": len(different)},
    }

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "quality-calibration.json"), "w") as f:
        json.dump({"rows": rows, "summary": summary, "reuse": reuse}, f, indent=1)
    lines = ["# Quality and reuse calibration", "",
             f"`bench/calibrate_quality.py` on {len(by_photo)} corpus photos (≥ 480 px), via `doorstep check-photo`.", "",
             "| variant | brightness min–max | sharpness min–max | flagged (of n) |", "|---|---|---|---|"]
    for kind in ("original", "dark", "blurred", "soft", "reencoded_q50", "resized_50", "cropped_4pct_each_side", "as_is"):
        sel = [r for r in rows if r["variant"] == kind]
        if not sel:
            continue
        b = [r["mean_brightness"] for r in sel if r["mean_brightness"] is not None]
        s = [r["sharpness"] for r in sel if r["sharpness"] is not None]
        flagged = sum(1 for r in sel if r["issues"])
        lines.append(f"| {kind} | {min(b):.0f}–{max(b):.0f} | {min(s):.0f}–{max(s):.0f} | {flagged} of {len(sel)} |")
    lines += ["", "Per photo (issues):", ""]
    for r in rows:
        lines.append(f"- {r['photo']} {r['variant']}: brightness {r['mean_brightness']}, sharpness {r['sharpness']}, issues {r['issues']}")
    lines += ["", f"Reuse (dHash, Hamming distance ≤ {threshold} of 64 bits): recall {reuse['recall']:.2f} over {len(same)} "
              f"copies, precision {reuse['precision']:.2f}; closest two different photos: {reuse['different_photo_distances_min']} bits; "
              f"copies' distances {reuse['same_scene_distances']}."]
    with open(os.path.join(out_dir, "quality-calibration.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines[:14]))
    print(lines[-1])


if __name__ == "__main__":
    main()
