"""Fails unless a benchmark run left every result it should, each with real measurements in it:
what CI runs after `SMOKE=1 bench/run`, so a harness that silently measured nothing fails.

usage: check_smoke.py RESULTS_DIR"""
import json
import sys
from pathlib import Path

# file -> the numbers in it that a working harness makes positive
EXPECTED = {
    "upload-latency.json": [("upload_12mp", "median_ms"), ("upload_baseline", "median_ms")],
    "upload-latency-postgres-s3.json": [("upload_12mp", "median_ms")],
    "notify-latency.json": [("201_to_email (plain)", "count"), ("201_to_webhook (plain)", "count"), ("201_to_email (starttls)", "count"),
                            ("201_to_sms (starttls)", "count"), ("email_p50_ratio_starttls_to_plain",),
                            ("email_p99_ratio_loaded_to_sequential",)],
    "load.json": [("throughput_images_per_s",), ("pipeline_alone_all_cores_images_per_s",), ("latency_p99_ms_at_70pct",), ("mean_image_processing_ms_at_70pct",),
                  ("peak_rss_mb_whole_run",)],
    "upload-memory.json": [("bursts", "4 at once, budget 32 MB", "peak_rss_mb"), ("bursts", "8 at once, no budget (baseline)", "stored")],
    "reads.json": [("photo_views_per_s_16_readers",), ("sweep_ms_per_1000_photos",)],
    "api-costs.json": [("batch_ms_per_delivery",), ("singles_ms_per_delivery",), ("delivery_304_ms_p50",), ("list_page_50_filtered_ms_p50",)],
    "pipeline.json": [("single_thread_images_per_s",), ("all_cores_images_per_s",)],
    "pipeline-compare.json": [("single_thread", "ours", "median_images_per_s"), ("single_thread", "pillow_simd", "median_images_per_s"),
                              ("single_thread", "vips_thumbnail", "median_images_per_s"), ("quality", "ours", "psnr_db"),
                              ("single_thread", "ours_without_redaction", "median_images_per_s")],
    "quality-calibration.json": [("corpus", "legible"), ("corpus", "retake_recall"), ("reuse", "recall")],
    "redaction.json": [("positives",), ("sides", "1280", "recall"), ("sides", "1280", "ms_per_1600px_photo"), ("person_recall",)],
    "dashboard.json": [("sqlite", "first_90_day_view_ms"), ("sqlite", "views", "90_days", "median_ms"),
                       ("postgres", "views", "90_days", "median_ms"), ("postgres", "delivered_with_photo_90_days")],
}


def main():
    folder, problems = Path(sys.argv[1]), []
    for name, paths in EXPECTED.items():
        try:
            report = json.loads((folder / name).read_text())
        except (OSError, ValueError) as error:
            problems.append(f"{name}: {error}")
            continue
        for path in paths:
            value = report
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if not isinstance(value, (int, float)) or value <= 0:
                problems.append(f"{name}: {'.'.join(path)} is {value!r}")
    if problems:
        print("benchmark smoke run incomplete:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print(f"benchmark smoke run: {len(EXPECTED)} result files, every measurement present")


if __name__ == "__main__":
    main()
