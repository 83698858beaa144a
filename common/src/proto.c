/* Error codes and the binary batch frame (docs/protocol.md). The error table is the one home of
 * the words every program shows: assets/web/js/protocol.js holds a copy that
 * tests/web/logic.test.js checks against this table (through tests/unit/proto_tables.c). */
#include "place/proto.h"

#include <string.h>

#include "le.h"

static const struct {
    const char *code;
    const char *message;
} errors[PLACE_ERR_COUNT_] = {
    [PLACE_ERR_NONE] = {"NONE", "No error."},
    [PLACE_ERR_BAD_JSON] = {"BAD_JSON", "The message is not valid JSON."},
    [PLACE_ERR_BAD_MESSAGE] = {"BAD_MESSAGE", "The message is missing a field or has one of the wrong type."},
    [PLACE_ERR_UNKNOWN_TYPE] = {"UNKNOWN_TYPE", "The server does not know that kind of message."},
    [PLACE_ERR_OUT_OF_BOUNDS] = {"OUT_OF_BOUNDS", "That spot is outside the canvas."},
    [PLACE_ERR_BAD_COLOR] = {"BAD_COLOR", "That colour is not in the palette."},
    [PLACE_ERR_COOLDOWN] = {"COOLDOWN", "Too soon: you can place another pixel when your cooldown ends."},
    [PLACE_ERR_NOT_ALLOWED] = {"NOT_ALLOWED", "Guests may not place pixels here: log in or register."},
    [PLACE_ERR_BANNED] = {"BANNED", "You are banned from placing pixels."},
    [PLACE_ERR_RATE_LIMITED] = {"RATE_LIMITED", "Too many messages: slow down."},
    [PLACE_ERR_TOO_LARGE] = {"TOO_LARGE", "The message is too large."},
    [PLACE_ERR_BINARY_NOT_ALLOWED] = {"BINARY_NOT_ALLOWED", "Clients may not send binary messages."},
    [PLACE_ERR_TOO_MANY_CONNECTIONS] = {"TOO_MANY_CONNECTIONS", "Too many connections from your address."},
    [PLACE_ERR_UNAVAILABLE] = {"UNAVAILABLE", "The server cannot take pixels right now: try again in a moment."},
    [PLACE_ERR_BAD_REQUEST] = {"BAD_REQUEST", "The request is malformed."},
    [PLACE_ERR_BAD_USERNAME] = {"BAD_USERNAME", "Usernames are 3\u2013" "32 letters, digits, _ or -."},
    [PLACE_ERR_BAD_PASSWORD] = {"BAD_PASSWORD", "Passwords need at least 8 characters."},
    [PLACE_ERR_USERNAME_TAKEN] = {"USERNAME_TAKEN", "That username is taken."},
    [PLACE_ERR_BAD_CREDENTIALS] = {"BAD_CREDENTIALS", "Wrong username or password."},
    [PLACE_ERR_NOT_FOUND] = {"NOT_FOUND", "There is nothing here."},
    [PLACE_ERR_METHOD_NOT_ALLOWED] = {"METHOD_NOT_ALLOWED", "That method is not allowed here."},
    [PLACE_ERR_INTERNAL] = {"INTERNAL", "The server had a problem; nothing was changed."},
    [PLACE_ERR_FROZEN] = {"FROZEN", "The canvas is frozen: no pixels can be placed for now."},
    [PLACE_ERR_TIMEOUT] = {"TIMEOUT", "No answer from the server: your pixel was not placed."},
};

const char *place_err_code(place_err e)
{
    if ((int)e < 0 || e >= PLACE_ERR_COUNT_)
        return "INTERNAL";
    return errors[e].code;
}

place_err place_err_from_code(const char *code)
{
    if (code)
        for (int i = 1; i < PLACE_ERR_COUNT_; i++)
            if (strcmp(errors[i].code, code) == 0)
                return (place_err)i;
    return PLACE_ERR_INTERNAL;
}

const char *place_err_message(place_err e)
{
    if ((int)e < 0 || e >= PLACE_ERR_COUNT_)
        return errors[PLACE_ERR_INTERNAL].message;
    return errors[e].message;
}

size_t place_batch_size(uint32_t n)
{
    return PLACE_BATCH_HEADER_SIZE + (size_t)n * 2 * PLACE_BATCH_RECORD_SIZE;
}

