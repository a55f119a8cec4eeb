// Writes a valid progressive JPEG with every scan the progression rules allow (2,090 for three
// components: each AC coefficient of each component sent alone, then refined bit by bit, at most 10 bits deep for 8-bit samples), the
// shape of the hostile files that cost a decoder seconds of CPU per megapixel. The fixture
// photos/h01_progressive_2090_scans_64x48.jpg was made by this program:
//   cc -O2 -o /tmp/many_scans many_scans.c -ljpeg && /tmp/many_scans > h01_progressive_2090_scans_64x48.jpg
// and, with four components (CMYK, which libvips decodes rather than our JPEG path), h02:
//   cc -O2 -DCMYK -o /tmp/many_scans_cmyk many_scans.c -ljpeg && /tmp/many_scans_cmyk > h02_progressive_cmyk_2783_scans_64x48.jpg
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

int main(void) {
#ifdef CMYK
    enum { W = 64, H = 48, C = 4 };
#else
    enum { W = 64, H = 48, C = 3 };
#endif
    enum { SCANS = 11 + C * 63 * 11 };
    static jpeg_scan_info scans[SCANS];
    int n = 0;
    scans[n++] = (jpeg_scan_info){C, {0, 1, 2, 3}, 0, 0, 0, 10};
    for (int al = 10; al > 0; al--) scans[n++] = (jpeg_scan_info){C, {0, 1, 2, 3}, 0, 0, al, al - 1};
    for (int c = 0; c < C; c++)
        for (int k = 1; k < 64; k++) {
            scans[n++] = (jpeg_scan_info){1, {c}, k, k, 0, 10};
            for (int al = 10; al > 0; al--) scans[n++] = (jpeg_scan_info){1, {c}, k, k, al, al - 1};
        }
    struct jpeg_compress_struct info;
    struct jpeg_error_mgr err;
    info.err = jpeg_std_error(&err);
    jpeg_create_compress(&info);
    jpeg_stdio_dest(&info, stdout);
    info.image_width = W;
    info.image_height = H;
    info.input_components = C;
    info.in_color_space = C == 4 ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, 95, TRUE);
    info.scan_info = scans;
    info.num_scans = n;
    jpeg_start_compress(&info, TRUE);
    unsigned char row[W * C];
    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
            row[x * C] = (unsigned char)(x * 4);
            row[x * C + 1] = (unsigned char)(y * 5);
            row[x * C + 2] = (unsigned char)(x * y);
            if (C == 4) row[x * C + 3] = (unsigned char)(x + y);
        }
        JSAMPROW rows[1] = {row};
        jpeg_write_scanlines(&info, rows, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    fprintf(stderr, "%d scans\n", n);
    return 0;
}
