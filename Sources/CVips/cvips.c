#include "CVips.h"
#include "resample.h"
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

// Largest JPEG shrink-on-load factor that still leaves the longest side at or above `target`.
static int shrink_for(int longest, int target) {
    int shrink = 1;
    while (shrink < 8 && longest / (shrink * 2) >= target) shrink *= 2;
    return shrink;
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

static void free_pixels(VipsImage *image, void *pixels) {
    (void)image;
    g_free(pixels);
}

// Fits `in` (8-bit sRGB) within `longest` px with our Lanczos-3 resampler, into memory. Reads the
// pixels in place when `in` already is in memory, else decodes it here, once. The orientation
// tag is carried over so autorot still applies.
static int resize_to(VipsImage *in, int longest, VipsImage **out) {
    int w = vips_image_get_width(in), h = vips_image_get_height(in), bands = vips_image_get_bands(in);
    int current = w > h ? w : h;
    uint8_t *decoded = NULL;
    const uint8_t *pixels = NULL;
    if ((in->dtype == VIPS_IMAGE_SETBUF || in->dtype == VIPS_IMAGE_SETBUF_FOREIGN) && in->data) {
        pixels = (const uint8_t *)in->data;
    } else {
        size_t length = 0;
        if (!(decoded = vips_image_write_to_memory(in, &length))) return -1;
        pixels = decoded;
    }
    int ow = w, oh = h;
    uint8_t *resized = decoded;
    if (current > longest || !decoded) {
        double scale = current > longest ? (double)longest / current : 1.0;
        ow = w >= h ? (current > longest ? longest : w) : (int)(w * scale + 0.5);
        oh = h > w ? (current > longest ? longest : h) : (int)(h * scale + 0.5);
        if (ow < 1) ow = 1;
        if (oh < 1) oh = 1;
        resized = g_malloc((size_t)ow * oh * bands);
        int failed = (ow == w && oh == h) ? (memcpy(resized, pixels, (size_t)w * h * bands), 0)
                                          : dsr_resize(pixels, w, h, bands, resized, ow, oh);
        g_free(decoded);
        if (failed) {
            g_free(resized);
            return -1;
        }
    }
    // The image owns the buffer from here (freed when the image closes): no copy.
    VipsImage *image = vips_image_new_from_memory(resized, (size_t)ow * oh * bands, ow, oh, bands, VIPS_FORMAT_UCHAR);
    if (!image) {
        g_free(resized);
        return -1;
    }
    g_signal_connect(image, "postclose", G_CALLBACK(free_pixels), resized);
    image->Type = VIPS_INTERPRETATION_sRGB;
    vips_image_set_int(image, VIPS_META_ORIENTATION, vips_image_get_orientation(in));
    *out = image;
    return 0;
}

static int save_jpeg(VipsImage *in, int quality, void **buffer, size_t *length) {
    // strip=TRUE drops EXIF, XMP, IPTC, ICC and comments; the encoder writes only JFIF + pixels.
    return vips_jpegsave_buffer(in, buffer, length, "Q", quality, "strip", TRUE,
                                "optimize_coding", TRUE, "interlace", FALSE, NULL);
}

// Quality and identity signals, all on the thumbnail (cheap: 320 px), in one grey image.
static int measure(VipsImage *thumb, dsv_output *output) {
    VipsImage *grey = NULL, *mask = NULL, *edges = NULL, *tiny = NULL;
    void *cells = NULL;
    size_t cells_length = 0;
    int rc = -1;
    if (vips_avg(thumb, &output->mean_brightness, NULL)) goto done;
    if (vips_colourspace(thumb, &grey, VIPS_INTERPRETATION_B_W, NULL)) goto done;
    // Sharpness: a blurred photo has few edges, so its Laplacian varies little.
    mask = vips_image_new_matrixv(3, 3, 0.0, 1.0, 0.0, 1.0, -4.0, 1.0, 0.0, 1.0, 0.0);
    if (!mask) goto done;
    double deviation = 0;
    if (vips_conv(grey, &edges, mask, "precision", VIPS_PRECISION_FLOAT, NULL)) goto done;
    if (vips_deviate(edges, &deviation, NULL)) goto done;
    output->sharpness = deviation * deviation;
    // dHash: survives re-encoding, resizing and small crops; differs for different scenes.
    if (vips_thumbnail_image(grey, &tiny, 9, "height", 8, "size", VIPS_SIZE_FORCE, NULL)) goto done;
    cells = vips_image_write_to_memory(tiny, &cells_length);
    if (!cells || cells_length < 72) goto done;
    const unsigned char *p = cells;
    uint64_t hash = 0;
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++)
            hash = (hash << 1) | (p[y * 9 + x] < p[y * 9 + x + 1] ? 1u : 0u);
    output->dhash = hash;
    rc = 0;
done:
    if (cells) g_free(cells);
    if (tiny) g_object_unref(tiny);
    if (edges) g_object_unref(edges);
    if (mask) g_object_unref(mask);
    if (grey) g_object_unref(grey);
    return rc;
}

