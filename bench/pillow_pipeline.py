"""The Pillow(-SIMD) pipeline on the benchmark set, the same work as ours, one thread; and the
output-quality measure both pipelines are held to.

    pillow_pipeline.py rate FILE...             -> images/s (JSON) over ROUNDS interleaved rounds
    pillow_pipeline.py quality OURS_DIR FILE... -> PSNR/SSIM of OURS_DIR/<name>.jpg and of Pillow's
                                                    1600 px output against a reference Lanczos resize

The work: read header and EXIF, DCT-scaled decode (`draft`) to no less than the output size,
auto-rotate, sRGB (embedded ICC honoured), strip metadata, 1600 px + 320 px JPEG q80, mean
brightness and Laplacian variance of the thumbnail."""
import io
import json
import os
import sys
import time

import numpy
from PIL import Image, ImageCms, ImageFilter, ImageOps, ImageStat

SRGB = ImageCms.createProfile("sRGB")
ROTATIONS = {2: Image.FLIP_LEFT_RIGHT, 3: Image.ROTATE_180, 4: Image.FLIP_TOP_BOTTOM, 5: Image.TRANSPOSE,
             6: Image.ROTATE_270, 7: Image.TRANSVERSE, 8: Image.ROTATE_90}
LAPLACIAN = ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=1, offset=128)


def fit(size, longest):
    w, h = size
    scale = min(1.0, longest / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def process(data):
    image = Image.open(io.BytesIO(data))
    if image.width * image.height > 60_000_000:
        raise ValueError("too many pixels")
    orientation = image.getexif().get(0x0112, 1)
    target = fit(image.size, 1600)
    image.draft("RGB", target)  # decode at the smallest DCT scale still >= the output size
    icc = image.info.get("icc_profile")
    if icc:
        image = ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), SRGB, outputMode="RGB")
    image = image.convert("RGB")
    display = image.resize(fit(image.size, 1600), Image.LANCZOS)
    if orientation in ROTATIONS:  # rotating the smaller image is cheaper, as ours does
        display = display.transpose(ROTATIONS[orientation])
    out = io.BytesIO()
    display.save(out, "JPEG", quality=80, optimize=True)
    thumb = display.resize(fit(display.size, 320), Image.LANCZOS)
    small = io.BytesIO()
    thumb.save(small, "JPEG", quality=80, optimize=True)
    brightness = sum(ImageStat.Stat(thumb).mean) / 3
    sharpness = ImageStat.Stat(thumb.convert("L").filter(LAPLACIAN)).var[0]
    return out.getvalue(), small.getvalue(), brightness, sharpness


def rate(files):
    photos = [open(f, "rb").read() for f in files]
    for p in photos:
        process(p)  # warm-up
    start = time.perf_counter()
    for p in photos:
        process(p)
    return len(photos) / (time.perf_counter() - start)


def reference(path):
    """The quality reference: full decode, auto-rotate, sRGB, Lanczos straight to 1600 px."""
    image = ImageOps.exif_transpose(Image.open(path))
    icc = image.info.get("icc_profile")
    if icc:
        image = ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), SRGB, outputMode="RGB")
    image = image.convert("RGB")
    return image.resize(fit(image.size, 1600), Image.LANCZOS)


def psnr(a, b):
    mse = numpy.mean((a.astype(numpy.float64) - b.astype(numpy.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * numpy.log10(255 ** 2 / mse)


def ssim(a, b):
    """Mean SSIM of the luma over 8×8 blocks (Wang et al. constants)."""
    def luma(x):
        x = x.astype(numpy.float64)
        return 0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]
    x, y = luma(a), luma(b)
    h, w = (x.shape[0] // 8) * 8, (x.shape[1] // 8) * 8
    blocks = lambda z: z[:h, :w].reshape(h // 8, 8, w // 8, 8).swapaxes(1, 2).reshape(-1, 64)
    bx, by = blocks(x), blocks(y)
    mx, my = bx.mean(1), by.mean(1)
    vx, vy = bx.var(1), by.var(1)
    cov = ((bx - mx[:, None]) * (by - my[:, None])).mean(1)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    return float(numpy.mean((2 * mx * my + c1) * (2 * cov + c2) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2))))


def quality(ours_dir, files):
    rows = []
    for f in files:
        ref = reference(f)
        mine = Image.open(os.path.join(ours_dir, os.path.basename(f) + ".jpg")).convert("RGB")
        pillow = Image.open(io.BytesIO(process(open(f, "rb").read())[0])).convert("RGB")
        row = {"file": os.path.basename(f)}
        for name, out in (("ours", mine), ("pillow", pillow)):
            if out.size != ref.size:
                out = out.resize(ref.size, Image.LANCZOS)  # off by a pixel from rounding
            a, b = numpy.asarray(ref), numpy.asarray(out)
            row[name] = {"psnr_db": round(psnr(a, b), 2), "ssim": round(ssim(a, b), 4)}
        rows.append(row)
    mean = lambda who, key: round(sum(r[who][key] for r in rows) / len(rows), 4)
    return {"rows": rows, "mean": {w: {k: mean(w, k) for k in ("psnr_db", "ssim")} for w in ("ours", "pillow")}}


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "rate":
        print(json.dumps({"images_per_s": round(rate(sys.argv[2:]), 2), "pillow": Image.__version__}))
    elif mode == "quality":
        print(json.dumps(quality(sys.argv[2], sys.argv[3:]), indent=1))
