// The evidence pack's PDF writer: cairo's PDF surface draws, Pango shapes and breaks the text
// (any script the catalogue or a customer uses), libjpeg-turbo decodes the photo only so cairo
// has pixels to fall back on; the PDF embeds the JPEG's own bytes (cairo's JPEG mime data).
#include "CPDF.h"

#include <stdio.h>  // before jpeglib.h, which uses FILE
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <jpeglib.h>
#include <pango/pangocairo.h>

// A4 in points, margins of 2 cm; the footer sits in the bottom margin.
#define PAGE_WIDTH 595.276
#define PAGE_HEIGHT 841.890
#define MARGIN 56.7
#define CONTENT_WIDTH (PAGE_WIDTH - 2 * MARGIN)
#define BOTTOM (PAGE_HEIGHT - MARGIN)
// Stored display photos are at most 1600 px; 4096 bounds the decode at 64 MB whatever is passed.
#define MAX_IMAGE_SIDE 4096
// A PDF larger than this is a bug, not a pack: processors take 4.5 MB at most.
#define MAX_OUTPUT (64u << 20)

struct output {
    unsigned char *data;
    size_t length, capacity;
    int overflowed;
};

struct dpdf_doc {
    cairo_surface_t *surface;
    cairo_t *cr;
    struct output out;
    double y;
    int page, max_pages, page_has_content;
    int status;
    char *footer;
};

