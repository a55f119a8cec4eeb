// Redaction: what a stored photo must never show is found on a reduced copy of the upright image
// and pixelated, with a margin, in every variant before it is encoded. The unredacted pixels live
// only in this process's memory for the length of the job, as the decoded original does.
#include "pixels.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

// YuNet finds faces up to about 500 px of the image it searches: a face that fills much of the
// frame (a face at the lens, a selfie by mistake) is looked for again on a copy this small.
#define COARSE_SIDE 320
// The person network looks at square tiles of this copy at 300 x 300: a 3:2 photo this long gives
// two tiles of about 400 px, a little over what the network sees.
#define PEOPLE_SIDE 600

typedef int (*finder)(const uint8_t *rgbx, int width, int height, dsd_region *regions, int capacity);

// One search on a copy at most `longest` px long; regions come back in `upright`'s pixels.
static int search_at(finder find, const uint8_t *upright, int width, int height, int longest, dsd_region *regions, int capacity) {
    int sw = width, sh = height;
    dsr_fit(width, height, longest, &sw, &sh);
    const uint8_t *searched = upright;
    uint8_t *reduced = NULL;
    if (sw != width || sh != height) {
        if (!(reduced = malloc((size_t)sw * sh * 4)) || dsr_resize_memory(upright, (size_t)width * 4, width, height, reduced, sw, sh)) {
            free(reduced);
            return -1;
        }
        searched = reduced;
    }
    int count = find(searched, sw, sh, regions, capacity);
    free(reduced);
    // Back to the upright image's pixels (rounded outwards, so a region never shrinks).
    double sx = (double)width / sw, sy = (double)height / sh;
    for (int i = 0; i < count; i++) {
        int x0 = (int)(regions[i].x * sx), y0 = (int)(regions[i].y * sy);
        int x1 = (int)((regions[i].x + regions[i].width) * sx + 1), y1 = (int)((regions[i].y + regions[i].height) * sy + 1);
        regions[i].x = x0;
        regions[i].y = y0;
        regions[i].width = (x1 < width ? x1 : width) - x0;
        regions[i].height = (y1 < height ? y1 : height) - y0;
    }
    return count;
}

// The same face found at two sizes: the centre of either lies inside the other.
static int same_face(const dsd_region *a, const dsd_region *b) {
    int ax = a->x + a->width / 2, ay = a->y + a->height / 2, bx = b->x + b->width / 2, by = b->y + b->height / 2;
    return (ax >= b->x && ax < b->x + b->width && ay >= b->y && ay < b->y + b->height) ||
           (bx >= a->x && bx < a->x + a->width && by >= a->y && by < a->y + a->height);
}

// Regions found on a coarse copy that are not already in `regions` (or all of them, for another
// kind) are added while there is room. Returns the new count, or -1 when the search failed.
static int add_search(finder find, int dedupe, const uint8_t *upright, int width, int height, int longest,
                      dsd_region *regions, int count, int capacity) {
    dsd_region *more = malloc(sizeof(dsd_region) * (size_t)(capacity > 0 ? capacity : 1));
    int found = more ? search_at(find, upright, width, height, longest, more, capacity) : -1;
    for (int i = 0; i < found && count < capacity; i++) {
        int seen = 0;
        for (int j = 0; j < count && dedupe && !seen; j++) seen = regions[j].kind == more[i].kind && same_face(&more[i], &regions[j]);
        if (!seen) regions[count++] = more[i];
    }
    free(more);
    return found < 0 ? -1 : count;
}

int dsx_find(const uint8_t *upright, int width, int height, int longest, dsd_region *regions, int capacity) {
    int count = search_at(dsd_find, upright, width, height, longest, regions, capacity);
    if (count >= 0 && longest > COARSE_SIDE && (width > COARSE_SIDE || height > COARSE_SIDE))
        count = add_search(dsd_find, 1, upright, width, height, COARSE_SIDE, regions, count, capacity);
    // People from behind or too far for a face: their bodies, on a small copy.
    // (Not when faces filled every place: then the whole photo is pixelated anyway.)
    if (count >= 0 && count < capacity)
        count = add_search(dsd_find_people, 0, upright, width, height, PEOPLE_SIDE, regions, count, capacity);
    return count;
}

