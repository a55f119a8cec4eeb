#include "CVips.h"
#include "pixels.h"
#include <vips/vips.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_error(char *err, size_t err_length, const char *fallback) {
    const char *message = vips_error_buffer();
    snprintf(err, err_length, "%s", (message && *message) ? message : fallback);
    vips_error_clear();
}

// libvips warns on stderr about damaged input ("error in tile …"). Such input is already refused
// with a typed error; the warnings would only add noise to the server's log.
static void drop_warning(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data) {
    (void)domain; (void)level; (void)message; (void)data;
}

int dsv_init(char *err, size_t err_length) {
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, drop_warning, NULL);
    if (VIPS_INIT("doorstep")) {
        copy_error(err, err_length, "libvips failed to start");
        return -1;
    }
    // One image per worker thread: JPEG decoding is serial, and the pool gives the parallelism.
    vips_concurrency_set(1);
    dsm_init();
    dsc_init();
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    vips_block_untrusted_set(TRUE);
    // Allow-list: block every loader, then reopen only the four buffer loaders we call.
    vips_operation_block_set("VipsForeignLoad", TRUE);
    vips_operation_block_set("VipsForeignLoadJpegBuffer", FALSE);
    vips_operation_block_set("VipsForeignLoadPngBuffer", FALSE);
    vips_operation_block_set("VipsForeignLoadWebpBuffer", FALSE);
    vips_operation_block_set("VipsForeignLoadHeifBuffer", FALSE);
    return 0;
}

// shrink: JPEG shrink-on-load factor (1, 2, 4, 8); WebP takes a scale. Ignored by PNG and HEIF.
// libpng allocates a chunk's buffer from its declared length before reading it: an 18 KB file
// declaring a 1.7 GB zTXt chunk made a 1.7 GB allocation (found by the fuzzer). The whole file is in
// memory here, so a chunk that claims more than what is left of it is a broken file, refused before
// libpng sees it. (The decoder helpers' address-space limit stops it too; this stops it cheaply.)
static int png_chunks_fit(const unsigned char *bytes, size_t length) {
    if (length < 8) return 0;
    size_t at = 8;
    while (at + 8 <= length) {
        size_t declared = ((size_t)bytes[at] << 24) | ((size_t)bytes[at + 1] << 16) | ((size_t)bytes[at + 2] << 8) | bytes[at + 3];
        if (declared > length - at - 8) return 0;
        if (memcmp(bytes + at + 4, "IEND", 4) == 0) return 1;
        at += 8 + declared + 4;  // the chunk's type and length, its data, its CRC
    }
    return 1;  // cut between chunks: libpng reports it (fail_on error)
}

static VipsImage *load(dsv_format format, const void *data, size_t length, int shrink, int sequential) {
    VipsImage *image = NULL;
    VipsAccess access = sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM;
    int rc = -1;
    switch (format) {
    case DSV_FORMAT_JPEG:
        rc = vips_jpegload_buffer((void *)data, length, &image, "shrink", shrink, "access", access,
                                  "fail_on", VIPS_FAIL_ON_ERROR, NULL);
        break;
    case DSV_FORMAT_PNG:
        if (!png_chunks_fit(data, length)) break;
        rc = vips_pngload_buffer((void *)data, length, &image, "access", access,
                                 "fail_on", VIPS_FAIL_ON_ERROR, NULL);
        break;
    case DSV_FORMAT_WEBP:
        rc = vips_webpload_buffer((void *)data, length, &image, "scale", 1.0 / shrink, "access", access,
                                  "fail_on", VIPS_FAIL_ON_ERROR, NULL);
        break;
    case DSV_FORMAT_HEIF:
        rc = vips_heifload_buffer((void *)data, length, &image, "access", access,
                                  "fail_on", VIPS_FAIL_ON_ERROR, NULL);
        break;
    }
    return rc == 0 ? image : NULL;
}

