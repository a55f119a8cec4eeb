"""A trial, not part of the product: can an `obstructed` verdict (a finger or a pocket edge over
part of the lens) be judged reliably on the 320 px thumbnail? Its answer, no, and its numbers are
in BENCHMARKS.md ("`obstructed`: tried, not shipped"). Run:

    .build/e2e-venv/bin/python bench/quality/obstructed_trial.py [--rebuild]

Step 1 builds (and caches in thumbs.npz) 320 px thumbnails of:
  negatives  - every corpus photo under each "ok" condition of bench/quality/conditions.py,
               plus the real photos labelled legible in bench/quality/real/MANIFEST.tsv
  positives  - finger copies (coverage 8/15/25/40 %, lit / backlit / shadowed) and
               pocket-edge copies (20/30/40 %) of every corpus photo (original exposure)
Step 2 computes the signal variants and prints catch rates and false positives.
"""
import csv, io, os, sys, zlib
import numpy as np
from PIL import Image, ImageOps, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from conditions import CONDITIONS  # noqa: E402

CORPUS = os.path.join(HERE, "../../../shared/photos/corpus")
REAL = os.path.join(HERE, "real")
CACHE = os.path.join(HERE, "../../.build/obstructed-thumbs.npz")
COVERAGES = (0.08, 0.15, 0.25, 0.40)
FINGER_COLOURS = {"lit": (200, 140, 110), "backlit": (150, 60, 40), "shadowed": (60, 35, 30)}
POCKET_COLOURS = [(38, 40, 48), (45, 55, 78), (70, 58, 48), (55, 55, 55)]  # black, denim, brown, grey
POCKET_COVERAGES = (0.20, 0.30, 0.40)


# ---------------------------------------------------------------- data
def jpeg(image, q):
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=q)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def thumb320(image):
    t = image.copy()
    t.thumbnail((320, 320), Image.LANCZOS)
    return np.asarray(t.convert("RGB"), dtype=np.uint8)


def load(path):
    im = Image.open(path)
    im.draft("RGB", (1280, 1280))
    im = ImageOps.exif_transpose(im).convert("RGB")
    return im


