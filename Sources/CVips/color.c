// Embedded colour profiles (Display P3 from phones, Adobe RGB from cameras) honoured with
// LittleCMS, the library libvips itself uses, on the already-resized pixels: converting 2 MP
// instead of the 12 MP the photo was stored at.
#include "pixels.h"
#include <lcms2.h>

static void quiet(cmsContext context, cmsUInt32Number code, const char *text) {
    (void)context; (void)code; (void)text;  // a broken profile is handled by the caller, not logged
}

void dsc_init(void) { cmsSetLogErrorHandler(quiet); }

void dsc_to_srgb(uint8_t *pixels, size_t count, const void *icc, size_t icc_length) {
    cmsHPROFILE embedded = cmsOpenProfileFromMem(icc, (cmsUInt32Number)icc_length);
    if (!embedded) return;
    if (cmsGetColorSpace(embedded) == cmsSigRgbData) {
        cmsHPROFILE srgb = cmsCreate_sRGBProfile();
        // TYPE_RGBA_8 is RGB plus one byte the transform passes over: our X.
        cmsHTRANSFORM transform = srgb ? cmsCreateTransform(embedded, TYPE_RGBA_8, srgb, TYPE_RGBA_8, INTENT_PERCEPTUAL, 0) : NULL;
        if (transform) {
            cmsDoTransform(transform, pixels, pixels, (cmsUInt32Number)count);
            cmsDeleteTransform(transform);
        }
        if (srgb) cmsCloseProfile(srgb);
    }
    cmsCloseProfile(embedded);
}
