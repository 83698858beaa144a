/* JSON bodies shared by http.c and ws.c (see views.h). */
#include "views.h"

#include <inttypes.h>
#include <stdio.h>

#include "place/palette.h"

#include "canvas.h"

int view_info_json(const place_server *srv, char *buf, size_t cap)
{
    char pal[16 * 11 + 2];
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

int view_user_json(const backend_user *u, char *buf, size_t cap)
{
    /* ids and names are hex or [A-Za-z0-9_-]: nothing to escape */
    int n = snprintf(buf, cap,
                     "{\"userId\":\"%s\",\"username\":\"%s\",\"isGuest\":%s,\"isAdmin\":%s,"
                     "\"nextPlacement\":%" PRId64 "}",
                     u->id, u->name, u->is_guest ? "true" : "false", u->is_admin ? "true" : "false",
                     u->next_placement);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

const char *view_canvas_url(const place_server *srv)
{
    return srv->cfg.cdn_url[0] ? srv->cfg.cdn_url : "/api/v1/canvas/snapshot";
}
