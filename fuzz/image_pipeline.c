// libFuzzer harness for the image shim: header, then the whole pipeline, on whatever bytes the
// fuzzer makes. A crash, an abort (libvips asserts), a leak or an out-of-bounds access under
// AddressSanitizer fails it. Built and run by fuzz/run (CI runs it briefly on each format); not part of the test suite.
// Every other input also goes through redaction (the face model from DOORSTEP_FACE_MODEL, which
// fuzz/run sets): the search on a reduced copy and the mosaic over whatever regions it finds.
#include "CDetect.h"
#include "CVips.h"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load_face_model(void) {
    const char *path = getenv("DOORSTEP_FACE_MODEL");
    FILE *file = path ? fopen(path, "rb") : NULL;
    if (!file) return -1;
    static uint8_t model[1 << 20];
    size_t length = fread(model, 1, sizeof model, file);
    fclose(file);
    char err[256];
    return dsd_load(model, length, err, sizeof err);
}

static int sniff(const uint8_t *data, size_t size, dsv_format *format) {
    if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) *format = DSV_FORMAT_JPEG;
    else if (size >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0) *format = DSV_FORMAT_PNG;
    else if (size >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0) *format = DSV_FORMAT_WEBP;
    else if (size >= 12 && memcmp(data + 4, "ftyp", 4) == 0) *format = DSV_FORMAT_HEIF;  // HEIC and AVIF
    else return -1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int started = 0;
    char err[256];
    if (!started && dsv_init(err, sizeof err) == 0) {
        if (load_face_model()) abort();  // a harness that cannot search would fuzz less than it says
        started = 1;
    }
    dsv_format format;
    dsv_header header;
    if (sniff(data, size, &format) || dsv_read_header(format, data, size, &header, err, sizeof err)) return 0;
    if ((long long)header.width * header.height > 4000000) return 0;  // the server's pixel limit, scaled down
    dsv_output output;
    // Small outputs keep each run quick and reach the 1/8 DCT scale and the tiny-image paths.
    int detect_max = size % 2 ? 96 : 0;
    if (dsv_process(format, data, size, header.width, header.height, header.orientation, 64, 16, 80, detect_max, 10000, &output, err, sizeof err) == 0) {
        dsv_free(output.display);
        dsv_free(output.thumbnail);
    }
    return 0;
}
