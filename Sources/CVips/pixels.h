// The shim's own pixel routines (not part of the Swift-facing API in include/). Every image here
// is 8-bit RGBX: four bytes a pixel, so a pixel is one 32-bit load and the resampler's SIMD lanes
// line up with pixels; libjpeg-turbo decodes to and encodes from RGBX directly.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "CDetect.h"
#include "CVips.h"

/// Hands the resampler input row `row` (RGBX, `width` pixels), or NULL when the source fails.
/// Rows are asked for in rising order, a window at a time; a source may forget rows below the
/// window (the JPEG decoder keeps only a ring of rows).
typedef const uint8_t *(*dsr_fetch)(void *source, int row);

/// Rows of input the vertical filter needs at once when `in_height` becomes `out_height`: what a
/// streaming source must keep.
int dsr_window(int in_height, int out_height);

/// Lanczos-3 resize, fixed point: `out` gets out_height rows of out_width RGBX pixels,
/// `out_stride` bytes apart. Returns non-zero when memory runs out or the source fails.
int dsr_resize(dsr_fetch fetch, void *source, int width, int height,
               uint8_t *out, size_t out_stride, int out_width, int out_height);

/// The same for an image already in memory (rows `stride` bytes apart).
int dsr_resize_memory(const uint8_t *in, size_t stride, int width, int height,
                      uint8_t *out, int out_width, int out_height);

/// The size that fits `width` × `height` within `longest` px on its longest side (never larger).
void dsr_fit(int width, int height, int longest, int *out_width, int *out_height);

/// Applies EXIF orientation 2…8 (1 is upright): `out` gets the upright image, its size in
/// `out_width` × `out_height`.
void dsr_orient(const uint8_t *in, int width, int height, int orientation, uint8_t *out,
                int *out_width, int *out_height);

/// Silences LittleCMS's error log (a broken profile is handled, not logged); once per process.
void dsc_init(void);

/// Converts pixels in place from the colours of an embedded ICC profile to sRGB. A profile that
/// isn't RGB, or can't be read, leaves the pixels as they are (what libvips does too).
void dsc_to_srgb(uint8_t *pixels, size_t count, const void *icc, size_t icc_length);

/// Largest DCT scale-down (1, 2, 4, 8) that still leaves the longest side at or above `target`
/// and the shortest at least one pixel (also libvips's JPEG/WebP shrink-on-load factor: libvips
/// 8.14 aborts the whole process on a shrink that leaves a side of zero, e.g. 3 × 13000 px / 8).
int dsj_shrink_for(int width, int height, int target);

/// A point in time on the budget's clock, in microseconds: the deadline of one image job.
/// Wall time (monotonic) by default, where jobs share a process; process CPU time in a helper,
/// where the process does one job at a time (a busy machine then does not fail real photos).
int64_t ds_budget_now_us(void);
void ds_budget_in_cpu_time(void);

/// JPEG through libjpeg-turbo directly: decodes at the smallest DCT scale that still covers
/// `longest`, resizing rows as they come out of the decoder (the image is never whole in memory
/// at decoded size). `pixels` (malloc) gets the result fitted within `longest`, not yet oriented;
/// `icc` (malloc) the embedded profile if any. Returns 1, touching nothing, for JPEGs this path
/// does not take (CMYK, YCCK, RGB-coded): the caller uses libvips for those.
/// `deadline_us` (ds_budget_now_us() + budget): decoding stops with an error once it passes.
int dsj_decode_fitted(const void *data, size_t length, int longest, int64_t deadline_us, uint8_t **pixels, int *width, int *height,
                      uint8_t **icc, size_t *icc_length, char *err, size_t err_length);

/// Encodes RGBX pixels as a baseline JPEG with optimised Huffman tables and nothing but the
/// pixels in it: no APPn segment at all (no JFIF, EXIF, ICC, XMP) and no comment.
int dsj_encode(const uint8_t *pixels, int width, int height, int quality, void **jpeg, size_t *length,
               char *err, size_t err_length);

/// Fills the colour tables dsm_measure uses; once per process, after libvips has started.
void dsm_init(void);

/// On a thumbnail: the quality signals (see dsv_signals) and a 64-bit difference hash of its grey.
int dsm_measure(const uint8_t *rgbx, int width, int height, dsv_signals *signals, uint64_t *dhash);

/// Finds what must be redacted on a copy of `upright` reduced to `longest` px (detection costs
/// grow with the area; BENCHMARKS.md has the recall at each size), again on a 320 px copy for
/// faces too large for the first search, and for people (whole or partial bodies) on a 600 px
/// copy. Regions come back in `upright`'s pixels; returns how
/// many (at most `capacity`), or -1 when either search failed.
int dsx_find(const uint8_t *upright, int width, int height, int longest, dsd_region *regions, int capacity);

/// Pixelates each region, scaled by `sx`, `sy` (the variant's size over the searched image's, per
/// axis: fitted sides are rounded separately) and widened by a margin, in place, and below each
/// face the body it would have; every region is clamped to the image first, whatever it says.
void dsx_pixelate(uint8_t *rgbx, int width, int height, const dsd_region *regions, int count, double sx, double sy);