static cairo_status_t write_output(void *closure, const unsigned char *data, unsigned int length) {
    struct output *out = closure;
    if (out->overflowed || length > MAX_OUTPUT - out->length) {
        out->overflowed = 1;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    if (out->length + length > out->capacity) {
        size_t capacity = out->capacity ? out->capacity : 65536;
        while (capacity < out->length + length) capacity *= 2;
        unsigned char *grown = realloc(out->data, capacity);
        if (!grown) {
            out->overflowed = 1;
            return CAIRO_STATUS_NO_MEMORY;
        }
        out->data = grown;
        out->capacity = capacity;
    }
    memcpy(out->data + out->length, data, length);
    out->length += length;
    return CAIRO_STATUS_SUCCESS;
}

static PangoFontDescription *font_for(int style) {
    // DejaVu is what Debian's fontconfig resolves "Sans" to; naming it keeps the pack identical
    // on machines with other fonts installed, and it covers Latin, Greek and Cyrillic scripts.
    const char *family = style == DPDF_MONO ? "DejaVu Sans Mono" : "DejaVu Sans";
    PangoFontDescription *font = pango_font_description_from_string(family);
    double size = 10;
    switch (style) {
    case DPDF_TITLE: size = 18; pango_font_description_set_weight(font, PANGO_WEIGHT_BOLD); break;
    case DPDF_HEADING: size = 12.5; pango_font_description_set_weight(font, PANGO_WEIGHT_BOLD); break;
    case DPDF_SMALL: size = 8.5; break;
    case DPDF_MONO: size = 8; break;
    default: break;
    }
    // Absolute size: one point per device unit, whatever resolution Pango assumes for cairo.
    pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
    return font;
}

static PangoLayout *layout_for(dpdf_doc *doc, const char *text, int style, double width) {
    PangoLayout *layout = pango_cairo_create_layout(doc->cr);
    PangoFontDescription *font = font_for(style);
    pango_layout_set_font_description(layout, font);
    pango_font_description_free(font);
    pango_layout_set_width(layout, (int)(width * PANGO_SCALE));
    // Long unbroken strings (hashes, URLs) break anywhere rather than run off the page.
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_text(layout, text, -1);  // never markup
    return layout;
}

static void set_colour(dpdf_doc *doc, int style) {
    if (style == DPDF_SMALL) cairo_set_source_rgb(doc->cr, 0.30, 0.30, 0.30);
    else cairo_set_source_rgb(doc->cr, 0.07, 0.07, 0.07);
}

static void end_page(dpdf_doc *doc) {
    if (doc->footer) {
        char *line = g_strdup_printf("%s · %d", doc->footer, doc->page);
        PangoLayout *layout = layout_for(doc, line, DPDF_SMALL, CONTENT_WIDTH);
        set_colour(doc, DPDF_SMALL);
        cairo_move_to(doc->cr, MARGIN, PAGE_HEIGHT - MARGIN + 14);
        pango_cairo_show_layout(doc->cr, layout);
        g_object_unref(layout);
        g_free(line);
    }
    cairo_show_page(doc->cr);
}

static int new_page(dpdf_doc *doc) {
    if (doc->page >= doc->max_pages) {
        doc->status = DPDF_TOO_MANY_PAGES;
        return doc->status;
    }
    end_page(doc);
    doc->page++;
    doc->y = MARGIN;
    doc->page_has_content = 0;
    return DPDF_OK;
}

/// Room for `height` more points on this page, or a new page (unless this one is empty: a block
/// taller than a page is drawn and clipped by the page rather than looping).
static int make_room(dpdf_doc *doc, double height) {
    if (doc->y + height <= BOTTOM || !doc->page_has_content) return DPDF_OK;
    return new_page(doc);
}

/// Draws a layout line by line at x, continuing on the next page where it runs out.
static int flow(dpdf_doc *doc, PangoLayout *layout, double x, int style) {
    int count = pango_layout_get_line_count(layout);
    for (int i = 0; i < count && doc->status == DPDF_OK; i++) {
        PangoLayoutLine *line = pango_layout_get_line_readonly(layout, i);
        PangoRectangle logical;
        pango_layout_line_get_extents(line, NULL, &logical);
        double height = (double)logical.height / PANGO_SCALE, ascent = -(double)logical.y / PANGO_SCALE;
        if (make_room(doc, height) != DPDF_OK) break;
        set_colour(doc, style);
        cairo_move_to(doc->cr, x, doc->y + ascent);
        pango_cairo_show_layout_line(doc->cr, line);
        doc->y += height;
        doc->page_has_content = 1;
    }
    return doc->status;
}

static int usable(dpdf_doc *doc) {
    if (!doc) return DPDF_ERROR;
    if (doc->status == DPDF_OK && cairo_status(doc->cr) != CAIRO_STATUS_SUCCESS) doc->status = DPDF_ERROR;
    return doc->status;
}

dpdf_doc *dpdf_new(int max_pages, const char *footer, const char *title, const char *subject, const char *creator) {
    dpdf_doc *doc = calloc(1, sizeof *doc);
    if (!doc) return NULL;
    doc->surface = cairo_pdf_surface_create_for_stream(write_output, &doc->out, PAGE_WIDTH, PAGE_HEIGHT);
    doc->cr = cairo_create(doc->surface);
    if (cairo_status(doc->cr) != CAIRO_STATUS_SUCCESS) {
        cairo_destroy(doc->cr);
        cairo_surface_destroy(doc->surface);
        free(doc->out.data);
        free(doc);
        return NULL;
    }
    if (title) cairo_pdf_surface_set_metadata(doc->surface, CAIRO_PDF_METADATA_TITLE, title);
    if (subject) cairo_pdf_surface_set_metadata(doc->surface, CAIRO_PDF_METADATA_SUBJECT, subject);
    if (creator) cairo_pdf_surface_set_metadata(doc->surface, CAIRO_PDF_METADATA_CREATOR, creator);
    doc->footer = footer ? strdup(footer) : NULL;
    doc->max_pages = max_pages < 1 ? 1 : max_pages;
    doc->page = 1;
    doc->y = MARGIN;
    return doc;
}

int dpdf_text(dpdf_doc *doc, const char *utf8, int style) {
    if (usable(doc) != DPDF_OK) return doc ? doc->status : DPDF_ERROR;
    if (!utf8) return DPDF_ERROR;
    if (!g_utf8_validate(utf8, -1, NULL)) return DPDF_ERROR;
    // A heading is never the last line of a page: it moves on with room for a line after it.
    if (style == DPDF_HEADING || style == DPDF_TITLE) {
        if (make_room(doc, 60) != DPDF_OK) return doc->status;
        if (doc->page_has_content) doc->y += 6;
    }
    PangoLayout *layout = layout_for(doc, utf8, style, CONTENT_WIDTH);
    flow(doc, layout, MARGIN, style);
    g_object_unref(layout);
    doc->y += style == DPDF_HEADING || style == DPDF_TITLE ? 6 : 3;
    return usable(doc);
}

int dpdf_field(dpdf_doc *doc, const char *label, const char *value) {
    if (usable(doc) != DPDF_OK) return doc ? doc->status : DPDF_ERROR;
    if (!label || !value) return DPDF_ERROR;
    if (!g_utf8_validate(label, -1, NULL) || !g_utf8_validate(value, -1, NULL)) return DPDF_ERROR;
    const double labelWidth = CONTENT_WIDTH * 0.32, gap = CONTENT_WIDTH * 0.02;
    PangoLayout *left = layout_for(doc, label, DPDF_SMALL, labelWidth);
    PangoLayout *right = layout_for(doc, value, DPDF_BODY, CONTENT_WIDTH - labelWidth - gap);
    int leftHeight, rightHeight;
    pango_layout_get_size(left, NULL, &leftHeight);
    pango_layout_get_size(right, NULL, &rightHeight);
    double height = (double)(leftHeight > rightHeight ? leftHeight : rightHeight) / PANGO_SCALE;
    if (make_room(doc, height) == DPDF_OK) {
        double top = doc->y;
        set_colour(doc, DPDF_SMALL);
        cairo_move_to(doc->cr, MARGIN, top + 1);
        pango_cairo_show_layout(doc->cr, left);
        doc->page_has_content = 1;
        // The value flows on where it is longer than the page (a customer's long report).
        flow(doc, right, MARGIN + labelWidth + gap, DPDF_BODY);
        if (doc->y < top + (double)leftHeight / PANGO_SCALE) doc->y = top + (double)leftHeight / PANGO_SCALE;
        doc->y += 4;
    }
    g_object_unref(left);
    g_object_unref(right);
    return usable(doc);
}

int dpdf_space(dpdf_doc *doc, double points) {
    if (usable(doc) != DPDF_OK) return doc ? doc->status : DPDF_ERROR;
    if (points > 0 && doc->page_has_content) doc->y += points;
    return DPDF_OK;
}

int dpdf_page_break(dpdf_doc *doc) {
    if (usable(doc) != DPDF_OK) return doc ? doc->status : DPDF_ERROR;
    return doc->page_has_content ? new_page(doc) : DPDF_OK;
}

struct jpeg_failure {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
};

static void jpeg_fail(j_common_ptr info) { longjmp(((struct jpeg_failure *)info->err)->jump, 1); }
static void jpeg_quiet(j_common_ptr info, int level) { (void)info; (void)level; }

/// The JPEG's pixels in cairo's RGB24 layout (what libjpeg-turbo calls BGRX on little-endian).
static cairo_surface_t *decode(const unsigned char *jpeg, size_t length) {
    struct jpeg_decompress_struct info;
    struct jpeg_failure failure;
    cairo_surface_t *volatile surface = NULL;
    info.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = jpeg_fail;
    failure.manager.emit_message = jpeg_quiet;
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&info);
        if (surface) cairo_surface_destroy(surface);
        return NULL;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, jpeg, (unsigned long)length);
    jpeg_read_header(&info, TRUE);
    if (info.image_width == 0 || info.image_height == 0 || info.image_width > MAX_IMAGE_SIDE || info.image_height > MAX_IMAGE_SIDE
        || info.num_components != 3) {
        jpeg_destroy_decompress(&info);
        return NULL;
    }
    info.out_color_space = JCS_EXT_BGRX;
    surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)info.image_width, (int)info.image_height);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) longjmp(failure.jump, 1);
    cairo_surface_flush(surface);
    unsigned char *pixels = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    jpeg_start_decompress(&info);
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = pixels + (size_t)info.output_scanline * (size_t)stride;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    cairo_surface_mark_dirty(surface);
    return surface;
}

