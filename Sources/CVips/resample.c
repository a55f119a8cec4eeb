// Separable Lanczos-3 resampling of RGBX images in fixed point (the method Pillow uses; libvips
// 8.14's scalar reduce was half of all our cycles). Vertical pass first, one output row at a time
// from a window of input rows (so a decoder can feed it rows as they come), then the horizontal
// pass on two rows at once while they are still in cache: no transposes, no whole-image
// intermediates.
#include "pixels.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define PRECISION 14

typedef struct {
    int *start;        // first input index of each output index
    int *count;        // taps used by each output index
    int16_t *weights;  // `taps` weights per output index, summing to 1 << PRECISION
    int taps;
    int aligned;       // every count is a multiple of the alignment asked for
} plan;

// The rotation that carries (sin, cos) of πx and of πx/3 one input pixel further.
typedef struct {
    double sin_a, cos_a, sin_b, cos_b;
} tap_step;

static tap_step tap_step_for(double scale) {
    double a = M_PI / scale;
    return (tap_step){sin(a), cos(a), sin(a / 3), cos(a / 3)};
}

// Lanczos-3 at x = (first + k - center) / scale for k in 0 ..< n, into w: sin(πx) and sin(πx/3)
// are carried from tap to tap by the angle-addition formulas, so an output index costs four
// trigonometric calls instead of two per tap (those were 1 % of the pipeline). The sines then
// carry an absolute error around 1e-15: far below the 14-bit weights, but not small next to
// x itself near 0, where sinc is 1 to within 2e-12 anyway.
static void lanczos3_taps(double first, double center, double scale, tap_step step, int n, double *w) {
    double a = M_PI * (first - center) / scale;
    double sa = sin(a), ca = cos(a), sb = sin(a / 3), cb = cos(a / 3);
    for (int k = 0; k < n; k++) {
        double x = (first + k - center) / scale;
        if (fabs(x) < 1e-6) w[k] = 1.0;
        else if (x <= -3.0 || x >= 3.0) w[k] = 0.0;
        else w[k] = (sa / (M_PI * x)) * (sb / (M_PI * x / 3));
        double next_sa = sa * step.cos_a + ca * step.sin_a, next_sb = sb * step.cos_b + cb * step.sin_b;
        ca = ca * step.cos_a - sa * step.sin_a;
        cb = cb * step.cos_b - sb * step.sin_b;
        sa = next_sa;
        sb = next_sb;
    }
}

static void release(plan *p) {
    free(p->start);
    free(p->count);
    free(p->weights);
    memset(p, 0, sizeof(*p));
}

static int taps_for(int in_size, int out_size) {
    double scale = (double)in_size / out_size;
    return (int)ceil(3.0 * (scale > 1.0 ? scale : 1.0)) * 2 + 1;
}

int dsr_window(int in_height, int out_height) { return taps_for(in_height, out_height); }

// `align` > 1 pads every output's taps to a multiple of `align` with zero weights, moving the
// window left where it would run past the end, so SIMD loads never read outside the row.
static int compute(int in_size, int out_size, int align, plan *p) {
    double scale = (double)in_size / out_size;
    double filter_scale = scale > 1.0 ? scale : 1.0;
    double support = 3.0 * filter_scale;
    int taps = taps_for(in_size, out_size);
    tap_step step = tap_step_for(filter_scale);
    p->taps = (taps + align - 1) / align * align;
    p->aligned = 1;
    p->start = malloc(sizeof(int) * out_size);
    p->count = malloc(sizeof(int) * out_size);
    p->weights = calloc((size_t)out_size * p->taps, sizeof(int16_t));
    double *w = malloc(sizeof(double) * p->taps);
    if (!p->start || !p->count || !p->weights || !w) {
        free(w);
        release(p);
        return -1;
    }
    for (int i = 0; i < out_size; i++) {
        double center = (i + 0.5) * scale;
        int lo = (int)(center - support + 0.5), hi = (int)(center + support + 0.5);
        if (lo < 0) lo = 0;
        if (hi > in_size) hi = in_size;
        int n = hi - lo < taps ? hi - lo : taps;
        lanczos3_taps(lo + 0.5, center, filter_scale, step, n, w);
        double total = 0;
        for (int k = 0; k < n; k++) total += w[k];
        int used = n, shift = 0, padded = (n + align - 1) / align * align;
        if (padded <= in_size) {
            if (lo + padded > in_size) shift = lo + padded - in_size;  // lo + used ≤ in_size: fits
            lo -= shift;
            n = padded;
        } else {
            p->aligned = 0;
        }
        int16_t *out = p->weights + (size_t)i * p->taps;
        // |w| ≤ 1.4 × 2^14 for Lanczos-3, so 16 bits always hold a weight.
        for (int k = 0; k < used; k++) out[k + shift] = (int16_t)lround(w[k] / total * (1 << PRECISION));
        p->start[i] = lo;
        p->count[i] = n;
    }
    free(w);
    return 0;
}

