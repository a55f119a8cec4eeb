#include "CVipsMeasures.h"
#include <vips/vips.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t err_length, const char *fallback) {
    const char *message = vips_error_buffer();
    snprintf(err, err_length, "%s", (message && *message) ? message : fallback);
    vips_error_clear();
    return -1;
}

int dsb_decode_srgb(const void *data, size_t length, int *width, int *height,
                    void **pixels, size_t *pixels_length, char *err, size_t err_length) {
    VipsImage *steps[4] = {NULL, NULL, NULL, NULL};
    int rc = -1;
    *pixels = NULL;
    if ((steps[0] = vips_image_new_from_buffer(data, length, "", NULL)) && !vips_autorot(steps[0], &steps[1], NULL) &&
        !vips_colourspace(steps[1], &steps[2], VIPS_INTERPRETATION_sRGB, NULL) && !vips_cast_uchar(steps[2], &steps[3], NULL) &&
        (*pixels = vips_image_write_to_memory(steps[3], pixels_length))) {
        *width = vips_image_get_width(steps[3]);
        *height = vips_image_get_height(steps[3]);
        rc = 0;
    }
    for (int i = 3; i >= 0; i--) if (steps[i]) g_object_unref(steps[i]);
    return rc ? fail(err, err_length, "decode failed") : 0;
}

int dsb_thumbnail_baseline(const void *data, size_t length, int display_max, int thumbnail_max, int quality,
                           dsv_output *output, char *err, size_t err_length) {
    memset(output, 0, sizeof(*output));
    VipsImage *streamed = NULL, *display = NULL, *thumb = NULL;
    int rc = -1;
    if (vips_thumbnail_buffer((void *)data, length, &streamed, display_max, "height", display_max,
                              "size", VIPS_SIZE_DOWN, "export_profile", "srgb", NULL)) goto done;
    // The thumbnail pipeline reads its source once, in order: keep the 1600 px image to make the 320 from.
    if (!(display = vips_image_copy_memory(streamed))) goto done;
    if (vips_jpegsave_buffer(display, &output->display, &output->display_length, "Q", quality, "strip", TRUE,
                             "optimize_coding", TRUE, NULL)) goto done;
    if (vips_thumbnail_image(display, &thumb, thumbnail_max, "height", thumbnail_max, "size", VIPS_SIZE_DOWN, NULL)) goto done;
    if (vips_jpegsave_buffer(thumb, &output->thumbnail, &output->thumbnail_length, "Q", quality, "strip", TRUE,
                             "optimize_coding", TRUE, NULL)) goto done;
    if (vips_avg(thumb, &output->signals.mean_brightness, NULL)) goto done;
    rc = 0;
done:
    if (thumb) g_object_unref(thumb);
    if (display) g_object_unref(display);
    if (streamed) g_object_unref(streamed);
    if (rc) {
        g_free(output->display);
        g_free(output->thumbnail);
        memset(output, 0, sizeof(*output));
        return fail(err, err_length, "thumbnail failed");
    }
    return 0;
}
