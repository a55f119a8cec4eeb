// libFuzzer harness for the image shim: header, then the whole pipeline, on whatever bytes the
// fuzzer makes. A crash, an abort (libvips asserts), a leak or an out-of-bounds access under
// AddressSanitizer fails it. Built and run by fuzz/run (CI runs it briefly on each format); not part of the test suite.
#include "CVips.h"
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
    if (!started && dsv_init(err, sizeof err) == 0) started = 1;
    dsv_format format;
    dsv_header header;
    if (sniff(data, size, &format) || dsv_read_header(format, data, size, &header, err, sizeof err)) return 0;
    if ((long long)header.width * header.height > 4000000) return 0;  // the server's pixel limit, scaled down
    dsv_output output;
    // Small outputs keep each run quick and reach the 1/8 DCT scale and the tiny-image paths.
    if (dsv_process(format, data, size, header.width, header.height, header.orientation, 64, 16, 80, 0, 10000, &output, err, sizeof err) == 0) {
        dsv_free(output.display);
        dsv_free(output.thumbnail);
    }
    return 0;
}
