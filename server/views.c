/* The canvas and the user as the protocol tells them (see views.h). */
#include "views.h"

#include <stdio.h>
#include <string.h>

#include "place/palette.h"

#include "canvas.h"
#include "history_api.h"

void view_canvas_info(const place_server *srv, place_canvas_info *out)
{
    memset(out, 0, sizeof *out); /* has_palette 0: the shared palette */
    out->width = canvas_width(srv->canvas);
    out->height = canvas_height(srv->canvas);
    out->colors = PLACE_COLORS;
    out->cooldown_sec = srv->cfg.cooldown_sec;
    out->batch_ms = srv->cfg.batch_ms;
    out->guests_can_place = srv->cfg.guests_can_place;
    out->seq = canvas_seq(srv->canvas);
    hist_api_first(srv->hist, &out->first_seq, &out->first_time);
}

int view_info_json(const place_server *srv, char *buf, size_t cap)
{
    place_canvas_info info;
    view_canvas_info(srv, &info);
    int n = place_fmt_canvas_info(buf, cap, &info);
    return n < 0 ? -1 : n;
}

void view_user(const backend_user *u, place_user_info *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->user_id, sizeof out->user_id, "%s", u->id);
    snprintf(out->username, sizeof out->username, "%s", u->name);
    out->is_guest = u->is_guest;
    out->is_admin = u->is_admin;
    out->next_placement = u->next_placement;
    out->is_banned = u->is_banned;
    out->banned_until = u->banned_until;
    snprintf(out->ban_reason, sizeof out->ban_reason, "%s", u->ban_reason);
}

int view_user_json(const backend_user *u, char *buf, size_t cap)
{
    place_user_info info;
    view_user(u, &info);
    int n = place_fmt_user(buf, cap, &info);
    return n < 0 ? -1 : n;
}

void view_banned_viewer(const backend_addr_ban *ban, backend_user *out)
{
    memset(out, 0, sizeof *out);
    out->is_guest = 1;
    out->is_banned = 1;
    out->banned_until = ban->until;
    snprintf(out->ban_reason, sizeof out->ban_reason, "%s", ban->reason);
}

const char *view_canvas_url(const place_server *srv)
{
    return srv->cfg.cdn_url[0] ? srv->cfg.cdn_url : "/api/v1/canvas/snapshot";
}
