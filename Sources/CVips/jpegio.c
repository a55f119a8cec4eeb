// JPEG in and out through libjpeg-turbo directly. Going around libvips for the commonest upload
// saves its region machinery and whole-image copies: rows leave the decoder at 1/2, 1/4 or 1/8
// scale straight into the resampler's window, and the encoder reads our RGBX rows as they are.
#include "pixels.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>
#include <stddef.h>
#include <time.h>

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf *jump;        // where a failure goes: set by whichever step is running
    char message[JMSG_LENGTH_MAX];
} failure;

static void fail(j_common_ptr info) {
    failure *f = (failure *)info->err;
    f->manager.format_message(info, f->message);
    longjmp(*f->jump, 1);
}

// Warnings that mean the pixels are wrong (a cut-off file filled with grey, damaged entropy
// data) are failures: the photo would be evidence that shows nothing. Warnings about bytes
// around the image data (padding between markers, an odd JFIF version) leave the pixels intact.
static void on_message(j_common_ptr info, int level) {
    if (level >= 0) return;  // trace messages
    switch (info->err->msg_code) {
    case JWRN_EXTRANEOUS_DATA:
    case JWRN_JFIF_MAJOR:
    case JWRN_ADOBE_XFORM:
    case JWRN_BOGUS_ICC:
        return;
    default:
        fail(info);
    }
}

static void silent(j_common_ptr info) { (void)info; }  // nothing from libjpeg reaches stderr

// A progressive JPEG may send its coefficients in up to ~2,000 valid scans, each a pass over the
// whole image: a crafted 0.5 MB file cost 33 s of CPU. Real encoders use 10 to 20 (libjpeg's
// default script 10, mozjpeg's up to about 20); past DSJ_MAX_SCANS the upload is refused, as
// libjpeg-turbo advises for untrusted input (djpeg -maxscans, TurboJPEG's scan limit).
#define DSJ_MAX_SCANS 100

// The same limit for the JPEGs libjpeg does not decode here (CMYK, YCCK, RGB-coded: libvips does,
// with no scan limit of its own): their scans are counted by walking the file's segments and
// entropy-coded data, before any decoding.
static int count_scans_in(const uint8_t *p, size_t n) {
    size_t i = 2;  // after SOI
    int scans = 0;
    while (i + 4 <= n) {
        if (p[i] != 0xFF) return scans;  // not at a marker: malformed, the decoder will say so
        uint8_t m = p[i + 1];
        if (m == 0xFF) { i++; continue; }  // fill byte
        if (m == 0xD9) return scans;       // EOI
        if ((m >= 0xD0 && m <= 0xD7) || m == 0x01) { i += 2; continue; }  // markers without a length
        size_t length = ((size_t)p[i + 2] << 8) | p[i + 3];
        if (length < 2) return scans;
        i += 2 + length;
        if (m != 0xDA) continue;
        if (++scans > DSJ_MAX_SCANS) return scans;
        // Entropy-coded data runs to the next marker that is neither stuffing (FF00) nor a restart.
        while (i + 1 < n && !(p[i] == 0xFF && p[i + 1] != 0x00 && p[i + 1] != 0xFF && !(p[i + 1] >= 0xD0 && p[i + 1] <= 0xD7))) i++;
    }
    return scans;
}

static clockid_t budget_clock = CLOCK_MONOTONIC;

void ds_budget_in_cpu_time(void) { budget_clock = CLOCK_PROCESS_CPUTIME_ID; }