// Parses libvips's rendering of an EXIF rational triple, e.g. "52/1 31/1 1234/100 (52, 31, 12.34, …)".
static int parse_dms(const char *text, double *degrees) {
    long n[3], d[3];
    if (sscanf(text, "%ld/%ld %ld/%ld %ld/%ld", &n[0], &d[0], &n[1], &d[1], &n[2], &d[2]) != 6) return -1;
    for (int i = 0; i < 3; i++) if (d[i] == 0) return -1;
    *degrees = (double)n[0] / d[0] + (double)n[1] / d[1] / 60.0 + (double)n[2] / d[2] / 3600.0;
    return 0;
}

static int get_string(VipsImage *image, const char *field, const char **out) {
    if (vips_image_get_typeof(image, field) == 0) return -1;
    return vips_image_get_string(image, field, out);
}

static void read_gps(VipsImage *image, dsv_header *header) {
    const char *lat = NULL, *lat_ref = NULL, *lon = NULL, *lon_ref = NULL;
    double la, lo;
    if (get_string(image, "exif-ifd3-GPSLatitude", &lat) || get_string(image, "exif-ifd3-GPSLongitude", &lon)) return;
    if (parse_dms(lat, &la) || parse_dms(lon, &lo)) return;
    if (get_string(image, "exif-ifd3-GPSLatitudeRef", &lat_ref) == 0 && lat_ref[0] == 'S') la = -la;
    if (get_string(image, "exif-ifd3-GPSLongitudeRef", &lon_ref) == 0 && lon_ref[0] == 'W') lo = -lo;
    if (la < -90 || la > 90 || lo < -180 || lo > 180) return;
    header->has_gps = 1;
    header->gps_latitude = la;
    header->gps_longitude = lo;
}

int dsv_read_header(dsv_format format, const void *data, size_t length, dsv_header *header,
                    char *err, size_t err_length) {
    memset(header, 0, sizeof(*header));
    VipsImage *image = load(format, data, length, 1, 1);
    if (!image) {
        copy_error(err, err_length, "not a decodable image");
        return -1;
    }
    header->width = vips_image_get_width(image);
    header->height = vips_image_get_height(image);
    header->bands = vips_image_get_bands(image);
    header->orientation = vips_image_get_orientation(image);
    const char *when = NULL;
    if (get_string(image, "exif-ifd2-DateTimeOriginal", &when) == 0 ||
        get_string(image, "exif-ifd0-DateTime", &when) == 0) {
        // The value is rendered as "2020:01:02 03:04:05 (2020:01:02 03:04:05, ASCII, …)".
        snprintf(header->capture_time, sizeof(header->capture_time), "%.19s", when);
    }
    read_gps(image, header);
    g_object_unref(image);
    return 0;
}

static int to_srgb(VipsImage *in, VipsImage **out) {
    VipsImage *tmp = NULL;
    // An embedded profile (Display P3, CMYK, …) is honoured before it is dropped, so colours don't shift.
    if (vips_image_get_typeof(in, VIPS_META_ICC_NAME)) {
        if (vips_icc_transform(in, &tmp, "srgb", "embedded", TRUE, "intent", VIPS_INTENT_PERCEPTUAL,
                               "depth", 8, NULL) == 0) {
            in = tmp;
        } else {
            vips_error_clear(); // a broken profile: fall back to a plain colourspace conversion
        }
    }
    VipsImage *rgb = NULL;
    int rc = vips_colourspace(in, &rgb, VIPS_INTERPRETATION_sRGB, NULL);
    if (tmp) g_object_unref(tmp);
    if (rc) return -1;
    // Photos have no transparency worth keeping: flatten onto white, then force 8-bit.
    if (vips_image_hasalpha(rgb)) {
        VipsImage *flat = NULL;
        VipsArrayDouble *white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
        rc = vips_flatten(rgb, &flat, "background", white, NULL);
        vips_area_unref(VIPS_AREA(white));
        g_object_unref(rgb);
        if (rc) return -1;
        rgb = flat;
    }
    if (vips_image_get_format(rgb) != VIPS_FORMAT_UCHAR) {
        VipsImage *cast = NULL;
        rc = vips_cast_uchar(rgb, &cast, NULL);
        g_object_unref(rgb);
        if (rc) return -1;
        rgb = cast;
    }
    *out = rgb;
    return 0;
}

