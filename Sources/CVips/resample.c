// Separable Lanczos-3 resampling of 8-bit interleaved images in fixed point (the method Pillow
// uses): libvips 8.14's scalar reduce was half of all our cycles. Each pass runs down the rows,
// where one weight applies to a whole contiguous row, so the compiler vectorises it (AVX2 where
// the CPU has it, chosen at load time); the horizontal pass is the vertical one on the transpose.
#include "resample.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PRECISION 14

typedef struct {
    int *start;        // first input row of each output row
    int *count;        // taps used by each output row
    int32_t *weights;  // taps weights per output row, summing to 1 << PRECISION
    int taps;
    int narrow;        // every weight fits in 16 bits (always, for Lanczos-3; checked, not assumed)
} coefficients;

static double sinc(double x) {
    if (x == 0.0) return 1.0;
    x *= M_PI;
    return sin(x) / x;
}

static double lanczos3(double x) { return (x > -3.0 && x < 3.0) ? sinc(x) * sinc(x / 3.0) : 0.0; }

static void release(coefficients *c) {
    free(c->start);
    free(c->count);
    free(c->weights);
    c->start = c->count = NULL;
    c->weights = NULL;
}

static int compute(int in_size, int out_size, coefficients *c) {
    double scale = (double)in_size / out_size;
    double filter_scale = scale > 1.0 ? scale : 1.0;
    double support = 3.0 * filter_scale;
    c->taps = (int)ceil(support) * 2 + 1;
    c->narrow = 1;
    c->start = malloc(sizeof(int) * out_size);
    c->count = malloc(sizeof(int) * out_size);
    c->weights = calloc((size_t)out_size * c->taps, sizeof(int32_t));
    double *w = malloc(sizeof(double) * c->taps);
    if (!c->start || !c->count || !c->weights || !w) {
        free(w);
        release(c);
        return -1;
    }
    for (int i = 0; i < out_size; i++) {
        double center = (i + 0.5) * scale;
        int lo = (int)(center - support + 0.5), hi = (int)(center + support + 0.5);
        if (lo < 0) lo = 0;
        if (hi > in_size) hi = in_size;
        int n = 0;
        double total = 0;
        for (int j = lo; j < hi && n < c->taps; j++, n++) {
            w[n] = lanczos3((j + 0.5 - center) / filter_scale);
            total += w[n];
        }
        int32_t *out = c->weights + (size_t)i * c->taps;
        for (int k = 0; k < n; k++) {
            out[k] = (int32_t)lround(w[k] / total * (1 << PRECISION));
            if (out[k] > INT16_MAX || out[k] < INT16_MIN) c->narrow = 0;
        }
        c->start[i] = lo;
        c->count[i] = n;
    }
    free(w);
    return 0;
}

// out_rows rows of `width` bytes each from the input rows, weighted.
__attribute__((target_clones("avx2", "default")))
static void rows_pass(const uint8_t *in, size_t width, uint8_t *out, int out_rows, const coefficients *c, int32_t *acc) {
    for (int y = 0; y < out_rows; y++) {
        const int32_t *w = c->weights + (size_t)y * c->taps;
        const uint8_t *first = in + (size_t)c->start[y] * width;
        for (size_t x = 0; x < width; x++) acc[x] = 1 << (PRECISION - 1);
        // Two taps at a time, as 16-bit products: the compiler turns the pair into multiply-adds
        // of 16-bit lanes (weights fit in 16 bits: |w| ≤ 1.4 × 2^14).
        int k = 0;
        for (; c->narrow && k + 1 < c->count[y]; k += 2) {
            const uint8_t *row0 = first + (size_t)k * width, *row1 = row0 + width;
            int16_t w0 = (int16_t)w[k], w1 = (int16_t)w[k + 1];
            for (size_t x = 0; x < width; x++) acc[x] += (int16_t)row0[x] * w0 + (int16_t)row1[x] * w1;
        }
        for (; k < c->count[y]; k++) {
            const uint8_t *row = first + (size_t)k * width;
            int32_t wk = w[k];
            for (size_t x = 0; x < width; x++) acc[x] += row[x] * wk;
        }
        uint8_t *o = out + (size_t)y * width;
        for (size_t x = 0; x < width; x++) {
            int32_t v = acc[x] >> PRECISION;
            o[x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

// Pixels of `bands` bytes: out (width × height) = in (height × width) transposed, in tiles.
static void transpose(const uint8_t *in, int width, int height, int bands, uint8_t *out) {
    const int tile = 32;
    for (int y0 = 0; y0 < height; y0 += tile)
        for (int x0 = 0; x0 < width; x0 += tile)
            for (int y = y0; y < y0 + tile && y < height; y++) {
                const uint8_t *from = in + ((size_t)y * width + x0) * bands;
                uint8_t *to = out + ((size_t)x0 * height + y) * bands;
                int end = x0 + tile < width ? x0 + tile : width;
                if (bands == 3) {  // the usual case, without a memcpy call per pixel
                    for (int x = x0; x < end; x++, from += 3, to += (size_t)height * 3) {
                        to[0] = from[0];
                        to[1] = from[1];
                        to[2] = from[2];
                    }
                } else {
                    for (int x = x0; x < end; x++, from += bands, to += (size_t)height * bands) memcpy(to, from, bands);
                }
            }
}

// Scratch buffers kept per thread: each image worker resizes one photo after another, and fresh
// multi-megabyte allocations would cost a page fault per page every time.
static __thread uint8_t *scratch[2];
static __thread size_t scratch_size[2];
static __thread int32_t *scratch_acc;
static __thread size_t scratch_acc_size;

static void *grow(void **buffer, size_t *size, size_t needed) {
    if (*size < needed) {
        void *bigger = realloc(*buffer, needed);
        if (!bigger) return NULL;
        *buffer = bigger;
        *size = needed;
    }
    return *buffer;
}

int dsr_resize(const uint8_t *in, int width, int height, int bands, uint8_t *out, int out_width, int out_height) {
    coefficients vertical = {0}, horizontal = {0};
    size_t widest = (size_t)(width > out_width ? width : out_width) * (height > out_height ? height : out_height) * bands;
    uint8_t *a = grow((void **)&scratch[0], &scratch_size[0], widest);
    uint8_t *b = grow((void **)&scratch[1], &scratch_size[1], widest);
    int32_t *acc = grow((void **)&scratch_acc, &scratch_acc_size,
                        sizeof(int32_t) * (size_t)(width > out_height ? width : out_height) * bands);
    int rc = -1;
    if (!a || !b || !acc) goto done;
    if (compute(height, out_height, &vertical) || compute(width, out_width, &horizontal)) goto done;
    rows_pass(in, (size_t)width * bands, a, out_height, &vertical, acc);   // height → out_height
    transpose(a, width, out_height, bands, b);                              // now width rows of out_height
    rows_pass(b, (size_t)out_height * bands, a, out_width, &horizontal, acc); // width → out_width
    transpose(a, out_height, out_width, bands, out);                        // back: out_height rows of out_width
    rc = 0;
done:
    release(&vertical);
    release(&horizontal);
    return rc;
}
