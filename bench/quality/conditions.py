"""What a courier's camera does to a photo, as functions of a PIL image: the conditions the quality
verdict is calibrated on (bench/calibrate_quality.py) and the test fixtures are made with
(Tests/Fixtures/quality/make_fixtures.py).

Light is changed in linear light, as a camera's exposure does (EV: a factor of two per step), not
by scaling sRGB bytes. Each labelled condition says what the verdict should be: `ok` (legible: a
customer sees the parcel), or the one issue it should report. `None` marks borderline copies that
are shown in the table but not scored: people would disagree about them.
"""
import numpy as np
from PIL import Image, ImageFilter


def _linear(a):
    a = a / 255.0
    return np.where(a <= 0.04045, a / 12.92, ((a + 0.055) / 1.055) ** 2.4)


def _encoded(linear):
    linear = np.clip(linear, 0, 1)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055) * 255


def _image(a):
    return Image.fromarray(np.uint8(np.clip(np.round(a), 0, 255)))


def _array(image):
    return np.asarray(image.convert("RGB"), dtype=np.float64)


def exposure(image, stops):
    """Over- (+) or underexposed (−) by `stops` EV; what goes past white is clipped, as a sensor does."""
    return _image(_encoded(_linear(_array(image)) * 2.0 ** stops))


def flash(image, centre, edge):
    """A flash's fall-off: light × `centre` in the middle down to × `edge` in the corners."""
    a = _array(image)
    h, w = a.shape[:2]
    y, x = np.mgrid[0:h, 0:w]
    r = np.sqrt(((x - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2) / np.sqrt(2)
    gain = centre * (edge / centre) ** r
    return _image(_encoded(_linear(a) * gain[..., None]))


def snow(image, keep=0.35):
    """A bright white scene exposed right: everything lifted towards white, detail kept, little clipped."""
    return _image(255 - (255 - _array(image)) * keep)


def tint(image, red, green, blue):
    """White balance off, as under indoor lamps."""
    return _image(_array(image) * [red, green, blue])


def noise(image, sigma, seed=1):
    """Sensor noise of a dim scene at high ISO."""
    a = _array(image)
    return _image(a + np.random.default_rng(seed).normal(0, sigma, a.shape))


def motion(image, share, diagonal=False):
    """A moving hand: a smear over `share` of the long side, across or diagonally."""
    n = max(3, int(max(image.size) * share))
    a = _array(image)
    shift = (lambda i: np.roll(np.roll(a, i - n // 2, axis=1), i - n // 2, axis=0)) if diagonal else (lambda i: np.roll(a, i - n // 2, axis=1))
    return _image(sum(shift(i) for i in range(n)) / n)


def flat(image, level, sigma, seed=3):
    """Nothing in the frame: a lens cap, a wall filling it, a pocket in daylight; just sensor noise."""
    a = np.full_like(_array(image), float(level))
    return _image(a + np.random.default_rng(seed).normal(0, sigma, a.shape))


def spotlit(image, share=0.04):
    """Night, the parcel lit by a porch lamp or a torch: a disc of `share` of the frame a stop
    brighter than by day (the lamp is close), nearly black around it."""
    a = _array(image)
    h, w = a.shape[:2]
    y, x = np.mgrid[0:h, 0:w]
    lit = (x - w / 2) ** 2 + (y - h / 2) ** 2 < share * w * h / np.pi
    return _image(np.where(lit[..., None], _array(exposure(image, 1)), _array(exposure(image, -7))))


def defocus(image, share):
    """A missed focus: Gaussian blur, sigma `share` of the long side."""
    return image.filter(ImageFilter.GaussianBlur(max(image.size) * share))


def raindrops(image, drops=12, seed=2):
    """Rain on the lens: round patches, each a strongly blurred view, over about a sixth of the frame."""
    rng = np.random.default_rng(seed)
    a, blurred = _array(image), _array(defocus(image, 0.02))
    h, w = a.shape[:2]
    y, x = np.mgrid[0:h, 0:w]
    mask = np.zeros((h, w), bool)
    for _ in range(drops):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.04, 0.08) * max(w, h)
        mask |= (x - cx) ** 2 + (y - cy) ** 2 < r * r
    a[mask] = blurred[mask]
    return _image(a)


# name -> (label, how). Labels: "ok", an issue's name, or None (borderline, not scored).
CONDITIONS = {
    "original": ("ok", lambda im: im),
    "dusk_-2ev": ("ok", lambda im: exposure(im, -2)),
    "dusk_-3ev": ("ok", lambda im: exposure(im, -3)),
    "dusk_-3ev_noisy": ("ok", lambda im: noise(exposure(im, -3), 6)),
    "night_flash": ("ok", lambda im: flash(im, 1.0, 0.03)),
    "snow": ("ok", lambda im: snow(im)),
    "indoor_lamps": ("ok", lambda im: exposure(tint(im, 1.08, 1.0, 0.75), -1)),
    "bright_+1ev": ("ok", lambda im: exposure(im, 1)),
    "raindrops": ("ok", lambda im: raindrops(im)),
    "night_spotlit": ("ok", lambda im: spotlit(im)),
    "dim_-4ev": (None, lambda im: exposure(im, -4)),
    "dark_-5ev": ("too_dark", lambda im: exposure(im, -5)),
    "dark_-6ev": ("too_dark", lambda im: exposure(im, -6)),
    "dark_-5ev_noisy": ("too_dark", lambda im: noise(exposure(im, -5), 4)),
    "dark_fifth_of_bytes": ("too_dark", lambda im: _image(_array(im) * 0.2)),
    "pocket": ("too_dark", lambda im: defocus(exposure(im, -7), 0.03)),
    "bright_+2.5ev": (None, lambda im: exposure(im, 2.5)),
    "blown_+4ev": ("overexposed", lambda im: exposure(im, 4)),
    "flash_too_close": ("overexposed", lambda im: flash(im, 40, 4)),
    "soft_0.3pct": (None, lambda im: defocus(im, 0.003)),
    "smear_1pct": (None, lambda im: motion(im, 0.01)),
    "defocus_1pct": ("blurry", lambda im: defocus(im, 0.01)),
    "smear_2pct": ("blurry", lambda im: motion(im, 0.02)),
    "smear_2pct_diagonal": ("blurry", lambda im: motion(im, 0.02, diagonal=True)),
    "noisy_dusk_defocus": ("blurry", lambda im: noise(defocus(exposure(im, -3), 0.01), 6)),
    "blank_grey": ("blurry", lambda im: flat(im, 128, 3)),
    "blank_white": ("blurry", lambda im: flat(im, 240, 2)),
    "dusk_defocus": ("blurry", lambda im: defocus(exposure(im, -2.5), 0.01)),
}
