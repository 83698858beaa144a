/* The Kafka placement event codec (see event.h). */
#include "event.h"

#include <string.h>

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

size_t event_encode(const event *e, uint8_t out[EVENT_MAX])
{
    size_t n = strnlen(e->username, BACKEND_NAME_MAX);
    out[0] = EVENT_VERSION;
    out[1] = e->color;
    put16(out + 2, e->x);
    put16(out + 4, e->y);
    put64(out + 6, e->seq);
    put64(out + 14, (uint64_t)e->time_ms);
    memset(out + 22, '0', BACKEND_ID_LEN);
    memcpy(out + 22, e->user_id, strnlen(e->user_id, BACKEND_ID_LEN));
    out[54] = (uint8_t)n;
    memcpy(out + EVENT_FIXED, e->username, n);
    return EVENT_FIXED + n;
}

static int is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int is_name_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

int event_decode(const uint8_t *buf, size_t len, event *e)
{
    if (len < EVENT_FIXED || buf[0] != EVENT_VERSION)
        return -1;
    size_t n = buf[54];
    if (n > BACKEND_NAME_MAX || len < EVENT_FIXED + n || buf[1] > 15)
        return -1;
    /* ids and names go on into SQL COPY text and JSON: only what the server ever writes */
    for (size_t i = 0; i < BACKEND_ID_LEN; i++)
        if (!is_hex(buf[22 + i]))
            return -1;
    for (size_t i = 0; i < n; i++)
        if (!is_name_char(buf[EVENT_FIXED + i]))
            return -1;
    e->color = buf[1];
    e->x = get16(buf + 2);
    e->y = get16(buf + 4);
    e->seq = get64(buf + 6);
    e->time_ms = (int64_t)get64(buf + 14);
    memcpy(e->user_id, buf + 22, BACKEND_ID_LEN);
    e->user_id[BACKEND_ID_LEN] = 0;
    memcpy(e->username, buf + EVENT_FIXED, n);
    e->username[n] = 0;
    return 0;
}
