/* JSON bodies shared by http.c and ws.c (see views.h). */
#include "views.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "place/palette.h"

#include "canvas.h"

int view_info_json(const place_server *srv, char *buf, size_t cap)
{
    char pal[PLACE_COLORS * 11 + 2];
    size_t o = 0;
    pal[o++] = '[';
    for (int i = 0; i < PLACE_COLORS; i++) {
        char hex[8];
        place_color_hex(i, hex);
        o += (size_t)snprintf(pal + o, sizeof pal - o, "%s\"%s\"", i ? "," : "", hex);
    }
    snprintf(pal + o, sizeof pal - o, "]");
    int n = snprintf(buf, cap,
                     "{\"width\":%u,\"height\":%u,\"colors\":%d,\"cooldownSec\":%d,"
                     "\"palette\":%s,\"seq\":%" PRIu64 ",\"batchMs\":%d,\"guestsCanPlace\":%s}",
                     canvas_width(), canvas_height(), PLACE_COLORS, srv->cfg.cooldown_sec, pal,
                     canvas_seq(), srv->cfg.batch_ms, srv->cfg.guests_can_place ? "true" : "false");
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* Writes s as the inside of a JSON string (quotes, backslashes and control characters
 * escaped; other bytes as they are). Returns the length, or -1 if cap is too small. */
static int json_text(const char *s, char *buf, size_t cap)
{
    size_t o = 0;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        char esc[8];
        int n;
        if (ch == '"' || ch == '\\')
            n = snprintf(esc, sizeof esc, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            n = snprintf(esc, sizeof esc, "\\u%04x", ch);
        else
            n = snprintf(esc, sizeof esc, "%c", ch);
        if (o + (size_t)n >= cap)
            return -1;
        memcpy(buf + o, esc, (size_t)n);
        o += (size_t)n;
    }
    if (o >= cap)
        return -1;
    buf[o] = 0;
    return (int)o;
}

int view_user_json(const backend_user *u, char *buf, size_t cap)
{
    /* ids and names are hex or [A-Za-z0-9_-]: nothing to escape; the reason is an admin's text */
    char reason[BACKEND_REASON_MAX * 6 + 1] = "";
    if (u->is_banned && json_text(u->ban_reason, reason, sizeof reason) < 0)
        reason[0] = 0;
    char ban[sizeof reason + 64] = "";
    if (u->is_banned)
        snprintf(ban, sizeof ban, ",\"bannedUntil\":%" PRId64 ",\"banReason\":\"%s\"",
                 u->banned_until, reason);
    int n = snprintf(buf, cap,
                     "{\"userId\":\"%s\",\"username\":\"%s\",\"isGuest\":%s,\"isAdmin\":%s,"
                     "\"nextPlacement\":%" PRId64 ",\"isBanned\":%s%s}",
                     u->id, u->name, u->is_guest ? "true" : "false", u->is_admin ? "true" : "false",
                     u->next_placement, u->is_banned ? "true" : "false", ban);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

void view_banned_viewer(const backend_addr_ban *ban, backend_user *out)
{
    memset(out, 0, sizeof *out);
    out->is_guest = 1;
    out->is_banned = 1;
    out->banned_until = ban->until;
    snprintf(out->ban_reason, sizeof out->ban_reason, "%s", ban->reason);
}

int view_banned_json(const char *reason, int64_t until, char *buf, size_t cap)
{
    char text[BACKEND_REASON_MAX * 6 + 1] = "";
    if (json_text(reason ? reason : "", text, sizeof text) < 0)
        text[0] = 0;
    int n = snprintf(buf, cap,
                     "{\"type\":\"banned\",\"message\":\"You are banned from placing pixels.\","
                     "\"reason\":\"%s\",\"until\":%" PRId64 "}",
                     text, until);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

const char *view_canvas_url(const place_server *srv)
{
    return srv->cfg.cdn_url[0] ? srv->cfg.cdn_url : "/api/v1/canvas/snapshot";
}
