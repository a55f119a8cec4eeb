"""Ours vs Pillow-SIMD vs libvips's vips_thumbnail, in one run: interleaved single-thread passes over
the benchmark set (ROUNDS, default 5), medians and spread, ratios; then output quality (PSNR/SSIM of
each 1600 px output against a reference Lanczos resize of the full image).
Writes bench/results/pipeline-compare.{json,md}.

usage: compare_pipelines.py BENCH_BINARY PILLOW_PYTHON FILE...   (bench/run passes them)"""
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    binary, pillow_python, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    rounds = int(os.environ.get("ROUNDS", "5"))
    script = os.path.join(HERE, "pillow_pipeline.py")
    runners = {
        "ours": [binary, "--once", *files],
        "ours_without_redaction": [binary, "--once", "--no-redaction", *files],
        "pillow_simd": [pillow_python, script, "rate", *files],
        "vips_thumbnail": [binary, "--once", "--baseline", *files],
    }
    rates = {name: [] for name in runners}
    versions = {}
    for _ in range(rounds):
        for name, command in runners.items():
            result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
            rates[name].append(result["images_per_s"])
            if "pillow" in result:
                versions["pillow"] = result["pillow"]
    summary = {name: {"median_images_per_s": round(statistics.median(v), 2), "min": min(v), "max": max(v),
                      "median_ms_per_image": round(1000 / statistics.median(v), 1)} for name, v in rates.items()}
    ours = summary["ours"]["median_images_per_s"]
    ratios = {f"ours_vs_{name}": round(ours / summary[name]["median_images_per_s"], 2)
              for name in ("pillow_simd", "vips_thumbnail", "ours_without_redaction")}
    ratios["ours_without_redaction_vs_pillow_simd"] = round(
        summary["ours_without_redaction"]["median_images_per_s"] / summary["pillow_simd"]["median_images_per_s"], 2)
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([binary, "--write", folder, *files], check=True)
        quality = json.loads(subprocess.run([pillow_python, script, "quality", folder, *files],
                                            check=True, capture_output=True, text=True).stdout)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    report = {"machine": {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), **versions},
              "photos": len(files), "rounds": rounds, "single_thread": summary, "ratios": ratios, "quality": quality["mean"],
              "quality_rows": quality["rows"]}
    results = os.environ.get("BENCH_RESULTS") or os.path.join(HERE, "results")
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, "pipeline-compare.json"), "w") as f:
        json.dump(report, f, indent=1)
    lines = [
        "# Image pipeline: ours vs Pillow-SIMD vs vips_thumbnail", "",
        f"{len(files)} photos, {rounds} interleaved rounds, one thread each; {cpu}, {os.cpu_count()} cores; Pillow {versions.get('pillow', '?')}.", "",
        "| pipeline | images/s per core (median) | spread (min–max) | ms/image | 1600 px PSNR / SSIM vs reference |",
        "|---|---|---|---|---|",
    ]
    for name, label in (("ours", "Doorstep with redaction (faces at 1280 and 320 px, people at 600 px)"),
                        ("ours_without_redaction", "Doorstep without redaction (libjpeg-turbo DCT-scaled decode streamed into our Lanczos-3 resampler)"),
                        ("pillow_simd", "Pillow-SIMD (draft + Lanczos)"),
                        ("vips_thumbnail", "libvips vips_thumbnail_buffer")):
        s = summary[name]
        q = quality["mean"].get("ours" if name == "ours" else "pillow" if name == "pillow_simd" else None)
        qtext = f"{q['psnr_db']} dB / {q['ssim']}" if q else "—"
        lines.append(f"| {label} | {s['median_images_per_s']} | {s['min']}–{s['max']} | {s['median_ms_per_image']} | {qtext} |")
    lines += ["", f"Ratios: ours / Pillow-SIMD = {ratios['ours_vs_pillow_simd']} with redaction, "
              f"{ratios['ours_without_redaction_vs_pillow_simd']} without; ours / vips_thumbnail = {ratios['ours_vs_vips_thumbnail']}; "
              f"redaction keeps {ratios['ours_vs_ours_without_redaction']} of the pipeline's rate."]
    with open(os.path.join(results, "pipeline-compare.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
