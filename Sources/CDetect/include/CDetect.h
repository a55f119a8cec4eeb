// What must never be stored, found in pixels: faces and people (number plates are still to come).
// A small C face over OpenCV's dnn module so the C image shim can call it; every function catches
// what OpenCV throws and reports failure with a return value instead.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    DSD_FACE = 1,
    DSD_PERSON = 2,
} dsd_kind;

/// A found region, in the pixels of the image searched.
typedef struct {
    int x, y, width, height;
    float score;
    dsd_kind kind;
} dsd_region;

/// Loads the face model (YuNet, ONNX) from memory and the person model (compiled in) for this process, runs it once so nothing is
/// loaded lazily later (a helper process loads before its sandbox refuses files), and keeps OpenCV
/// to the calling thread (the image pool gives the parallelism). Call before any `dsd_find`.
int dsd_load(const void *face_model, size_t length, char *err, size_t err_length);

/// Whether `dsd_load` succeeded in this process.
int dsd_loaded(void);

/// Finds faces in RGBX pixels (the caller passes a reduced copy: the cost grows with the area).
/// Writes at most `capacity` regions, the surest first; returns how many, or -1 on failure (the
/// caller must then not store the image: a search that did not run found nothing).
int dsd_find(const uint8_t *rgbx, int width, int height, dsd_region *regions, int capacity);

/// Finds whole or partial people, from any side, in RGBX pixels: the network looks at square
/// tiles of it at 300 x 300 (two for a 4:3 or 3:2 photo), so pass a copy of about 600 px. As
/// `dsd_find` for the rest.
int dsd_find_people(const uint8_t *rgbx, int width, int height, dsd_region *regions, int capacity);

#ifdef __cplusplus
}
#endif
