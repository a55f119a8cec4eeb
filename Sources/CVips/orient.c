// EXIF orientation on RGBX pixels: each output pixel is read from where the tag says it was
// stored, walking the output in tiles so the quarter turns stay cache-friendly.
#include "pixels.h"
#include <string.h>

void dsr_orient(const uint8_t *in, int width, int height, int orientation, uint8_t *out,
                int *out_width, int *out_height) {
    const uint32_t *src = (const uint32_t *)in;
    uint32_t *dst = (uint32_t *)out;
    int swap = orientation >= 5 && orientation <= 8;
    int ow = swap ? height : width, oh = swap ? width : height;
    // Output (x, y) comes from src[origin + x * step_x + y * step_y].
    long origin = 0, step_x = 1, step_y = width;
    switch (orientation) {
    case 2: origin = width - 1; step_x = -1; step_y = width; break;                          // mirrored
    case 3: origin = (long)height * width - 1; step_x = -1; step_y = -width; break;          // 180°
    case 4: origin = (long)(height - 1) * width; step_x = 1; step_y = -width; break;         // flipped
    case 5: origin = 0; step_x = width; step_y = 1; break;                                   // transposed
    case 6: origin = (long)(height - 1) * width; step_x = -width; step_y = 1; break;         // 90° clockwise
    case 7: origin = (long)height * width - 1; step_x = -width; step_y = -1; break;          // transverse
    case 8: origin = width - 1; step_x = width; step_y = -1; break;                          // 90° anticlockwise
    default:
        memcpy(out, in, (size_t)width * height * 4);
        *out_width = width;
        *out_height = height;
        return;
    }
    const int tile = 64;
    for (int y0 = 0; y0 < oh; y0 += tile)
        for (int x0 = 0; x0 < ow; x0 += tile)
            for (int y = y0; y < y0 + tile && y < oh; y++) {
                const uint32_t *from = src + origin + (long)x0 * step_x + (long)y * step_y;
                uint32_t *to = dst + (size_t)y * ow;
                int end = x0 + tile < ow ? x0 + tile : ow;
                for (int x = x0; x < end; x++, from += step_x) to[x] = *from;
            }
    *out_width = ow;
    *out_height = oh;
}
