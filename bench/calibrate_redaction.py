"""Redaction's recall, false redactions and cost, at several search sizes, through the pipeline
itself (doorstep-pipeline-bench --redaction-check: each photo processed with and without
redaction; a labelled face counts as found when redaction changed at least 30 % of its box in the
stored display photo, which a detection elsewhere in the frame does not do).

Positives: bench/redaction/people_set.py's labelled set (three freely licensed people at face
widths of 30 to 600 px in 1600 px photos, day and dusk), and bodies_set.py's (two people 250 to
2000 px tall, 8 m to 1 m away, in landscape photos 900 to 1200 px high and in portrait ones
1200 x 1600, face visible or head covered, day and dusk; a body counts as found when redaction
changed at least 30 % of its box; recall is also given for the issue's 1 to 5 m), measured once,
at the last size: people are searched for on a 600 px copy whatever the face search's. And the
real photos with people of bench/quality/real (12 people in 5 photos, boxes by eye in
bench/redaction/real_people.tsv). Negatives: the people set's scenes alone and every photo of ../shared/photos/corpus without people; a false redaction is any
face or person pixelated there. Writes BENCH_RESULTS/redaction.{json,md}.

usage: calibrate_redaction.py BENCH_BINARY [SIDE...]      (default sides: 640 960 1280)"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "redaction"))
import bodies_set  # noqa: E402
import people_set  # noqa: E402

CORPUS = HERE.parent.parent / "shared/photos/corpus"
WITH_PEOPLE = ("r10_", "r19_")  # friends and the astronaut: not negatives
FOUND = 0.3
NEAR_M = 5.1  # the "1 to 5 m": 400 px tall and over (bodies_set.DISTANCE_M rounds 400 px to 5.1 m)


def check(binary, side, files):
    command = [binary, "--redaction-check", "--search-side", str(side), *files]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def real_people(binary, side):
    """Real photos with people in them (bench/redaction/real_people.tsv, boxes drawn by eye): how
    many of their people are pixelated, photo by photo."""
    rows = [line.split("\t") for line in (HERE / "redaction/real_people.tsv").read_text().splitlines()[1:]]
    files = [f"{HERE}/quality/real/{name}@{box}" for name, boxes, _ in rows for box in boxes.split(";")]
    found = defaultdict(list)
    for result in check(binary, side, files):
        found[Path(result["file"]).name].append(result["changed"] >= FOUND)
    return {name: [sum(found[name]), len(found[name])] for name, _, _ in rows}


def main():
    binary, sides = sys.argv[1], [int(s) for s in sys.argv[2:]] or [640, 960, 1280]
    with tempfile.TemporaryDirectory() as folder:
        people_set.main(folder)
        bodies_set.main(f"{folder}/bodies")
        rows = [line.split("\t") for line in (Path(folder) / "labels.tsv").read_text().splitlines()[1:]]
        labelled = {name: (kind, width, light, box) for name, kind, width, light, box in rows}
        files = [f"{folder}/{name}" + (f"@{box}" if kind == "face" else "") for name, (kind, _, _, box) in labelled.items()]
        body_rows = [line.split("\t") for line in (Path(folder) / "bodies/labels.tsv").read_text().splitlines()[1:]]
        bodies = {name: (kind, int(height), box) for name, kind, height, _, box in body_rows}
        body_files = [f"{folder}/bodies/{name}@{box}" for name, (_, _, box) in bodies.items()]
        corpus = sorted(p for p in CORPUS.glob("*") if p.suffix in (".jpg", ".png", ".heic") and not p.name.startswith(WITH_PEOPLE)) \
            if CORPUS.exists() else []
        if not corpus:
            print(f"calibrate_redaction: no corpus at {CORPUS} (../shared/photos beside the project): "
                  "the negatives are the labelled set's scenes only", file=sys.stderr)
        report = {"positives": sum(k == "face" for k, *_ in labelled.values()), "bodies": len(bodies),
                  "negatives": sum(k == "negative" for k, *_ in labelled.values()) + len(corpus), "sides": {}}
        for side in sides:
            results = check(binary, side, files) + (check(binary, side, [str(p) for p in corpus]) if corpus else [])
            by_width, by_light, false, ms, ms_without = defaultdict(list), defaultdict(list), [], [], []
            for result in results:
                kind, width, light, _ = labelled.get(result["file"], ("negative", "-", "-", "-"))
                if kind == "face":
                    found = result["changed"] >= FOUND
                    by_width[int(width)].append(found)
                    by_light[light].append(found)
                    ms.append(result["ms"])
                    ms_without.append(result["ms_without"])
                elif result["faces"] > 0 or result.get("people", 0) > 0:
                    false.append(result["file"])
            everything = [f for v in by_width.values() for f in v]

            report["sides"][side] = {
                "recall": round(sum(everything) / len(everything), 3),
                "recall_by_face_width": {w: round(sum(v) / len(v), 3) for w, v in sorted(by_width.items())},
                "recall_by_light": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_light.items())},
                "false_redactions": len(false), "false_redaction_rate": round(len(false) / report["negatives"], 3),
                "falsely_redacted": false,
                "ms_per_1600px_photo": round(statistics.median(ms), 1), "ms_per_1600px_photo_without": round(statistics.median(ms_without), 1),
            }
        # Once, at the last size: people are searched for on a 600 px copy whatever the face search's.
        by_body = defaultdict(list)  # (orientation, head, height) -> found or not, photo by photo
        for result in check(binary, sides[-1], body_files):
            kind, height, _ = bodies[result["file"]]
            orientation = "portrait" if result["file"].endswith("_portrait.jpg") else "landscape"
            by_body[(orientation, kind.removeprefix("body-"), height)].append(result["changed"] >= FOUND)

        def recall(keep):
            found = [f for key, v in by_body.items() if keep(*key) for f in v]
            return round(sum(found) / len(found), 3)

        report["person_recall"] = recall(lambda *_: True)
        report["person_recall_within_5_m"] = recall(lambda _, __, height: bodies_set.DISTANCE_M[height] <= NEAR_M)
        report["person_recall_by_orientation"] = {
            orientation: {"all": recall(lambda o, *_: o == orientation),
                          "within_5_m": recall(lambda o, _, height: o == orientation and bodies_set.DISTANCE_M[height] <= NEAR_M),
                          "by_head_and_height": {f"{head} {height} ({bodies_set.DISTANCE_M[height]} m)": recall(
                              lambda o, h, t: (o, h, t) == (orientation, head, height))
                              for (o, head, height) in sorted(by_body) if o == orientation}}
            for orientation in ("landscape", "portrait")}
        report["real_people"] = real_people(binary, sides[-1])
    results_dir = Path(os.environ.get("BENCH_RESULTS") or HERE / "results")
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "redaction.json").write_text(json.dumps(report, indent=1) + "\n")
    widths = sorted({w for s in report["sides"].values() for w in s["recall_by_face_width"]})
    lines = [f"Faces: {report['positives']} labelled photos; negatives: {report['negatives']} photos without people.", "",
             "| search side | face recall | " + " | ".join(f"{w} px" for w in widths) + " | day / dusk | false redactions | ms per photo with / without |",
             "|---|---|" + "---|" * len(widths) + "---|---|---|"]
    for side, s in report["sides"].items():
        lines.append(f"| {side} px | {s['recall']} | " + " | ".join(str(s["recall_by_face_width"][w]) for w in widths)
                     + f" | {s['recall_by_light'].get('day')} / {s['recall_by_light'].get('dusk')} | {s['false_redactions']}/{report['negatives']}"
                     + f" | {s['ms_per_1600px_photo']} / {s['ms_per_1600px_photo_without']} |")
    orientations = report["person_recall_by_orientation"]
    cells = list(orientations["landscape"]["by_head_and_height"])
    lines += ["", f"People (bodies): {report['bodies']} labelled photos, half landscape (900 to 1200 px high) and half portrait (1200 x 1600); "
              "the head shown, or covered (hidden); height in px, and how far away that is with a phone's main camera.", "",
              "| person recall | all | 1 to 5 m (400 px and taller) | " + " | ".join(cells) + " |", "|---|---|---|" + "---|" * len(cells)]
    for orientation, r in orientations.items():
        lines.append(f"| {orientation} | {r['all']} | {r['within_5_m']} | " + " | ".join(str(r["by_head_and_height"].get(c, "-")) for c in cells) + " |")
    lines.append(f"| **both** | **{report['person_recall']}** | **{report['person_recall_within_5_m']}** |" + " |" * len(cells))
    real = report["real_people"]
    lines += ["", f"Real photos with people (bench/redaction/real_people.tsv): {sum(f for f, _ in real.values())} of "
              f"{sum(n for _, n in real.values())} people pixelated: " + ", ".join(f"{name} {f}/{n}" for name, (f, n) in real.items()) + "."]
    (results_dir / "redaction.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