int place_batch_encode(uint8_t *out, size_t cap, uint64_t prev_seq, uint64_t last_seq,
                       int64_t time_ms, const place_pixel *px, uint32_t n)
{
    if (last_seq < prev_seq)
        return PLACE_ERANGE;
    /* First pass: check the pixels and count the records, so the length is exact. */
    uint64_t records = n;
    uint64_t prev = prev_seq;
    for (uint32_t i = 0; i < n; i++) {
        if (px[i].seq <= prev || px[i].seq > last_seq || px[i].seq - prev - 1 > UINT32_MAX ||
            px[i].color > 15)
            return PLACE_ERANGE;
        records += px[i].seq - prev > 1;
        prev = px[i].seq;
    }
    uint64_t size = PLACE_BATCH_HEADER_SIZE + records * PLACE_BATCH_RECORD_SIZE;
    if (size > INT32_MAX || cap < size)
        return PLACE_ESHORT;
    out[0] = PLACE_BATCH_KIND;
    out[1] = PLACE_BATCH_VERSION;
    out[2] = out[3] = 0;
    le_put32(out + 4, (uint32_t)records);
    le_put64(out + 8, prev_seq);
    le_put64(out + 16, last_seq);
    le_put64(out + 24, (uint64_t)time_ms);
    uint8_t *r = out + PLACE_BATCH_HEADER_SIZE;
    prev = prev_seq;
    for (uint32_t i = 0; i < n; i++) {
        if (px[i].seq - prev > 1) {
            le_put32(r, (uint32_t)(px[i].seq - prev - 1));
            r[4] = PLACE_BATCH_SKIP << 4;
            r += PLACE_BATCH_RECORD_SIZE;
        }
        le_put16(r, px[i].x);
        le_put16(r + 2, px[i].y);
        r[4] = (uint8_t)(PLACE_BATCH_PIXEL << 4 | px[i].color);
        r += PLACE_BATCH_RECORD_SIZE;
        prev = px[i].seq;
    }
    return (int)size;
}

int place_batch_parse_header(const uint8_t *buf, size_t len, place_batch_header *h)
{
    if (len < PLACE_BATCH_HEADER_SIZE)
        return PLACE_ESHORT;
    if (buf[0] != PLACE_BATCH_KIND || buf[1] != PLACE_BATCH_VERSION)
        return PLACE_EFORMAT;
    h->count = le_get32(buf + 4);
    h->prev_seq = le_get64(buf + 8);
    h->last_seq = le_get64(buf + 16);
    h->time_ms = (int64_t)le_get64(buf + 24);
    if ((len - PLACE_BATCH_HEADER_SIZE) / PLACE_BATCH_RECORD_SIZE != h->count ||
        (len - PLACE_BATCH_HEADER_SIZE) % PLACE_BATCH_RECORD_SIZE != 0)
        return PLACE_ESHORT;
    if (h->last_seq < h->prev_seq)
        return PLACE_EFORMAT;
    return 0;
}

int place_batch_parse(const uint8_t *buf, size_t len, place_batch_header *h)
{
    int rc = place_batch_parse_header(buf, len, h);
    if (rc < 0)
        return rc;
    place_batch_iter it;
    place_batch_iter_init(&it, buf, h);
    place_pixel p;
    uint32_t pixels = 0;
    while ((rc = place_batch_next(&it, &p)) > 0)
        pixels++;
    if (rc < 0)
        return rc;
    h->pixels = pixels;
    return 0;
}

void place_batch_iter_init(place_batch_iter *it, const uint8_t *buf, const place_batch_header *h)
{
    it->rec = buf + PLACE_BATCH_HEADER_SIZE;
    it->left = h->count;
    it->seq = h->prev_seq;
    it->last_seq = h->last_seq;
}

int place_batch_next(place_batch_iter *it, place_pixel *out)
{
    while (it->left) {
        const uint8_t *r = it->rec;
        it->rec += PLACE_BATCH_RECORD_SIZE;
        it->left--;
        unsigned kind = r[4] >> 4;
        if (kind == PLACE_BATCH_PIXEL) {
            if (it->seq >= it->last_seq)
                goto malformed;
            out->seq = ++it->seq;
            out->x = le_get16(r);
            out->y = le_get16(r + 2);
            out->color = r[4] & 0x0f;
            return 1;
        }
        /* A skip: it must say how many seqs it uses up, stay within lastSeq, and lead to a
         * pixel (a skip at the end would only repeat what lastSeq already says). */
        uint32_t skip = le_get32(r);
        if (kind != PLACE_BATCH_SKIP || (r[4] & 0x0f) || skip == 0 || !it->left ||
            skip > it->last_seq - it->seq)
            goto malformed;
        it->seq += skip;
    }
    return 0;
malformed:
    it->left = 0;
    return PLACE_EFORMAT;
}
