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

/// What the quality verdict is judged on, all measured on the thumbnail's luminance (libvips's
/// grey), before redaction: what the courier framed.
typedef struct {
    double mean_brightness;  // 0…255 over R, G, B
    double bright_level;     // the luminance the brightest fiftieth of the frame reaches (98th percentile)
    double dark_share;       // share of the frame crushed to black (luminance < 20), 0…1
    double clipped_share;    // share of the frame blown out (two channels or three ≥ 250), 0…1
    double sharpness;        // variance of the Laplacian after stretching the contrast (1st–99th
                             // percentile to the full range, at most 8×, not when the span is under
                             // 32 levels): low means blurred, dim or not
    double weaker_sharpness; // variance of the second difference along the weakest of four directions
                             // (across, down, diagonals), stretched alike: low means smeared one way
} dsv_signals;

typedef struct {
    void *display;          // JPEG bytes, free with dsv_free
    size_t display_length;
    int display_width;
    int display_height;
    void *thumbnail;
    size_t thumbnail_length;
    int thumbnail_width;
    int thumbnail_height;
    dsv_signals signals;    // on the thumbnail
    uint64_t dhash;         // difference hash of the thumbnail: 9×8 grey, bit = left < right
    int faces;              // faces pixelated in both variants,
    int people;             // and people (bodies); together DSV_MAX_REGIONS: that many or more,
                            // and then the whole photo is pixelated
} dsv_output;

/// Regions (faces and people) redacted one by one in a photo; with more (a crowd is not a
/// doorstep photo) the whole photo is pixelated.
#define DSV_MAX_REGIONS 64

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
/// `detect_max`: faces are searched for on a copy this size (longest side), people on a 600 px
/// copy, and both pixelated in both variants; 0 turns redaction off. A search that fails fails the job (never stored unsearched).
/// `budget_ms`: decoding that takes longer is stopped and fails (a CPU bound on hostile input).
int dsv_process(dsv_format format, const void *data, size_t length, int width, int height, int orientation,
                int display_max, int thumbnail_max, int quality, int detect_max, int budget_ms, dsv_output *output,
                char *err, size_t err_length);

void dsv_free(void *pointer);


// MARK: - Decoding in helper processes

/// One image job, as a helper process takes it (see helper.c).
typedef struct {
    dsv_format format;
    int64_t max_pixels;     // checked on the header, before any pixel is decoded
    int display_max;
    int thumbnail_max;
    int quality;
    int detect_max;         // as dsv_process takes it (0: no redaction)
    int budget_ms;          // CPU time the job may use
} dsv_job;

typedef enum {
    DSV_JOB_DONE = 0,
    DSV_JOB_UNDECODABLE = 1,
    DSV_JOB_TOO_MANY_PIXELS = 2,
    DSV_JOB_HELPER_LOST = 3,    // the helper crashed, ran out of budget or time, or answered nonsense
    DSV_JOB_NO_MEMORY = 4,      // the server could not hand the image over (no memory): try later; the helper is fine
} dsv_job_result;

/// A helper process, the socket to it, and the shared memory file its images go through.
/// `jobs`: how many it has done (the caller retires it after a number, so no leak or
/// fragmentation in a decoder can grow without bound).
typedef struct {
    int pid;
    int fd;
    int memory;
    size_t memory_size;
    int jobs;
} dsv_helper;

/// Starts `argv[0]` with `argv` as a helper: standard streams on /dev/null, the job socket on
/// fd 3, the image memory (a memfd) on fd 4, every other descriptor closed, default signal handling, and none of the caller's
/// environment (it may hold secrets) but LD_LIBRARY_PATH. Returns once the helper has said it
/// is ready (libvips started, sandbox in place), or fails with why it could not.
int dsv_helper_start(const char *const *argv, dsv_helper *helper, char *err, size_t err_length);

/// Runs one job in the helper. `timeout_ms` bounds the whole exchange in wall time (a backstop:
/// the helper bounds its own CPU time). On DSV_JOB_HELPER_LOST the helper has been stopped and
/// `wait_status` says how it ended (as waitpid gives it). On DSV_JOB_DONE `output` holds the
/// variants (free with dsv_free) and `header` what the image said about itself.
dsv_job_result dsv_helper_run(dsv_helper *helper, const dsv_job *job, const void *data, size_t length, int timeout_ms,
                              dsv_header *header, dsv_output *output, int *wait_status);

/// Whether the helper has ended on its own while idle (reaped if so).
int dsv_helper_exited(dsv_helper *helper);

/// Kills the helper and reaps it.
void dsv_helper_stop(dsv_helper *helper);

/// The helper's side, in the process `dsv_helper_start` started: starts libvips, then drops
/// what decoding never needs (an address-space limit of `memory_mb`, no files written, no core
/// dumps, few descriptors; a seccomp filter refusing sockets, new programs, ptrace and new
/// processes) and serves jobs on fd 3 until the server closes it. Never returns.
_Noreturn void dsv_helper_serve(int memory_mb);