def blob_mask(w, h, rng, coverage, kind):
    """Soft alpha of a finger entering from a random corner or side, area (alpha>0.5) ≈ coverage."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    side = rng.integers(0, 8)  # 0-3 sides (left, right, top, bottom), 4-7 corners
    jitter = rng.uniform(-0.25, 0.25)
    if side < 4:
        # anchor on the side, at a random position along it; finger axis roughly perpendicular
        if side == 0: ax, ay, ang = 0, h * (0.5 + jitter), 0.0
        elif side == 1: ax, ay, ang = w, h * (0.5 + jitter), np.pi
        elif side == 2: ax, ay, ang = w * (0.5 + jitter), 0, np.pi / 2
        else: ax, ay, ang = w * (0.5 + jitter), h, -np.pi / 2
    else:
        c = side - 4
        ax, ay = (0 if c in (0, 2) else w), (0 if c in (0, 1) else h)
        ang = np.arctan2(h / 2 - ay, w / 2 - ax)
    ang += rng.uniform(-0.35, 0.35)
    aspect = rng.uniform(0.45, 0.7)  # finger: long axis into the frame, narrower across
    ca, sa = np.cos(ang), np.sin(ang)

    def mask(s):
        # ellipse centred at the anchor, pushed slightly out of frame: semi-axes s (along), s*aspect
        cx, cy = ax - ca * 0.15 * s, ay - sa * 0.15 * s
        u = (x - cx) * ca + (y - cy) * sa
        v = -(x - cx) * sa + (y - cy) * ca
        return (u / s) ** 2 + (v / (s * aspect)) ** 2 < 1

    lo, hi = 1.0, 3.0 * max(w, h)
    for _ in range(30):
        mid = (lo + hi) / 2
        if mask(mid).mean() < coverage: lo = mid
        else: hi = mid
    m = mask(hi).astype(np.float32)
    sigma = rng.uniform(0.03, 0.05) * w
    a = np.asarray(Image.fromarray(np.uint8(m * 255)).filter(ImageFilter.GaussianBlur(sigma)), np.float64) / 255
    return a


def band_mask(w, h, rng, coverage):
    side = rng.integers(0, 4)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    if side < 2:
        t = x / w if side == 0 else 1 - x / w
        along = y / h
    else:
        t = y / h if side == 2 else 1 - y / h
        along = x / w
    tilt = rng.uniform(-0.12, 0.12)
    wave = 0.03 * np.sin(along * rng.uniform(3, 7) + rng.uniform(0, 6))
    edge = coverage + tilt * (along - 0.5) + wave
    m = (t < edge).astype(np.float32)
    sigma = rng.uniform(0.02, 0.04) * w
    return np.asarray(Image.fromarray(np.uint8(m * 255)).filter(ImageFilter.GaussianBlur(sigma)), np.float64) / 255


def paint(image, alpha, colour, rng, noise=3.0):
    a = np.asarray(image, np.float64)
    h, w = alpha.shape
    y, x = np.mgrid[0:h, 0:w]
    d = rng.uniform(0, 2 * np.pi)
    g = ((x / w - 0.5) * np.cos(d) + (y / h - 0.5) * np.sin(d))  # -0.7..0.7
    gain = 1 + rng.uniform(0.25, 0.45) * g  # gentle gradient across it
    c = np.array(colour, np.float64) * rng.uniform(0.9, 1.1, 3)
    layer = c[None, None, :] * gain[..., None] + rng.normal(0, noise, (h, w, 3))
    out = a * (1 - alpha[..., None]) + layer * alpha[..., None]
    return Image.fromarray(np.uint8(np.clip(np.round(out), 0, 255)))


def build():
    names, thumbs, meta = [], [], []

    def add(name, arr, m):
        names.append(name); thumbs.append(arr); meta.append(m)

    if not os.path.isdir(CORPUS):
        sys.exit(f"no corpus at {os.path.normpath(CORPUS)}: this trial needs ../shared/photos beside the project")
    photos = sorted(f for f in os.listdir(CORPUS) if f.lower().endswith((".jpg", ".jpeg", ".png")))
    for i, f in enumerate(photos):
        im = load(os.path.join(CORPUS, f))
        if min(im.size) < 480:
            print("skip (small)", f, im.size, file=sys.stderr); continue
        im.thumbnail((1280, 1280), Image.LANCZOS)
        print("corpus", f, im.size, file=sys.stderr)
        for cond, (label, make) in CONDITIONS.items():
            if label != "ok": continue
            add(f"{f}|{cond}", thumb320(jpeg(make(im), 90)), ("neg", cond, 0.0, ""))
        w, h = im.size
        for cov in COVERAGES:
            for cname, col in FINGER_COLOURS.items():
                rng = np.random.default_rng(zlib.crc32(repr((i, cov, cname)).encode()))
                al = blob_mask(w, h, rng, cov, cname)
                add(f"{f}|finger_{cname}_{int(cov*100)}", thumb320(jpeg(paint(im, al, col, rng), 90)),
                    ("pos", "finger", cov, cname))
            # also one on a dim (dusk −2 EV) and a warm indoor copy, lit finger: does it still hold?
            for cond in ("dusk_-2ev", "indoor_lamps"):
                rng = np.random.default_rng(zlib.crc32(repr((i, cov, cond)).encode()))
                al = blob_mask(w, h, rng, cov, "lit")
                base = CONDITIONS[cond][1](im)
                add(f"{f}|finger_lit_{int(cov*100)}_on_{cond}", thumb320(jpeg(paint(base, al, FINGER_COLOURS["lit"], rng), 90)),
                    ("pos", "finger_on_" + cond, cov, "lit"))
        for cov in POCKET_COVERAGES:
            rng = np.random.default_rng(zlib.crc32(repr((i, cov, "pocket")).encode()))
            col = POCKET_COLOURS[rng.integers(0, len(POCKET_COLOURS))]
            al = band_mask(w, h, rng, cov)
            add(f"{f}|pocket_{int(cov*100)}", thumb320(jpeg(paint(im, al, col, rng, 2.5), 90)), ("pos", "pocket", cov, str(col)))
    with open(os.path.join(REAL, "MANIFEST.tsv")) as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["legible"] != "yes": continue
            im = load(os.path.join(REAL, row["file"]))
            im.thumbnail((1280, 1280), Image.LANCZOS)
            add(f"{row['file']}|real", thumb320(im), ("neg", "real:" + row["category"], 0.0, ""))
    np.savez_compressed(CACHE, names=np.array(names), meta=np.array(meta, dtype=object),
                        **{f"t{k}": t for k, t in enumerate(thumbs)})


def load_cache():
    z = np.load(CACHE, allow_pickle=True)
    names, meta = list(z["names"]), list(z["meta"])
    return names, meta, [z[f"t{k}"] for k in range(len(names))]


if __name__ == "__main__" and ("--rebuild" in sys.argv or not os.path.exists(CACHE)):
    build()


# ---------------------------------------------------------------- signal
def cells_of(t, cell=20):
    """Per-cell mean Laplacian energy, mean RGB, grey std on a 320 px thumbnail."""
    a = t.astype(np.float64)
    grey = a @ [0.299, 0.587, 0.114]
    p = np.pad(grey, 1, mode="edge")
    lap = p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4 * grey
    h, w = grey.shape
    ny, nx = max(1, round(h / cell)), max(1, round(w / cell))
    ys = np.linspace(0, h, ny + 1).astype(int); xs = np.linspace(0, w, nx + 1).astype(int)
    E = np.zeros((ny, nx)); C = np.zeros((ny, nx, 3))
    for i in range(ny):
        for j in range(nx):
            E[i, j] = (lap[ys[i]:ys[i+1], xs[j]:xs[j+1]] ** 2).mean()
            C[i, j] = a[ys[i]:ys[i+1], xs[j]:xs[j+1]].reshape(-1, 3).mean(0)
    return E, C


def obstruction_colour(C):
    r, g, b = C[..., 0], C[..., 1], C[..., 2]
    mean = C.mean(-1)
    warm = (r >= g) & (g >= b - 8) & (r - b >= 25) & (r >= 45)          # skin: lit, backlit, shadowed
    dark = (mean >= 18) & (mean <= 95) & (C.max(-1) - C.min(-1) <= 45)  # pocket fabric
    return warm | dark


def largest_border_region(mask):
    ny, nx = mask.shape
    seen = np.zeros_like(mask); best = 0
    for i in range(ny):
        for j in range(nx):
            if not mask[i, j] or seen[i, j] or not (i in (0, ny - 1) or j in (0, nx - 1)): continue
            stack = [(i, j)]; seen[i, j] = True; n = 0
            while stack:
                y, x = stack.pop(); n += 1
                for yy, xx in ((y+1, x), (y-1, x), (y, x+1), (y, x-1)):
                    if 0 <= yy < ny and 0 <= xx < nx and mask[yy, xx] and not seen[yy, xx]:
                        seen[yy, xx] = True; stack.append((yy, xx))
            best = max(best, n)
    return best / mask.size


def score(E, C, variant, k):
    """Share of the frame in the largest border-connected smooth (and obstruction-coloured) region.
    variant: 'rel' (energy < k x the 75th-percentile cell energy), 'abs' (energy < k),
    suffix '+col' adds the colour test. All exclude near-black cells (night surroundings)."""
    mean = C.mean(-1)
    if variant.startswith("rel"):
        ref = np.percentile(E, 75)
        smooth = E < k * ref
    else:
        smooth = E < k
    m = smooth & (mean >= 15)
    if variant.endswith("+col"):
        m &= obstruction_colour(C)
    return largest_border_region(m)


def regions(mask):
    """Border-connected components (4-connected) of a cell mask, as lists of (y, x)."""
    ny, nx = mask.shape
    seen = np.zeros_like(mask); out = []
    for i in range(ny):
        for j in range(nx):
            if not mask[i, j] or seen[i, j] or not (i in (0, ny - 1) or j in (0, nx - 1)): continue
            stack = [(i, j)]; seen[i, j] = True; cells = []
            while stack:
                y, x = stack.pop(); cells.append((y, x))
                for yy, xx in ((y+1, x), (y-1, x), (y, x+1), (y, x-1)):
                    if 0 <= yy < ny and 0 <= xx < nx and mask[yy, xx] and not seen[yy, xx]:
                        seen[yy, xx] = True; stack.append((yy, xx))
            out.append(cells)
    return out


def score2(E, C, k=0.02, floor=20.0, max_resid=6.0, colour=True, pct=75, minfloor=0.0):
    """v3: smooth = energy under min(k x p75, floor) (relative AND absolute); obstruction colour;
    the region must be flat in colour too: RMS residual of its cells' RGB means around a fitted
    plane (a gentle gradient) at most max_resid grey levels. Returns the share of the largest
    qualifying border-connected region."""
    ref = np.percentile(E, pct)
    m = (E < max(min(k * ref, floor), minfloor)) & (C.mean(-1) >= 15)
    if colour: m &= obstruction_colour(C)
    best = 0.0
    for cells in regions(m):
        if len(cells) < 4: continue
        ys, xs = np.array(cells).T
        A = np.c_[np.ones(len(ys)), ys, xs]
        V = C[ys, xs]
        coef, *_ = np.linalg.lstsq(A, V, rcond=None)
        resid = np.sqrt(((V - A @ coef) ** 2).mean())
        if resid <= max_resid:
            best = max(best, len(cells) / m.size)
    return best


def report(pct=97, k=0.005, threshold=0.194):
    names, meta, th = load_cache()
    s = np.array([score2(*cells_of(t), k, 1e9, 1e9, True, pct, 0.0) for t in th])
    neg = [i for i, m in enumerate(meta) if m[0] == "neg"]
    print(f"best variant: smooth = cell energy < {k} x p{pct}; obstruction colour; border-connected; flag if share > {threshold}")
    for grp in ("finger", "finger_on_dusk_-2ev", "finger_on_indoor_lamps", "pocket"):
        for cov in sorted({m[2] for m in meta if m[1] == grp}):
            idx = [i for i, m in enumerate(meta) if m[1] == grp and m[2] == cov]
            by = {c: sum(s[i] > threshold for i in idx if meta[i][3] == c) for c in sorted({meta[i][3] for i in idx})}
            print(f"  {grp:24s} {int(cov*100):3d}%: {(s[idx] > threshold).sum():2d}/{len(idx)}  " + (str(by) if grp == "finger" else ""))
    fp = [i for i in neg if s[i] > threshold]
    print(f"false positives: {len(fp)}/{len(neg)}")
    for i in sorted(neg, key=lambda i: -s[i])[:12]:
        print(f"  {'FP ' if s[i] > threshold else '   '}{s[i]:.3f} {names[i]}")


if __name__ == "__main__":
    report()
