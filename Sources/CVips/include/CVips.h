// Fixed-argument wrappers around libvips for Swift, which cannot call C variadic functions.
// Every function reports failure with a non-zero return and a message in `err`; it never aborts.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// The image formats Doorstep accepts. The caller sniffs the format from magic bytes; only the
/// matching libvips loader runs, so no other loader (SVG, PDF, GIF, …) can be reached.
typedef enum {
    DSV_FORMAT_JPEG = 1,
    DSV_FORMAT_PNG = 2,
    DSV_FORMAT_WEBP = 3,
    DSV_FORMAT_HEIF = 4,
} dsv_format;

typedef struct {
    int width;              // as stored, before orientation
    int height;
    int orientation;        // EXIF orientation 1…8 (1 when absent)
    int bands;
    char capture_time[32];  // EXIF DateTimeOriginal "YYYY:MM:DD HH:MM:SS", empty when absent
    int has_gps;
    double gps_latitude;    // signed degrees
    double gps_longitude;
} dsv_header;

typedef struct {
    void *display;          // JPEG bytes, free with dsv_free
    size_t display_length;
    int display_width;
    int display_height;
    void *thumbnail;
    size_t thumbnail_length;
    int thumbnail_width;
    int thumbnail_height;
    double mean_brightness; // 0…255, on the thumbnail
    double sharpness;       // variance of the Laplacian of the thumbnail's luminance (low: blurred)
    uint64_t dhash;         // difference hash of the thumbnail: 9×8 grey, bit = left < right
} dsv_output;

/// Starts libvips once per process: blocks untrusted and unused loaders, turns off the operation
/// cache (photos are private; nothing of one request may linger for another).
int dsv_init(char *err, size_t err_length);

/// Reads the header only (no pixel decoding): size, orientation, capture time, GPS.
int dsv_read_header(dsv_format format, const void *data, size_t length, dsv_header *header,
                    char *err, size_t err_length);

/// Decodes (at reduced scale where the format allows), converts to sRGB, resizes, auto-rotates,
/// and encodes two JPEGs with every metadata field stripped. JPEGs in YCbCr or grey go
/// through libjpeg-turbo directly; everything else through libvips.
/// `width`, `height`, `orientation`: as dsv_read_header gave them (not read a second time here).
/// `budget_ms`: decoding that takes longer is stopped and fails (a CPU bound on hostile input).
int dsv_process(dsv_format format, const void *data, size_t length, int width, int height, int orientation,
                int display_max, int thumbnail_max, int quality, int budget_ms, dsv_output *output, char *err, size_t err_length);

void dsv_free(void *pointer);

