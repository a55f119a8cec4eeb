// The person detector's weights and text graph (MIT, models/LICENSE.md), compiled into the binary
// like the face model: a helper process reads no file for them. `#embed` (C23, which clang takes
// in C11 as an extension) copies the bytes at compile time without a generated source file:
// 12 MB as an array literal would take the Swift compiler minutes, this takes milliseconds.
#include <stddef.h>

#pragma clang diagnostic ignored "-Wc23-extensions"

const unsigned char dsd_person_model[] = {
#embed "models/person_mobilenet_ssd_fp16.caffemodel"
};
const size_t dsd_person_model_length = sizeof(dsd_person_model);

const char dsd_person_graph[] = {
#embed "models/person_mobilenet_ssd.prototxt"
};
const size_t dsd_person_graph_length = sizeof(dsd_person_graph);