int64_t ds_budget_now_us(void) {
    struct timespec now;
    clock_gettime(budget_clock, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

// libjpeg's progress monitor, called as it decodes (each scan, each call for rows), is where both
// bounds are checked: the scan count, and the job's deadline.
typedef struct {
    struct jpeg_progress_mgr manager;
    int64_t deadline_us;
} watch;

static void count_scans(j_common_ptr info) {
    if (info->is_decompressor && ((j_decompress_ptr)info)->input_scan_number > DSJ_MAX_SCANS) {
        snprintf(((failure *)info->err)->message, JMSG_LENGTH_MAX, "progressive JPEG with more than %d scans", DSJ_MAX_SCANS);
        longjmp(*((failure *)info->err)->jump, 1);
    }
    if (ds_budget_now_us() > ((watch *)info->progress)->deadline_us) {
        snprintf(((failure *)info->err)->message, JMSG_LENGTH_MAX, "decoding took longer than its time budget");
        longjmp(*((failure *)info->err)->jump, 1);
    }
}

static void install(failure *f, jmp_buf *jump) {
    jpeg_std_error(&f->manager);
    f->manager.error_exit = fail;
    f->manager.emit_message = on_message;
    f->manager.output_message = silent;
    f->jump = jump;
    f->message[0] = 0;
}

static void report(failure *f, char *err, size_t err_length, const char *fallback) {
    snprintf(err, err_length, "%s", f->message[0] ? f->message : fallback);
}

int dsj_shrink_for(int width, int height, int target) {
    int longest = width > height ? width : height, shortest = width > height ? height : width;
    int shrink = 1;
    while (shrink < 8 && longest / (shrink * 2) >= target && shortest / (shrink * 2) >= 1) shrink *= 2;
    return shrink;
}

// The resampler's source: decoded rows in a ring as deep as the vertical filter's window.
typedef struct {
    struct jpeg_decompress_struct info;
    failure failure;
    watch progress;
    uint8_t *ring;
    int ring_rows;
    size_t stride;
    int decoded;  // rows read from the decoder so far
    // Results live here, not in locals: they change after the setjmp in dsj_decode_fitted.
    uint8_t *out;
    JOCTET *profile;
    unsigned int profile_length;
} decoder;

static const uint8_t *next_rows(void *source, int row) {
    decoder *d = source;
    jmp_buf jump;
    d->failure.jump = &jump;
    if (setjmp(jump)) return NULL;
    while (d->decoded <= row) {
        JSAMPROW slot = d->ring + (size_t)(d->decoded % d->ring_rows) * d->stride;
        if (jpeg_read_scanlines(&d->info, &slot, 1) != 1) return NULL;
        d->decoded++;
    }
    if (row <= d->decoded - 1 - d->ring_rows) return NULL;  // already forgotten: never asked for by the resampler
    return d->ring + (size_t)(row % d->ring_rows) * d->stride;
}

int dsj_decode_fitted(const void *data, size_t length, int longest, int64_t deadline_us, uint8_t **pixels, int *width, int *height,
                      uint8_t **icc, size_t *icc_length, char *err, size_t err_length) {
    decoder *d = calloc(1, sizeof(decoder));
    if (!d) {
        snprintf(err, err_length, "out of memory");
        return -1;
    }
    volatile int rc = -1;
    jmp_buf jump;
    install(&d->failure, &jump);
    d->info.err = &d->failure.manager;
    if (setjmp(jump)) goto done;
    jpeg_create_decompress(&d->info);
    d->progress.manager.progress_monitor = count_scans;
    d->progress.deadline_us = deadline_us;
    d->info.progress = &d->progress.manager;
    jpeg_mem_src(&d->info, data, (unsigned long)length);
    jpeg_save_markers(&d->info, JPEG_APP0 + 2, 0xFFFF);  // ICC profile chunks; EXIF was read with the header
    jpeg_read_header(&d->info, TRUE);
    J_COLOR_SPACE space = d->info.jpeg_color_space;
    if (space != JCS_YCbCr && space != JCS_GRAYSCALE) {
        if (count_scans_in(data, length) > DSJ_MAX_SCANS) {
            snprintf(d->failure.message, sizeof(d->failure.message), "progressive JPEG with more than %d scans", DSJ_MAX_SCANS);
            goto done;
        }
        rc = 1;  // CMYK/YCCK (converted through their profile) and rare RGB-coded files: libvips
        goto done;
    }
    d->info.scale_num = 1;
    d->info.scale_denom = dsj_shrink_for((int)d->info.image_width, (int)d->info.image_height, longest);
    d->info.out_color_space = JCS_EXT_RGBX;
    jpeg_read_icc_profile(&d->info, &d->profile, &d->profile_length);
    jpeg_start_decompress(&d->info);
    int w = (int)d->info.output_width, h = (int)d->info.output_height, ow, oh;
    dsr_fit(w, h, longest, &ow, &oh);
    d->stride = (size_t)w * 4;
    d->ring_rows = dsr_window(h, oh) + 1;
    d->ring = malloc(d->stride * d->ring_rows);
    d->out = malloc((size_t)ow * oh * 4);
    if (!d->ring || !d->out) {
        snprintf(d->failure.message, sizeof(d->failure.message), "out of memory");
        goto done;
    }
    if (dsr_resize(next_rows, d, w, h, d->out, (size_t)ow * 4, ow, oh)) goto done;
    d->failure.jump = &jump;
    // Read to the end: a file cut off below the last row the filter needed still fails here.
    while (d->info.output_scanline < d->info.output_height) {
        JSAMPROW slot = d->ring;
        jpeg_read_scanlines(&d->info, &slot, 1);
    }
    jpeg_finish_decompress(&d->info);
    *pixels = d->out;
    *width = ow;
    *height = oh;
    *icc = d->profile;
    *icc_length = d->profile_length;
    d->out = NULL;
    d->profile = NULL;
    rc = 0;
done:
    if (rc < 0) report(&d->failure, err, err_length, "JPEG decoding failed");
    jpeg_destroy_decompress(&d->info);
    free(d->ring);
    free(d->out);
    free(d->profile);
    free(d);
    return rc;
}

// The setjmp lives here, and the buffer pointer the library moves as it grows lives in the
// caller's frame: locals changed between setjmp and longjmp are not to be trusted afterwards.
static int compress(struct jpeg_compress_struct *info, failure *f, const uint8_t *pixels, int width, int height,
                    int quality, unsigned char **buffer, unsigned long *size) {
    jmp_buf jump;
    f->jump = &jump;
    if (setjmp(jump)) return -1;
    jpeg_create_compress(info);
    jpeg_mem_dest(info, buffer, size);
    info->image_width = (JDIMENSION)width;
    info->image_height = (JDIMENSION)height;
    info->input_components = 4;
    info->in_color_space = JCS_EXT_RGBX;
    jpeg_set_defaults(info);  // 4:2:0 chroma, as libvips and Pillow choose below q90
    jpeg_set_quality(info, quality, TRUE);
    info->optimize_coding = TRUE;
    info->write_JFIF_header = FALSE;  // not even an APP0: the file is SOI, tables, pixels, EOI
    jpeg_start_compress(info, TRUE);
    while (info->next_scanline < info->image_height) {
        JSAMPROW rows[16];
        JDIMENSION n = 0;
        for (; n < 16 && info->next_scanline + n < info->image_height; n++)
            rows[n] = (JSAMPROW)(pixels + (size_t)(info->next_scanline + n) * width * 4);
        jpeg_write_scanlines(info, rows, n);
    }
    jpeg_finish_compress(info);
    return 0;
}

int dsj_encode(const uint8_t *pixels, int width, int height, int quality, void **jpeg, size_t *length,
               char *err, size_t err_length) {
    struct jpeg_compress_struct info;
    failure f;
    unsigned char *buffer = NULL;
    unsigned long size = 0;
    memset(&info, 0, sizeof(info));
    install(&f, NULL);
    info.err = &f.manager;
    int rc = compress(&info, &f, pixels, width, height, quality, &buffer, &size);
    jpeg_destroy_compress(&info);
    if (rc) {
        report(&f, err, err_length, "JPEG encoding failed");
        free(buffer);
        return -1;
    }
    *jpeg = buffer;
    *length = size;
    return 0;
}
