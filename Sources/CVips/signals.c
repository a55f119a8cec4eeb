// Quality and identity signals on the 320 px thumbnail, in plain loops: each libvips operation
// here cost more in setting up its pipeline than in arithmetic. The grey values are libvips's own
// (its sRGB → linear → luminance → sRGB functions), so the thresholds calibrated with libvips's
// colourspace and convolution still hold.
#include "pixels.h"
#include <math.h>
#include <stdlib.h>
#include <vips/vips.h>

static float linear[256];  // sRGB byte → linear light, as vips_sRGB2scRGB

void dsm_init(void) {
    for (int v = 0; v < 256; v++) {
        float r, g, b;
        vips_col_sRGB2scRGB_8(v, v, v, &r, &g, &b);
        linear[v] = r;
    }
}

static uint8_t grey_of(const uint8_t *pixel) {
    int grey, overflow;
    vips_col_scRGB2BW_8(linear[pixel[0]], linear[pixel[1]], linear[pixel[2]], &grey, &overflow);
    return (uint8_t)grey;
}

// The grey value under which `share` of the pixels lie (a percentile, from the histogram).
static int level_at(const uint32_t histogram[256], size_t count, double share) {
    size_t below = 0, wanted = (size_t)(share * count);
    for (int v = 0; v < 256; v++) {
        below += histogram[v];
        if (below > wanted) return v;
    }
    return 255;
}

int dsm_measure(const uint8_t *rgbx, int width, int height, dsv_signals *signals, uint64_t *dhash) {
    size_t count = (size_t)width * height;
    if (count == 0) return -1;
    uint8_t *grey = malloc(count);
    if (!grey) return -1;
    uint64_t total = 0;
    uint32_t histogram[256] = {0};
    size_t clipped = 0;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *p = rgbx + i * 4;
        total += (uint64_t)p[0] + p[1] + p[2];
        grey[i] = grey_of(p);
        histogram[grey[i]]++;
        // Blown out: two channels or more at the top, so its colour is lost too. Sunlit grass
        // pushed past white turns flat yellow (red and green clipped) whose luminance stays
        // under 250; one saturated channel alone (a red door) is colour, not overexposure.
        clipped += (p[0] >= 250) + (p[1] >= 250) + (p[2] >= 250) >= 2;
    }
    signals->mean_brightness = (double)total / (3.0 * count);
    // Legibility, not the mean: a dim photo is legible when its brighter parts are bright enough
    // (the brightest fiftieth: a parcel lit by a porch lamp in a black night is a few percent of
    // the frame); a dark one is dark all over, or nearly all of it is crushed to black.
    // Overexposed: much of it is blown out, where nothing can be read any more.
    signals->bright_level = level_at(histogram, count, 0.98);
    size_t dark = 0;
    for (int v = 0; v < 20; v++) dark += histogram[v];
    signals->dark_share = (double)dark / count;
    signals->clipped_share = (double)clipped / count;
    // Sharpness: a blurred photo has few edges, so its Laplacian varies little. A dim photo has
    // weaker edges too, by the square of its contrast: judged as if its contrast were stretched
    // from the 1st to the 99th percentile (at most 8×), a dusk photo in focus is as sharp as a day
    // one. A frame with hardly any contrast (a span under 32 grey levels: a wall, a sheet, a lens
    // cap) is not stretched: that would make its noise look like detail. Edges repeat the border
    // pixel (as libvips's convolution does); variances are sample variances. Along each of four
    // directions apart too (across, down, both diagonals): a moving hand smears one way and leaves
    // the others nearly sharp.
    int low = level_at(histogram, count, 0.01), high = level_at(histogram, count, 0.99);
    double gain = high - low >= 32 ? 255.0 / (high - low) : 1.0;
    if (gain > 8) gain = 8;
    if (gain < 1) gain = 1;
    double sum = 0, squares = 0, sums[4] = {0}, square_sums[4] = {0};
    for (int y = 0; y < height; y++) {
        const uint8_t *row = grey + (size_t)y * width;
        const uint8_t *up = grey + (size_t)(y > 0 ? y - 1 : y) * width;
        const uint8_t *down = grey + (size_t)(y + 1 < height ? y + 1 : y) * width;
        for (int x = 0; x < width; x++) {
            int l = x > 0 ? x - 1 : x, r = x + 1 < width ? x + 1 : x, centre = 2 * row[x];
            double d[4] = {row[l] + row[r] - centre, up[x] + down[x] - centre,  // across, down
                           up[l] + down[r] - centre, up[r] + down[l] - centre}; // the two diagonals
            double v = d[0] + d[1];
            sum += v;
            squares += v * v;
            for (int k = 0; k < 4; k++) {
                sums[k] += d[k];
                square_sums[k] += d[k] * d[k];
            }
        }
    }
    double n = (double)count, stretch = gain * gain;
    double variance = count > 1 ? (squares - sum * sum / n) / (n - 1) : 0;
    double weaker = INFINITY;
    for (int k = 0; k < 4; k++) {
        double directional = count > 1 ? (square_sums[k] - sums[k] * sums[k] / n) / (n - 1) : 0;
        if (directional < weaker) weaker = directional;
    }
    signals->sharpness = (variance > 0 ? variance : 0) * stretch;
    signals->weaker_sharpness = (weaker > 0 ? weaker : 0) * stretch;
    // dHash: 9 × 8 cells, each the mean grey of its area; bit = a cell darker than its right
    // neighbour. Area means (not a sharper filter) keep it steady under re-encoding, resizing and
    // small crops, while different scenes still differ.
    double cells[8][9];
    for (int cy = 0; cy < 8; cy++)
        for (int cx = 0; cx < 9; cx++) {
            int y0 = cy * height / 8, y1 = (cy + 1) * height / 8, x0 = cx * width / 9, x1 = (cx + 1) * width / 9;
            if (y1 <= y0) y1 = y0 + 1;  // images under 8 × 9 px: a cell is at least one pixel
            if (x1 <= x0) x1 = x0 + 1;
            uint64_t cell = 0;
            for (int y = y0; y < y1 && y < height; y++)
                for (int x = x0; x < x1 && x < width; x++) cell += grey[(size_t)y * width + x];
            cells[cy][cx] = (double)cell / ((double)(y1 - y0) * (x1 - x0));
        }
    free(grey);
    uint64_t hash = 0;
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++) hash = (hash << 1) | (cells[y][x] < cells[y][x + 1] ? 1u : 0u);
    *dhash = hash;
    return 0;
}