// Each cell of the mosaic becomes its mean colour: a face spans about four cells across, which no
// "depixelation" brings back (the EDPB counts irreversible pixelation as erasure).
// [x0, x1) × [y0, y1) must lie within the image (dsx_pixelate clamps it).
static void mosaic(uint8_t *rgbx, int width, int x0, int y0, int x1, int y1, int cell) {
    for (int cy = y0; cy < y1; cy += cell) {
        int cy1 = cy + cell < y1 ? cy + cell : y1;
        for (int cx = x0; cx < x1; cx += cell) {
            int cx1 = cx + cell < x1 ? cx + cell : x1;
            uint64_t sum[3] = {0, 0, 0}, n = (uint64_t)(cx1 - cx) * (cy1 - cy);
            for (int y = cy; y < cy1; y++)
                for (int x = cx; x < cx1; x++)
                    for (int c = 0; c < 3; c++) sum[c] += rgbx[((size_t)y * width + x) * 4 + c];
            for (int y = cy; y < cy1; y++)
                for (int x = cx; x < cx1; x++)
                    for (int c = 0; c < 3; c++) rgbx[((size_t)y * width + x) * 4 + c] = (uint8_t)(sum[c] / n);
        }
    }
}

// `value` rounded by `round` and held within [0, limit]: every bound below is a pixel that exists.
static int clamp_to(double value, double (*round)(double), int limit) {
    double rounded = round(value);
    return !(rounded > 0) ? 0 : rounded > limit ? limit : (int)rounded;
}

// Pixelates [x, x + w) × [y, y + h) of the image, rounded outwards and clamped to it, in cells of
// its longer side / `cells`.
static void pixelate_box(uint8_t *rgbx, int width, int height, double x, double y, double w, double h, int cells) {
    int x0 = clamp_to(x, floor, width), y0 = clamp_to(y, floor, height);
    int x1 = clamp_to(x + w, ceil, width), y1 = clamp_to(y + h, ceil, height);
    if (x1 <= x0 || y1 <= y0) return;
    int longest = (x1 - x0) > (y1 - y0) ? (x1 - x0) : (y1 - y0);
    int cell = longest / cells;
    mosaic(rgbx, width, x0, y0, x1, y1, cell < 2 ? 2 : cell);
}

void dsx_pixelate(uint8_t *rgbx, int width, int height, const dsd_region *regions, int count, double sx, double sy) {
    int longest = width > height ? width : height;
    for (int i = 0; i < count; i++) {
        double x = regions[i].x * sx, y = regions[i].y * sy, w = regions[i].width * sx, h = regions[i].height * sy;
        if (regions[i].kind != DSD_FACE) {
            // A person box holds the whole body already: a small margin for what the network's box
            // cut short, and a head's worth per cell (a head is about an eighth of a person's height).
            pixelate_box(rgbx, width, height, x - w * 0.05, y - h * 0.05, w * 1.1, h * 1.1, 8);
            continue;
        }
        // A face box runs from brows to chin: the margin takes in hair, ears and the neck, which
        // recognise a person as well; about six cells across it.
        pixelate_box(rgbx, width, height, x - w * 0.3, y - h * 0.35, w * 1.6, h * 1.7, 6);
        // And the body below it: clothes, build and bearing recognise a person too, and the person
        // network misses most people about 10 m away, some of whose faces are still found
        // (BENCHMARKS.md, "bodies under found faces"). A standing person is about 7.5 heads tall
        // and 2.5 wide, and a face box about three quarters of a head: 3.5 face widths across
        // (arms), 8.5 face heights down from the chin, clamped to the frame. Someone seated or cut
        // by the frame costs some of the scene below their face; a face found by mistake, or
        // printed on a parcel, would too (none on the corpus). Not under a face wider than a
        // twelfth of the frame: that body would span most of the frame or more, which the person
        // network finds (every body 600 px and taller in the labelled set), and a selfie by
        // mistake is not pixelated from the chin down.
        if (w * 12 > longest) continue;
        pixelate_box(rgbx, width, height, x + w / 2 - w * 1.75, y + h, w * 3.5, h * 8.5, 8);
    }
}