// On failure: the error text, and no half-made output left for the caller to free.
static void discard(dsv_output *output, char *err, size_t err_length, const char *fallback) {
    copy_error(err, err_length, fallback);
    if (output->display) g_free(output->display);
    if (output->thumbnail) g_free(output->thumbnail);
    memset(output, 0, sizeof(*output));
}

int dsv_process(dsv_format format, const void *data, size_t length, int w, int h, int display_max, int thumbnail_max,
                int quality, dsv_output *output, char *err, size_t err_length) {
    memset(output, 0, sizeof(*output));
    // w × h come from the caller's dsv_read_header: the stored size picks the shrink-on-load factor.
    int shrink = (format == DSV_FORMAT_JPEG || format == DSV_FORMAT_WEBP) ? shrink_for(w > h ? w : h, display_max) : 1;

    VipsImage *decoded = load(format, data, length, shrink, 1);
    VipsImage *srgb = NULL, *resized = NULL, *memory = NULL, *display = NULL, *thumb = NULL;
    int rc = -1;
    if (!decoded) goto done;
    if (to_srgb(decoded, &srgb)) goto done;
    // Resize before rotating: the longest side doesn't change with a quarter turn, and rotating
    // needs random access, which a sequential decode can't give. The resize decodes into memory
    // once: a truncated or corrupt stream fails here, before anything is encoded.
    if (resize_to(srgb, display_max, &resized)) goto done;
    if (vips_image_get_orientation(resized) > 1) {
        if (vips_autorot(resized, &display, NULL)) goto done;
        if (!(memory = vips_image_copy_memory(display))) goto done;  // the display and thumbnail both read it
    } else {
        memory = resized;  // already upright, already in memory
        g_object_ref(memory);
    }
    if (resize_to(memory, thumbnail_max, &thumb)) goto done;
    if (save_jpeg(memory, quality, &output->display, &output->display_length)) goto done;
    output->display_width = vips_image_get_width(memory);
    output->display_height = vips_image_get_height(memory);
    if (save_jpeg(thumb, quality, &output->thumbnail, &output->thumbnail_length)) goto done;
    output->thumbnail_width = vips_image_get_width(thumb);
    output->thumbnail_height = vips_image_get_height(thumb);
    if (measure(thumb, output)) goto done;
    rc = 0;
done:
    if (rc) discard(output, err, err_length, "image processing failed");
    if (thumb) g_object_unref(thumb);
    if (display) g_object_unref(display);
    if (memory) g_object_unref(memory);
    if (resized) g_object_unref(resized);
    if (srgb) g_object_unref(srgb);
    if (decoded) g_object_unref(decoded);
    return rc;
}

void dsv_free(void *pointer) { g_free(pointer); }

int dsv_decode_srgb(dsv_format format, const void *data, size_t length, int *width, int *height,
                    void **pixels, size_t *pixels_length, char *err, size_t err_length) {
    VipsImage *decoded = load(format, data, length, 1, 0);
    VipsImage *rotated = NULL, *srgb = NULL;
    int rc = -1;
    *pixels = NULL;
    if (!decoded) goto done;
    if (vips_autorot(decoded, &rotated, NULL)) goto done;
    if (to_srgb(rotated, &srgb)) goto done;
    *pixels = vips_image_write_to_memory(srgb, pixels_length);
    if (!*pixels) goto done;
    *width = vips_image_get_width(srgb);
    *height = vips_image_get_height(srgb);
    rc = 0;
done:
    if (rc) copy_error(err, err_length, "decode failed");
    if (srgb) g_object_unref(srgb);
    if (rotated) g_object_unref(rotated);
    if (decoded) g_object_unref(decoded);
    return rc;
}

int dsv_thumbnail_baseline(const void *data, size_t length, int display_max, int thumbnail_max, int quality,
                           dsv_output *output, char *err, size_t err_length) {
    memset(output, 0, sizeof(*output));
    VipsImage *streamed = NULL, *display = NULL, *thumb = NULL;
    int rc = -1;
    if (vips_thumbnail_buffer((void *)data, length, &streamed, display_max, "height", display_max,
                              "size", VIPS_SIZE_DOWN, "export_profile", "srgb", NULL)) goto done;
    // The thumbnail pipeline reads its source once, in order: keep the 1600 px image to make the 320 from.
    if (!(display = vips_image_copy_memory(streamed))) goto done;
    if (save_jpeg(display, quality, &output->display, &output->display_length)) goto done;
    if (vips_thumbnail_image(display, &thumb, thumbnail_max, "height", thumbnail_max, "size", VIPS_SIZE_DOWN, NULL)) goto done;
    if (save_jpeg(thumb, quality, &output->thumbnail, &output->thumbnail_length)) goto done;
    if (vips_avg(thumb, &output->mean_brightness, NULL)) goto done;
    rc = 0;
done:
    if (rc) discard(output, err, err_length, "thumbnail failed");
    if (thumb) g_object_unref(thumb);
    if (display) g_object_unref(display);
    if (streamed) g_object_unref(streamed);
    return rc;
}