int dpdf_jpeg(dpdf_doc *doc, const unsigned char *jpeg, size_t length, double max_height) {
    if (usable(doc) != DPDF_OK) return doc ? doc->status : DPDF_ERROR;
    if (!jpeg || length == 0) return DPDF_BAD_IMAGE;
    cairo_surface_t *image = decode(jpeg, length);
    if (!image) return DPDF_BAD_IMAGE;
    unsigned char *copy = malloc(length);
    if (!copy) {
        cairo_surface_destroy(image);
        return DPDF_ERROR;
    }
    memcpy(copy, jpeg, length);
    // The PDF embeds these bytes as they are; cairo frees them with the surface.
    if (cairo_surface_set_mime_data(image, CAIRO_MIME_TYPE_JPEG, copy, length, free, copy) != CAIRO_STATUS_SUCCESS) {
        free(copy);
        cairo_surface_destroy(image);
        return DPDF_ERROR;
    }
    double width = cairo_image_surface_get_width(image), height = cairo_image_surface_get_height(image);
    double limit = max_height > 0 && max_height < BOTTOM - MARGIN ? max_height : BOTTOM - MARGIN;
    double scale = CONTENT_WIDTH / width;
    if (height * scale > limit) scale = limit / height;
    if (make_room(doc, height * scale) == DPDF_OK) {
        cairo_save(doc->cr);
        cairo_translate(doc->cr, MARGIN + (CONTENT_WIDTH - width * scale) / 2, doc->y);
        cairo_scale(doc->cr, scale, scale);
        cairo_set_source_surface(doc->cr, image, 0, 0);
        cairo_paint(doc->cr);
        cairo_restore(doc->cr);
        doc->y += height * scale + 6;
        doc->page_has_content = 1;
    }
    cairo_surface_destroy(image);
    return usable(doc);
}

int dpdf_page_count(const dpdf_doc *doc) { return doc ? doc->page : 0; }

int dpdf_finish(dpdf_doc *doc, unsigned char **out, size_t *length) {
    if (!doc) return DPDF_ERROR;
    int status = usable(doc);
    if (status == DPDF_OK) end_page(doc);
    cairo_destroy(doc->cr);
    cairo_surface_finish(doc->surface);
    if (status == DPDF_OK && (cairo_surface_status(doc->surface) != CAIRO_STATUS_SUCCESS || doc->out.overflowed)) status = DPDF_ERROR;
    cairo_surface_destroy(doc->surface);
    free(doc->footer);
    if (status == DPDF_OK && out && length) {
        *out = doc->out.data;
        *length = doc->out.length;
    } else {
        free(doc->out.data);
    }
    free(doc);
    return status;
}

void dpdf_free_bytes(unsigned char *bytes) { free(bytes); }
