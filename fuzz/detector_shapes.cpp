// The detectors on the shapes a hostile upload can give them, under valgrind (fuzz/detector-shapes):
// OpenCV is not built with AddressSanitizer, so the fuzzing harness cannot see it read past a
// buffer; valgrind can. Found this way: a 1280 x 1 strip made OpenCV 4.6's dnn read
// thousands of times past their buffers (the face search's input is now at least 64 px a side).
// Pixels are random (seeded): what is found does not matter, only that nothing is read that was
// never written. Exit 1 when a search fails; valgrind's own exit code reports what it saw.
#include "CDetect.h"
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FACE_MODEL.onnx\n", argv[0]);
        return 2;
    }
    std::ifstream file(argv[1], std::ios::binary);
    std::vector<char> model((std::istreambuf_iterator<char>(file)), {});
    char err[256];
    if (dsd_load(model.data(), model.size(), err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    // (width, height, people?): strips either way at the sizes redact.c searches (1280 for faces
    // by default, 1600 at most, 320 for big faces, 600 for people), and a pixel. Few, as valgrind
    // runs the networks about 50 times slower; a wider sweep (widths 64-1280 against heights 1-130,
    // each way) passed once by hand (BENCHMARKS.md, 2026-12-07 night).
    const struct { int width, height; bool people; } shapes[] = {
        {1280, 1, false}, {1, 1280, false}, {1600, 1, false}, {1, 1600, false}, {640, 1, false},
        {320, 1, false}, {1, 1, false}, {600, 1, true}, {1, 1, true},
    };
    srand(5);
    int failed = 0;
    for (const auto &shape : shapes) {
        std::vector<uint8_t> pixels((size_t)shape.width * shape.height * 4);
        for (auto &byte : pixels) byte = (uint8_t)(rand() & 255);
        dsd_region regions[64];
        int found = shape.people ? dsd_find_people(pixels.data(), shape.width, shape.height, regions, 64)
                                 : dsd_find(pixels.data(), shape.width, shape.height, regions, 64);
        printf("%s %d x %d: %d\n", shape.people ? "people" : "faces", shape.width, shape.height, found);
        if (found < 0) failed = 1;
    }
    return failed;
}
