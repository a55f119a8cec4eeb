#pragma once
#include <stdint.h>

/// Lanczos-3 resize of an 8-bit interleaved image with `bands` bytes per pixel into `out`
/// (out_width × out_height × bands bytes). Returns non-zero only when memory runs out.
int dsr_resize(const uint8_t *in, int width, int height, int bands, uint8_t *out, int out_width, int out_height);
