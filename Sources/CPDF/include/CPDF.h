#ifndef DOORSTEP_CPDF_H
#define DOORSTEP_CPDF_H
#include <stddef.h>

// A small page-flowing PDF writer on cairo (its PDF surface) and Pango (text shaping and line
// breaking): the evidence pack's only renderer. Text is always plain UTF-8, never Pango markup,
// so nothing a customer or tenant typed can change the layout. A4 portrait, fixed margins; blocks
// flow down the page and onto the next. JPEG photos are embedded as they are (DCTDecode), never
// re-encoded: what the PDF shows is the stored photo's own bytes.

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dpdf_doc dpdf_doc;

enum dpdf_style { DPDF_BODY = 0, DPDF_TITLE = 1, DPDF_HEADING = 2, DPDF_SMALL = 3, DPDF_MONO = 4 };

enum dpdf_status {
    DPDF_OK = 0,
    DPDF_ERROR = -1,       // cairo or Pango failed, or the document was already finished
    DPDF_TOO_MANY_PAGES = -2,
    DPDF_BAD_IMAGE = -3,   // not a baseline or progressive JPEG of at most 4096 px a side
};

// A document that refuses to grow past max_pages. `footer` is printed on every page with its
// number ("footer · 3"). Metadata strings may be NULL.
dpdf_doc *dpdf_new(int max_pages, const char *footer, const char *title, const char *subject, const char *creator);

// A paragraph in one style; long ones continue on the next page line by line.
int dpdf_text(dpdf_doc *doc, const char *utf8, int style);
// A label and its value side by side (a third of the width for the label).
int dpdf_field(dpdf_doc *doc, const char *label, const char *value);
// Vertical space in points.
int dpdf_space(dpdf_doc *doc, double points);
// Starts a new page unless the current one is still empty.
int dpdf_page_break(dpdf_doc *doc);
// A JPEG scaled to the text width and at most max_height points tall, on a new page if it
// does not fit on this one.
int dpdf_jpeg(dpdf_doc *doc, const unsigned char *jpeg, size_t length, double max_height);

int dpdf_page_count(const dpdf_doc *doc);

// Ends the document and frees it (whatever the result). On DPDF_OK *out holds the PDF's bytes,
// to be released with dpdf_free_bytes.
int dpdf_finish(dpdf_doc *doc, unsigned char **out, size_t *length);
void dpdf_free_bytes(unsigned char *bytes);

#ifdef __cplusplus
}
#endif
#endif