static inline uint8_t clamp(int32_t v) {
    v >>= PRECISION;
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

// One output row from `count` input rows of `width` bytes: the portable version (the compiler
// vectorises what it can).
static void vertical_row_c(const uint8_t *const *rows, const int16_t *w, int count, size_t from, size_t width,
                           uint8_t *out) {
    for (size_t x = from; x < width; x++) {
        int32_t sum = 1 << (PRECISION - 1);
        for (int k = 0; k < count; k++) sum += rows[k][x] * w[k];
        out[x] = clamp(sum);
    }
}

#if defined(__x86_64__)
// 32 bytes of output at a time with every tap summed in registers: rows are taken in pairs,
// their bytes interleaved into 16-bit (row k, row k+1) pairs and multiplied by the
// (w[k], w[k+1]) pair in one madd. The unpacks work within 128-bit halves, and the packs at the
// end undo them in the same order.
__attribute__((target("avx2")))
static size_t vertical_row_avx2(const uint8_t *const *rows, const int16_t *w, int count, size_t width, uint8_t *out) {
    const __m256i zero = _mm256_setzero_si256();
    size_t x = 0;
    for (; x + 32 <= width; x += 32) {
        __m256i s0 = _mm256_set1_epi32(1 << (PRECISION - 1)), s1 = s0, s2 = s0, s3 = s0;
        for (int k = 0; k < count; k += 2) {  // the plan pads counts to pairs
            int32_t pair;
            memcpy(&pair, w + k, 4);
            __m256i weights = _mm256_set1_epi32(pair);
            __m256i a = _mm256_loadu_si256((const __m256i *)(rows[k] + x)), b = _mm256_loadu_si256((const __m256i *)(rows[k + 1] + x));
            __m256i low = _mm256_unpacklo_epi8(a, b), high = _mm256_unpackhi_epi8(a, b);
            s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(_mm256_unpacklo_epi8(low, zero), weights));
            s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(_mm256_unpackhi_epi8(low, zero), weights));
            s2 = _mm256_add_epi32(s2, _mm256_madd_epi16(_mm256_unpacklo_epi8(high, zero), weights));
            s3 = _mm256_add_epi32(s3, _mm256_madd_epi16(_mm256_unpackhi_epi8(high, zero), weights));
        }
        __m256i first = _mm256_packs_epi32(_mm256_srai_epi32(s0, PRECISION), _mm256_srai_epi32(s1, PRECISION));
        __m256i second = _mm256_packs_epi32(_mm256_srai_epi32(s2, PRECISION), _mm256_srai_epi32(s3, PRECISION));
        _mm256_storeu_si256((__m256i *)(out + x), _mm256_packus_epi16(first, second));
    }
    return x;  // the caller finishes the last few bytes
}
#endif

static void vertical_row(const uint8_t *const *rows, const int16_t *w, int count, size_t width, uint8_t *out,
                         const plan *p) {
    size_t done = 0;
#if defined(__x86_64__)
    if (p->aligned && __builtin_cpu_supports("avx2")) done = vertical_row_avx2(rows, w, count, width, out);
#endif
    vertical_row_c(rows, w, count, done, width, out);
}

// Two rows at once, pixel by pixel: the portable version.
static void horizontal_rows_c(const uint8_t *in0, const uint8_t *in1, uint8_t *out0, uint8_t *out1,
                              int out_width, const plan *p) {
    for (int x = 0; x < out_width; x++) {
        const int16_t *w = p->weights + (size_t)x * p->taps;
        const uint8_t *a = in0 + (size_t)p->start[x] * 4, *b = in1 + (size_t)p->start[x] * 4;
        int32_t sa[4] = {0}, sb[4] = {0};
        for (int k = 0; k < p->count[x]; k++)
            for (int c = 0; c < 4; c++) {
                sa[c] += a[k * 4 + c] * w[k];
                sb[c] += b[k * 4 + c] * w[k];
            }
        for (int c = 0; c < 4; c++) {
            out0[x * 4 + c] = clamp(sa[c] + (1 << (PRECISION - 1)));
            out1[x * 4 + c] = clamp(sb[c] + (1 << (PRECISION - 1)));
        }
    }
}