// libvips reports progress on an image as it computes it ("eval", every few tiles): past the
// job's deadline the computation is killed, and fails like a broken file.
static void stop_when_late(VipsImage *image, VipsProgress *progress, gpointer deadline) {
    (void)progress;
    if (ds_budget_now_us() > *(int64_t *)deadline) vips_image_set_kill(image, TRUE);
}

// Formats libjpeg-turbo can't take (PNG, WebP, HEIF, CMYK JPEG): libvips decodes, shrinking on
// load where it can, converts to sRGB, and hands over RGBX pixels for our resampler to fit.
static int vips_decode_fitted(dsv_format format, const void *data, size_t length, int w, int h, int longest,
                              int64_t deadline_us, uint8_t **pixels, int *width, int *height) {
    int shrink = (format == DSV_FORMAT_JPEG || format == DSV_FORMAT_WEBP) ? dsj_shrink_for(w, h, longest) : 1;
    VipsImage *decoded = load(format, data, length, shrink, 1), *srgb = NULL, *rgbx = NULL;
    uint8_t *whole = NULL, *fitted = NULL;
    size_t whole_length = 0;
    int rc = -1;
    if (!decoded || to_srgb(decoded, &srgb) || vips_bandjoin_const1(srgb, &rgbx, 255.0, NULL)) goto done;
    vips_image_set_progress(rgbx, TRUE);
    // The handler holds a pointer into this frame: disconnected before the frame ends.
    gulong watch = g_signal_connect(rgbx, "eval", G_CALLBACK(stop_when_late), &deadline_us);
    // Decoding happens here, once: a truncated or corrupt stream fails before anything is encoded.
    whole = vips_image_write_to_memory(rgbx, &whole_length);
    g_signal_handler_disconnect(rgbx, watch);
    if (!whole || vips_image_iskilled(rgbx)) goto done;
    int dw = vips_image_get_width(rgbx), dh = vips_image_get_height(rgbx), fw, fh;
    // The resampler reads exactly four bytes a pixel: anything else (a band count to_srgb did not
    // foresee) is refused rather than read past.
    if (vips_image_get_bands(rgbx) != 4 || vips_image_get_format(rgbx) != VIPS_FORMAT_UCHAR || whole_length != (size_t)dw * dh * 4) goto done;
    dsr_fit(dw, dh, longest, &fw, &fh);
    if (!(fitted = malloc((size_t)fw * fh * 4)) || dsr_resize_memory(whole, (size_t)dw * 4, dw, dh, fitted, fw, fh)) goto done;
    *pixels = fitted;
    *width = fw;
    *height = fh;
    fitted = NULL;
    rc = 0;
done:
    free(fitted);
    if (whole) g_free(whole);
    if (rgbx) g_object_unref(rgbx);
    if (srgb) g_object_unref(srgb);
    if (decoded) g_object_unref(decoded);
    return rc;
}

static int save_jpeg(VipsImage *in, int quality, void **buffer, size_t *length) {
    // strip=TRUE drops EXIF, XMP, IPTC, ICC and comments; the encoder writes only JFIF + pixels.
    return vips_jpegsave_buffer(in, buffer, length, "Q", quality, "strip", TRUE,
                                "optimize_coding", TRUE, "interlace", FALSE, NULL);
}

// On failure: the error text, and no half-made output left for the caller to free.
static void discard(dsv_output *output, char *err, size_t err_length, const char *fallback) {
    copy_error(err, err_length, fallback);
    if (output->display) g_free(output->display);
    if (output->thumbnail) g_free(output->thumbnail);
    memset(output, 0, sizeof(*output));
}

