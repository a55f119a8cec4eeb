"""Calibrates the quality verdict and measures reuse detection on real photos.

Quality: every corpus photo is copied under the conditions of bench/quality/conditions.py (dusk,
night with flash, snow, indoor lamps, noise, raindrops, under- and overexposure, motion, defocus),
each labelled with what the verdict should be; the real photos of bench/quality/real/ (dusk,
night, snow, indoor, fog…, labelled by eye in their MANIFEST.tsv) are the check on photos the
thresholds were not chosen on. Everything goes through `doorstep check-photo`, the upload pipeline
itself. Prints and writes the confusion matrix (label × verdict) and the false "retake" rate on
legible photos.

Reuse: re-encoded, resized and slightly cropped copies of each photo must match it; different
photos must not.

Writes bench/results/quality-calibration.{md,json} (or $BENCH_RESULTS).

usage: calibrate_quality.py DOORSTEP_BINARY CORPUS_DIR | PHOTO...
"""
import collections
import csv
import itertools
import json
import os
import subprocess
import sys
import tempfile

from PIL import Image, ImageOps

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "quality"))
from conditions import CONDITIONS  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REAL = os.path.join(HERE, "quality", "real")
RETAKE = ("too_dark", "overexposed", "blurry")  # too_small is about the upload's size, not the scene
COPIES = ("reencoded_q50", "resized_50", "cropped_4pct_each_side")


