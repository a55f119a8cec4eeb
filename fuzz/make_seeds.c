// Makes small seed images for the fuzzer in the formats the fixtures lack (PNG, WebP, HEIC, AVIF),
// from one JPEG, with libvips itself: usage: make_seeds PHOTO.jpg FOLDER. A format this libvips
// cannot write is reported and skipped.
#include <vips/vips.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s PHOTO FOLDER\n", argv[0]);
        return 2;
    }
    if (VIPS_INIT(argv[0])) vips_error_exit(NULL);
    VipsImage *lazy, *small;
    // 48 px: each fuzz run decodes it thousands of times. In memory, because the savers below
    // read it in an order the JPEG loader's sequential access would refuse.
    if (vips_thumbnail(argv[1], &lazy, 48, NULL) || !(small = vips_image_copy_memory(lazy))) vips_error_exit(NULL);
    char path[4096];
    int failed = 0;
    snprintf(path, sizeof path, "%s/seed.png", argv[2]);
    if (vips_pngsave(small, path, NULL)) failed |= fprintf(stderr, "png: %s\n", vips_error_buffer()) > 0;
    vips_error_clear();
    snprintf(path, sizeof path, "%s/seed.webp", argv[2]);
    if (vips_webpsave(small, path, NULL)) failed |= fprintf(stderr, "webp: %s\n", vips_error_buffer()) > 0;
    vips_error_clear();
    snprintf(path, sizeof path, "%s/seed.heic", argv[2]);
    if (vips_heifsave(small, path, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_HEVC, NULL)) failed |= fprintf(stderr, "heic: %s\n", vips_error_buffer()) > 0;
    vips_error_clear();
    snprintf(path, sizeof path, "%s/seed.avif", argv[2]);
    if (vips_heifsave(small, path, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1, NULL)) failed |= fprintf(stderr, "avif: %s\n", vips_error_buffer()) > 0;
    return failed;
}