int dsv_process(dsv_format format, const void *data, size_t length, int w, int h, int orientation,
                int display_max, int thumbnail_max, int quality, int detect_max, int budget_ms, dsv_output *output, char *err, size_t err_length) {
    memset(output, 0, sizeof(*output));
    int64_t deadline_us = ds_budget_now_us() + (int64_t)budget_ms * 1000;
    uint8_t *fitted = NULL, *upright = NULL, *thumb = NULL, *icc = NULL;
    size_t icc_length = 0;
    int fw = 0, fh = 0, uw = 0, uh = 0, tw = 0, th = 0;
    int rc = format == DSV_FORMAT_JPEG ? dsj_decode_fitted(data, length, display_max, deadline_us, &fitted, &fw, &fh, &icc, &icc_length, err, err_length) : 1;
    if (rc == 1) rc = vips_decode_fitted(format, data, length, w, h, display_max, deadline_us, &fitted, &fw, &fh);
    // The decoders' own checks run every few rows or tiles, so a small image can finish between
    // two of them: a decode that ended past the deadline fails all the same, whatever its size.
    if (rc == 0 && ds_budget_now_us() > deadline_us) {
        snprintf(err, err_length, "decoding took longer than its time budget");
        rc = -1;
    }
    if (rc) goto done;
    rc = -1;
    if (icc) dsc_to_srgb(fitted, (size_t)fw * fh, icc, icc_length);
    // Rotated after the resize (the longest side is the same either way): a quarter turn of
    // 2 MP instead of 12.
    if (orientation >= 2 && orientation <= 8) {
        if (!(upright = malloc((size_t)fw * fh * 4))) goto done;
        dsr_orient(fitted, fw, fh, orientation, upright, &uw, &uh);
    } else {
        upright = fitted;
        fitted = NULL;
        uw = fw;
        uh = fh;
    }
    // One more than the limit: past it (a crowd, a poster of faces) the whole photo is pixelated
    // rather than all but some of them.
    dsd_region regions[DSV_MAX_REGIONS + 1];
    int found = 0;
    if (detect_max > 0 && (found = dsx_find(upright, uw, uh, detect_max, regions, DSV_MAX_REGIONS + 1)) < 0) {
        snprintf(err, err_length, "redaction failed");  // never stored unsearched
        goto done;
    }
    for (int i = 0; i < found && i < DSV_MAX_REGIONS; i++) {
        if (regions[i].kind == DSD_FACE) output->faces++;
        else output->people++;
    }
    if (found > DSV_MAX_REGIONS) {
        regions[0] = (dsd_region){0, 0, uw, uh, 1.0f, DSD_FACE};
        found = 1;
    }
    dsr_fit(uw, uh, thumbnail_max, &tw, &th);
    if (!(thumb = malloc((size_t)tw * th * 4)) || dsr_resize_memory(upright, (size_t)uw * 4, uw, uh, thumb, tw, th)) goto done;
    // Quality is judged on what the courier framed, before redaction changes the pixels.
    if (dsm_measure(thumb, tw, th, &output->signals, &output->dhash)) goto done;
    dsx_pixelate(upright, uw, uh, regions, found, 1.0, 1.0);
    dsx_pixelate(thumb, tw, th, regions, found, (double)tw / uw, (double)th / uh);
    if (dsj_encode(upright, uw, uh, quality, &output->display, &output->display_length, err, err_length)) goto done;
    if (dsj_encode(thumb, tw, th, quality, &output->thumbnail, &output->thumbnail_length, err, err_length)) goto done;
    output->display_width = uw;
    output->display_height = uh;
    output->thumbnail_width = tw;
    output->thumbnail_height = th;
    rc = 0;
done:
    if (rc) discard(output, err, err_length, "image processing failed");
    free(thumb);
    free(upright);
    free(fitted);
    free(icc);
    return rc;
}

void dsv_free(void *pointer) { g_free(pointer); }