def check(binary, paths):
    out = subprocess.run([binary, "check-photo", *paths], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def verdict(result):
    issues = [i for i in (result.get("issues") or []) if i in RETAKE]
    return "error" if result.get("error") else (issues[0] if issues else "ok")


def hamming(a, b):
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def copies(image):
    w, h = image.size
    d = (int(w * 0.04), int(h * 0.04))
    return {"reencoded_q50": image, "resized_50": image.resize((w // 2, h // 2), Image.LANCZOS),
            "cropped_4pct_each_side": image.crop((d[0], d[1], w - d[0], h - d[1]))}


def real_photos():
    path = os.path.join(REAL, "MANIFEST.tsv")
    if not os.path.exists(path):
        print("calibrate_quality: bench/quality/real/ is absent: no check on real photos", file=sys.stderr)
        return []
    with open(path) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    labelled = []
    for row in rows:
        if row["legible"] == "yes":
            label = "ok"
        else:
            label = {"underexposed": "too_dark", "night": "too_dark", "overexposed": "overexposed"}.get(row["category"], "blurry")
        labelled.append((row["file"], row["category"], label, os.path.join(REAL, row["file"])))
    return labelled


def confusion(rows):
    labels = [l for l in ("ok", *RETAKE) if any(r["label"] == l for r in rows)]
    verdicts = ("ok", *RETAKE, "error")
    lines = ["| label ↓ · verdict → | " + " | ".join(verdicts) + " | n |", "|---" * (len(verdicts) + 2) + "|"]
    for label in labels:
        sel = [r for r in rows if r["label"] == label]
        counts = collections.Counter(r["verdict"] for r in sel)
        lines.append(f"| **{label}** | " + " | ".join(str(counts.get(v, 0)) for v in verdicts) + f" | {len(sel)} |")
    ok = [r for r in rows if r["label"] == "ok"]
    false_retake = sum(r["verdict"] != "ok" for r in ok)
    bad = [r for r in rows if r["label"] in RETAKE]
    caught = sum(r["verdict"] != "ok" for r in bad)
    right_reason = sum(r["verdict"] == r["label"] for r in bad)
    summary = {"legible": len(ok), "false_retake": false_retake, "false_retake_rate": false_retake / len(ok) if ok else None,
               "unusable": len(bad), "retake_asked": caught, "retake_recall": caught / len(bad) if bad else None,
               "right_reason": right_reason}
    return lines, summary


def main():
    binary, sources = sys.argv[1], sys.argv[2:]
    out_dir = os.environ.get("BENCH_RESULTS", os.path.join(HERE, "results"))
    if len(sources) == 1 and os.path.isdir(sources[0]):
        sources = [os.path.join(sources[0], n) for n in os.listdir(sources[0])]
    paths = {os.path.basename(p): p for p in sources if p.lower().endswith((".jpg", ".jpeg", ".png"))}
    names = sorted(paths)
    rows, reuse_rows = [], []
    with tempfile.TemporaryDirectory() as tmp:
        files = []  # (photo, condition, label, path)
        for name in names:
            image = ImageOps.exif_transpose(Image.open(paths[name])).convert("RGB")
            if min(image.size) < 480:
                continue  # too small to start with: nothing to judge but its size
            # Phone-upload size is more than the verdict needs (it reads the 320 px thumbnail); keeps this quick.
            image.thumbnail((1280, 1280), Image.LANCZOS)
            for condition, (label, make) in CONDITIONS.items():
                path = os.path.join(tmp, f"{name}.{condition}.jpg")
                make(image).save(path, quality=90)
                files.append((name, condition, label, path))
            for kind, copy in copies(image).items():
                path = os.path.join(tmp, f"{name}.{kind}.jpg")
                copy.save(path, quality=50 if kind == "reencoded_q50" else 90)
                files.append((name, kind, None, path))
        real = real_photos()
        files += [(name, "real:" + category, label, path) for name, category, label, path in real]
        for (name, condition, label, _), result in zip(files, check(binary, [f[3] for f in files])):
            row = {"photo": name, "condition": condition, "label": label, "verdict": verdict(result), **result}
            row.pop("file", None)
            (reuse_rows if condition in COPIES else rows).append(row)
            if condition == "original":
                reuse_rows.append(row)

    corpus_rows = [r for r in rows if not r["condition"].startswith("real:") and r["label"]]
    real_rows = [r for r in rows if r["condition"].startswith("real:")]
    corpus_matrix, corpus_summary = confusion(corpus_rows)
    real_matrix, real_summary = confusion(real_rows) if real_rows else ([], {})

    # Reuse: copies of one photo must be within the threshold; different photos must not.
    by_photo = collections.defaultdict(dict)
    for r in reuse_rows:
        if r.get("dhash"):
            by_photo[r["photo"]][r["condition"]] = r["dhash"]
    same = [hamming(v["original"], v[k]) for v in by_photo.values() for k in v if k != "original"]
    # The corpus holds a few derived files of one scene (x02 is r02 rotated, u01 is r11 upscaled):
    # the subject word in the name tells scenes apart, so those pairs count as the same scene.
    scene = lambda name: name.split("_")[1]
    pairs = list(itertools.combinations(sorted(by_photo), 2))
    same += [hamming(by_photo[a]["original"], by_photo[b]["original"]) for a, b in pairs if scene(a) == scene(b)]
    different = [hamming(by_photo[a]["original"], by_photo[b]["original"]) for a, b in pairs if scene(a) != scene(b)]
    threshold = int(os.environ.get("REUSE_THRESHOLD", "12"))
    tp, fp = sum(d <= threshold for d in same), sum(d <= threshold for d in different)
    reuse = {"threshold_bits": threshold, "same_scene_distances": sorted(same),
             "different_photo_distances_min": min(different) if different else None,
             "recall": tp / len(same) if same else None, "precision": tp / (tp + fp) if tp + fp else None,
             "pairs": {"same": len(same), "different": len(different)}}

    def span(sel, key, digits=0):
        values = [r[key] for r in sel if r.get(key) is not None]
        return f"{min(values):.{digits}f}–{max(values):.{digits}f}" if values else "–"

    photos = len({r["photo"] for r in corpus_rows})
    lines = ["# Quality and reuse calibration", "",
             f"`bench/calibrate_quality.py` through `doorstep check-photo`: {photos} photos (≥ 480 px) under "
             f"{len(CONDITIONS)} conditions, and {len(real_rows)} real photos of hard light (bench/quality/real).", "",
             "## Each condition", "",
             "| condition | label | verdicts | bright level | dark share | clipped share | sharpness | weaker axis | mean |",
             "|---|---|---|---|---|---|---|---|---|"]
    for condition, (label, _) in CONDITIONS.items():
        sel = [r for r in rows if r["condition"] == condition]
        counts = collections.Counter(r["verdict"] for r in sel)
        lines.append(f"| {condition} | {label or 'not scored'} | " + ", ".join(f"{v} {n}" for v, n in counts.most_common())
                     + f" | {span(sel, 'bright_level')} | {span(sel, 'dark_share', 2)} | {span(sel, 'clipped_share', 2)} | "
                     f"{span(sel, 'sharpness')} | {span(sel, 'weaker_sharpness')} | {span(sel, 'mean_brightness')} |")
    lines += ["", "## Confusion matrix: corpus copies (the thresholds were chosen on these)", "", *corpus_matrix, "",
              f"False retake on legible copies: {corpus_summary['false_retake']} of {corpus_summary['legible']} "
              f"({100 * corpus_summary['false_retake_rate']:.1f} %). Unusable copies asked to retake: "
              f"{corpus_summary['retake_asked']} of {corpus_summary['unusable']}, {corpus_summary['right_reason']} for the right reason."]
    if real_rows:
        lines += ["", "## Confusion matrix: real photos (not used to choose the thresholds)", "", *real_matrix, "",
                  f"False retake on legible real photos: {real_summary['false_retake']} of {real_summary['legible']}"
                  + (f"; unusable ones asked to retake: {real_summary['retake_asked']} of {real_summary['unusable']}." if real_summary['unusable'] else "."),
                  "", "| photo | category | label | verdict | bright level | dark share | clipped share | sharpness | weaker axis | mean |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for r in real_rows:
            lines.append(f"| {r['photo']} | {r['condition'][5:]} | {r['label']} | {r['verdict']} | {r.get('bright_level')} | "
                         f"{r.get('dark_share')} | {r.get('clipped_share')} | {r.get('sharpness')} | {r.get('weaker_sharpness')} | {r.get('mean_brightness')} |")
    lines += ["", f"## Reuse", "", f"dHash, Hamming distance ≤ {threshold} of 64 bits: recall {reuse['recall']:.2f} over {len(same)} "
              f"copies, precision {reuse['precision']:.2f}; closest two different photos: {reuse['different_photo_distances_min']} bits; "
              f"copies' distances {reuse['same_scene_distances']}."]
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "quality-calibration.json"), "w") as f:
        json.dump({"rows": rows, "corpus": corpus_summary, "real": real_summary, "reuse": reuse}, f, indent=1)
    with open(os.path.join(out_dir, "quality-calibration.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