#if defined(__x86_64__)
// The two rows sit in the two 128-bit halves of each register, so one weight broadcast serves
// both. Per half: four pixels loaded, spread to 16-bit lanes as (pixel k, pixel k+1) pairs per
// channel, multiplied by the (w[k], w[k+1]) pair and summed in one madd. The plan pads taps to
// a multiple of four inside the row, so the loads never leave it.
__attribute__((target("avx2")))
static void horizontal_rows_avx2(const uint8_t *in0, const uint8_t *in1, uint8_t *out0, uint8_t *out1,
                                 int out_width, const plan *p) {
    const __m256i first_pair = _mm256_setr_epi8(0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3, -1, 7, -1,
                                                0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3, -1, 7, -1);
    const __m256i second_pair = _mm256_setr_epi8(8, -1, 12, -1, 9, -1, 13, -1, 10, -1, 14, -1, 11, -1, 15, -1,
                                                 8, -1, 12, -1, 9, -1, 13, -1, 10, -1, 14, -1, 11, -1, 15, -1);
    for (int x = 0; x < out_width; x++) {
        const int16_t *w = p->weights + (size_t)x * p->taps;
        const uint8_t *a = in0 + (size_t)p->start[x] * 4, *b = in1 + (size_t)p->start[x] * 4;
        __m256i acc = _mm256_set1_epi32(1 << (PRECISION - 1));
        for (int k = 0; k < p->count[x]; k += 4) {
            __m256i pixels = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(a + k * 4))),
                                                     _mm_loadu_si128((const __m128i *)(b + k * 4)), 1);
            int32_t w01, w23;
            memcpy(&w01, w + k, 4);
            memcpy(&w23, w + k + 2, 4);
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_shuffle_epi8(pixels, first_pair), _mm256_set1_epi32(w01)));
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_shuffle_epi8(pixels, second_pair), _mm256_set1_epi32(w23)));
        }
        acc = _mm256_srai_epi32(acc, PRECISION);
        acc = _mm256_packs_epi32(acc, acc);
        acc = _mm256_packus_epi16(acc, acc);
        int32_t pa = _mm_cvtsi128_si32(_mm256_castsi256_si128(acc)), pb = _mm_cvtsi128_si32(_mm256_extracti128_si256(acc, 1));
        memcpy(out0 + (size_t)x * 4, &pa, 4);
        memcpy(out1 + (size_t)x * 4, &pb, 4);
    }
}
#endif

static void horizontal_rows(const uint8_t *in0, const uint8_t *in1, uint8_t *out0, uint8_t *out1,
                            int out_width, const plan *p) {
#if defined(__x86_64__)
    // Taps padded to fours need rows of at least four pixels; tiny images take the C loop.
    if (p->aligned && __builtin_cpu_supports("avx2")) {
        horizontal_rows_avx2(in0, in1, out0, out1, out_width, p);
        return;
    }
#endif
    horizontal_rows_c(in0, in1, out0, out1, out_width, p);
}

// Scratch kept per thread: each image worker resizes one photo after another, and fresh buffers
// would cost a page fault per page every time.
static __thread uint8_t *scratch;
static __thread size_t scratch_size;

int dsr_resize(dsr_fetch fetch, void *source, int width, int height,
               uint8_t *out, size_t out_stride, int out_width, int out_height) {
    plan vertical = {0}, horizontal = {0};
    int rc = -1;
    if (compute(height, out_height, 2, &vertical) || compute(width, out_width, 4, &horizontal)) goto done;
    size_t row_bytes = (size_t)width * 4;
    // Two vertical results, a spare output row, the window's row pointers.
    size_t pointers_at = (2 * row_bytes + (size_t)out_width * 4 + 7) / 8 * 8;
    size_t needed = pointers_at + sizeof(uint8_t *) * vertical.taps;
    if (scratch_size < needed) {
        uint8_t *bigger = realloc(scratch, needed);
        if (!bigger) goto done;
        scratch = bigger;
        scratch_size = needed;
    }
    uint8_t *between[2] = {scratch, scratch + row_bytes};
    uint8_t *spare = scratch + 2 * row_bytes;
    const uint8_t **rows = (const uint8_t **)(scratch + pointers_at);
    for (int y = 0; y < out_height; y += 2) {
        int pair = y + 1 < out_height ? 2 : 1;
        for (int j = 0; j < pair; j++) {
            int first = vertical.start[y + j], count = vertical.count[y + j];
            for (int k = 0; k < count; k++)
                if (!(rows[k] = fetch(source, first + k))) goto done;
            vertical_row(rows, vertical.weights + (size_t)(y + j) * vertical.taps, count, row_bytes, between[j], &vertical);
        }
        uint8_t *second = pair == 2 ? out + (size_t)(y + 1) * out_stride : spare;
        horizontal_rows(between[0], between[pair - 1], out + (size_t)y * out_stride, second, out_width, &horizontal);
    }
    rc = 0;
done:
    release(&vertical);
    release(&horizontal);
    return rc;
}

typedef struct {
    const uint8_t *pixels;
    size_t stride;
} memory_source;

static const uint8_t *memory_row(void *source, int row) {
    memory_source *m = source;
    return m->pixels + (size_t)row * m->stride;
}

int dsr_resize_memory(const uint8_t *in, size_t stride, int width, int height,
                      uint8_t *out, int out_width, int out_height) {
    memory_source source = {in, stride};
    return dsr_resize(memory_row, &source, width, height, out, (size_t)out_width * 4, out_width, out_height);
}

void dsr_fit(int width, int height, int longest, int *out_width, int *out_height) {
    int current = width > height ? width : height;
    if (current <= longest) {
        *out_width = width;
        *out_height = height;
        return;
    }
    double scale = (double)longest / current;
    *out_width = width >= height ? longest : (int)(width * scale + 0.5);
    *out_height = height > width ? longest : (int)(height * scale + 0.5);
    if (*out_width < 1) *out_width = 1;
    if (*out_height < 1) *out_height = 1;
}
