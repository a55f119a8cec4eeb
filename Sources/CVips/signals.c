// Quality and identity signals on the 320 px thumbnail, in plain loops: each libvips operation
// here cost more in setting up its pipeline than in arithmetic. The grey values are libvips's own
// (its sRGB → linear → luminance → sRGB functions), so the thresholds calibrated with libvips's
// colourspace and convolution still hold.
#include "pixels.h"
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

int dsm_measure(const uint8_t *rgbx, int width, int height, double *brightness, double *sharpness, uint64_t *dhash) {
    size_t count = (size_t)width * height;
    uint8_t *grey = malloc(count);
    if (!grey) return -1;
    uint64_t total = 0;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *p = rgbx + i * 4;
        total += (uint64_t)p[0] + p[1] + p[2];
        grey[i] = grey_of(p);
    }
    *brightness = (double)total / (3.0 * count);
    // Sharpness: a blurred photo has few edges, so its Laplacian varies little. Edges repeat the
    // border pixel (as libvips's convolution does); the variance is the sample variance.
    double sum = 0, squares = 0;
    for (int y = 0; y < height; y++) {
        const uint8_t *row = grey + (size_t)y * width;
        const uint8_t *up = grey + (size_t)(y > 0 ? y - 1 : y) * width;
        const uint8_t *down = grey + (size_t)(y + 1 < height ? y + 1 : y) * width;
        for (int x = 0; x < width; x++) {
            int left = row[x > 0 ? x - 1 : x], right = row[x + 1 < width ? x + 1 : x];
            double v = (double)(up[x] + down[x] + left + right - 4 * row[x]);
            sum += v;
            squares += v * v;
        }
    }
    *sharpness = count > 1 ? (squares - sum * sum / count) / (count - 1) : 0;
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
