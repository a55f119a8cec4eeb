#ifndef CVIPS_MEASURES_H
#define CVIPS_MEASURES_H
#include "CVips.h"

// Measuring instruments for the tests and benchmarks, kept out of the product's shim. They use
// stock libvips calls only, so they are independent of the pipeline they measure. libvips must
// have been started (dsv_init) first.

/// Decodes a whole image to auto-rotated 8-bit sRGB pixels (3 bands).
int dsb_decode_srgb(const void *data, size_t length, int *width, int *height,
                    void **pixels, size_t *pixels_length, char *err, size_t err_length);

/// The benchmarks' second baseline (after Pillow-SIMD): libvips's own `vips_thumbnail_buffer` to
/// `display_max` and `thumbnail_max`, JPEG q`quality`, stripped, plus the mean brightness.
int dsb_thumbnail_baseline(const void *data, size_t length, int display_max, int thumbnail_max, int quality,
                           dsv_output *output, char *err, size_t err_length);

#endif
