/* The JSON messages of the WebSocket protocol (docs/protocol.md): parsing with cJSON, formatting
 * with snprintf so that the server's hot path allocates nothing. */
#include "place/proto.h"
#include "place/bitmap.h"
#include "place/palette.h"

#include <cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Largest integer a JSON number (an IEEE double) holds exactly. */
#define JSON_INT_MAX 9007199254740991.0

/* Appends printf output to buf at *pos; remembers overflow by setting *pos past cap. */
static void put(char *buf, size_t cap, size_t *pos, const char *fmt, ...)
{
    if (*pos >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *pos, cap - *pos, fmt, ap);
    va_end(ap);
    *pos = n < 0 ? cap : *pos + (size_t)n;
}

/* The length of the well-formed UTF-8 sequence at p (1..4), or 0 if it is not one (overlong,
 * surrogate, beyond U+10FFFF, cut short). */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
    size_t n;
    uint32_t cp;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        n = 2;
        cp = p[0] & 0x1f;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        n = 3;
        cp = p[0] & 0x0f;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

int place_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(p + i, len - i);
        if (!n || !p[i])
            return 0;
        i += n;
    }
    return 1;
}

int place_json_has_nul(const char *buf, size_t len)
{
    int in_str = 0;
    for (size_t i = 0; i < len; i++) {
        if (!buf[i])
            return 1;
        if (buf[i] == '"') {
            in_str = !in_str;
        } else if (in_str && buf[i] == '\\' && i + 1 < len) {
            if (buf[i + 1] == 'u' && i + 5 < len && !strncmp(buf + i + 2, "0000", 4))
                return 1;
            i++; /* the escaped character (an escaped quote does not end the string) */
        }
    }
    return 0;
}

/* Appends s as a JSON string literal: control characters escaped, and each byte that is not
 * part of well-formed UTF-8 written as U+FFFD, so the text is valid UTF-8 JSON whatever s is. */
static void put_str(char *buf, size_t cap, size_t *pos, const char *s)
{
    put(buf, cap, pos, "\"");
    size_t left = strlen(s);
    for (const unsigned char *p = (const unsigned char *)s; *p && *pos < cap; p++, left--) {
        if (*p >= 0x80) {
            size_t n = utf8_seq(p, left);
            if (n)
                put(buf, cap, pos, "%.*s", (int)n, (const char *)p);
            else
                put(buf, cap, pos, "\\ufffd");
            if (n > 1) {
                p += n - 1;
                left -= n - 1;
            }
            continue;
        }
        switch (*p) {
        case '"': put(buf, cap, pos, "\\\""); break;
        case '\\': put(buf, cap, pos, "\\\\"); break;
        case '\n': put(buf, cap, pos, "\\n"); break;
        case '\r': put(buf, cap, pos, "\\r"); break;
        case '\t': put(buf, cap, pos, "\\t"); break;
        default:
            if (*p < 0x20)
                put(buf, cap, pos, "\\u%04x", *p);
            else
                put(buf, cap, pos, "%c", *p);
        }
    }
    put(buf, cap, pos, "\"");
}

static void put_rid(char *buf, size_t cap, size_t *pos, const place_request_id *rid)
{
    if (!rid || !rid->text[0])
        return;
    put(buf, cap, pos, ",\"requestId\":");
    if (rid->is_number)
        put(buf, cap, pos, "%s", rid->text);
    else
        put_str(buf, cap, pos, rid->text);
}

static int finish(size_t pos, size_t cap)
{
    return pos >= cap ? PLACE_ESHORT : (int)pos;
}

/* An integral JSON number as int64; values beyond +-2^53 or fractional ones are refused. */
static int json_int(const cJSON *item, int64_t *out)
{
    if (!cJSON_IsNumber(item))
        return -1;
    double d = item->valuedouble;
    if (!isfinite(d) || d != floor(d))
        return -1;
    if (d > JSON_INT_MAX || d < -JSON_INT_MAX) {
        /* Integral but absurdly large: keep it out of range rather than a type error. */
        *out = d > 0 ? INT64_MAX : INT64_MIN;
        return 0;
    }
    *out = (int64_t)d;
    return 0;
}

static int read_request_id(const cJSON *item, place_request_id *rid)
{
    memset(rid, 0, sizeof *rid);
    if (cJSON_IsString(item)) {
        size_t n = strlen(item->valuestring);
        if (n == 0 || n > PLACE_MAX_REQUEST_ID)
            return -1;
        memcpy(rid->text, item->valuestring, n + 1);
        return 0;
    }
    int64_t v;
    if (json_int(item, &v) < 0 || v == INT64_MAX || v == INT64_MIN)
        return -1;
    snprintf(rid->text, sizeof rid->text, "%" PRId64, v);
    rid->is_number = 1;
    return 0;
}

place_err place_parse_client(const char *buf, size_t len, place_msg_type *type,
                             place_msg_place *place)
{
    place_err err = PLACE_ERR_NONE;
    *type = PLACE_MSG_NONE;
    memset(place, 0, sizeof *place);
    if (len > PLACE_MAX_TEXT_FRAME)
        return PLACE_ERR_TOO_LARGE;

    cJSON *root = cJSON_ParseWithLength(buf, len);
    if (!root || !cJSON_IsObject(root)) {
        err = PLACE_ERR_BAD_JSON;
        goto out;
    }
    if (place_json_has_nul(buf, len)) { /* cJSON would cut the string there without a word */
        err = PLACE_ERR_BAD_MESSAGE;
        goto out;
    }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (!cJSON_IsString(t)) {
        err = PLACE_ERR_BAD_MESSAGE;
        goto out;
    }
    if (strcmp(t->valuestring, "ping") == 0) {
        *type = PLACE_MSG_PING;
    } else if (strcmp(t->valuestring, "place") == 0) {
        *type = PLACE_MSG_PLACE;
        if (read_request_id(cJSON_GetObjectItemCaseSensitive(root, "requestId"),
                            &place->request_id) < 0) {
            err = PLACE_ERR_BAD_MESSAGE;
            goto out;
        }
        if (json_int(cJSON_GetObjectItemCaseSensitive(root, "x"), &place->x) < 0 ||
            json_int(cJSON_GetObjectItemCaseSensitive(root, "y"), &place->y) < 0 ||
            json_int(cJSON_GetObjectItemCaseSensitive(root, "color"), &place->color) < 0)
            err = PLACE_ERR_BAD_MESSAGE;
    } else {
        err = PLACE_ERR_UNKNOWN_TYPE;
    }
out:
    cJSON_Delete(root);
    return err;
}

int place_fmt_place(char *buf, size_t cap, int x, int y, int color, const place_request_id *rid)
{
    size_t pos = 0;
    put(buf, cap, &pos, "{\"type\":\"place\",\"x\":%d,\"y\":%d,\"color\":%d", x, y, color);
    put_rid(buf, cap, &pos, rid);
    put(buf, cap, &pos, "}");
    return finish(pos, cap);
}

int place_fmt_ping(char *buf, size_t cap)
{
    size_t pos = 0;
    put(buf, cap, &pos, "{\"type\":\"ping\"}");
    return finish(pos, cap);
}

int place_fmt_placed(char *buf, size_t cap, const place_request_id *rid, int64_t next_placement,
                     uint64_t seq)
{
    size_t pos = 0;
    put(buf, cap, &pos, "{\"type\":\"placed\"");
    put_rid(buf, cap, &pos, rid);
    put(buf, cap, &pos, ",\"nextPlacement\":%" PRId64 ",\"seq\":%" PRIu64 "}", next_placement,
        seq);
    return finish(pos, cap);
}

int place_fmt_error(char *buf, size_t cap, place_err code, const char *message,
                    const place_request_id *rid, int64_t retry_after_ms)
{
    size_t pos = 0;
    put(buf, cap, &pos, "{\"type\":\"error\",\"code\":\"%s\",\"message\":", place_err_code(code));
    put_str(buf, cap, &pos, message ? message : place_err_message(code));
    put_rid(buf, cap, &pos, rid);
    if (retry_after_ms >= 0)
        put(buf, cap, &pos, ",\"retryAfter\":%" PRId64, retry_after_ms);
    put(buf, cap, &pos, "}");
    return finish(pos, cap);
}

int place_fmt_pong(char *buf, size_t cap, int64_t server_time)
{
    size_t pos = 0;
    put(buf, cap, &pos, "{\"type\":\"pong\",\"serverTime\":%" PRId64 "}", server_time);
    return finish(pos, cap);
}

int place_fmt_online(char *buf, size_t cap, uint32_t count)
{
    size_t pos = 0;
    put(buf, cap, &pos, "{\"type\":\"online\",\"count\":%" PRIu32 "}", count);
    return finish(pos, cap);
}

int place_fmt_resync(char *buf, size_t cap, uint64_t seq, const char *reason)
{
    size_t pos = 0;
    put(buf, cap, &pos, "{\"type\":\"resync\",\"seq\":%" PRIu64 ",\"reason\":", seq);
    put_str(buf, cap, &pos, reason ? reason : "");
    put(buf, cap, &pos, "}");
    return finish(pos, cap);
}

/* ---- the server's JSON bodies (views shared by REST and WebSocket, REST errors, auth) ---- */

static const char *jbool(int v)
{
    return v ? "true" : "false";
}

static void put_canvas_info(char *buf, size_t cap, size_t *pos, const place_canvas_info *info)
{
    put(buf, cap, pos,
        "{\"width\":%" PRIu32 ",\"height\":%" PRIu32 ",\"colors\":%d,\"cooldownSec\":%d,"
        "\"palette\":[",
        info->width, info->height, info->colors, info->cooldown_sec);
    for (int i = 0; i < PLACE_COLORS; i++) {
        char hex[8];
        if (info->has_palette)
            snprintf(hex, sizeof hex, "#%02X%02X%02X", info->palette[i][0], info->palette[i][1],
                     info->palette[i][2]);
        else
            place_color_hex(i, hex);
        put(buf, cap, pos, "%s\"%s\"", i ? "," : "", hex);
    }
    put(buf, cap, pos, "],\"seq\":%" PRIu64 ",\"batchMs\":%d,\"guestsCanPlace\":%s", info->seq,
        info->batch_ms, jbool(info->guests_can_place));
    put(buf, cap, pos, ",\"firstSeq\":%" PRIu64 ",\"firstTime\":%" PRId64 "}", info->first_seq,
        info->first_time);
}

static void put_user(char *buf, size_t cap, size_t *pos, const place_user_info *u)
{
    put(buf, cap, pos, "{\"userId\":");
    put_str(buf, cap, pos, u->user_id);
    put(buf, cap, pos, ",\"username\":");
    put_str(buf, cap, pos, u->username);
    put(buf, cap, pos, ",\"isGuest\":%s,\"isAdmin\":%s,\"nextPlacement\":%" PRId64 ",\"isBanned\":%s",
        jbool(u->is_guest), jbool(u->is_admin), u->next_placement, jbool(u->is_banned));
    if (u->is_banned) {
        put(buf, cap, pos, ",\"bannedUntil\":%" PRId64 ",\"banReason\":", u->banned_until);
        put_str(buf, cap, pos, u->ban_reason);
    }
    put(buf, cap, pos, "}");
}

/* The settings' fields (init and settings share them), without braces. */
static void put_settings(char *buf, size_t cap, size_t *pos, const place_settings *s)
{
    put(buf, cap, pos, "\"cooldownSec\":%d,\"guestsCanPlace\":%s,\"frozen\":%s,\"frozenReason\":",
        s->cooldown_sec, jbool(s->guests_can_place), jbool(s->frozen));
    put_str(buf, cap, pos, s->frozen ? s->frozen_reason : "");
}

int place_fmt_canvas_info(char *buf, size_t cap, const place_canvas_info *info)
{
    size_t pos = 0;
    put_canvas_info(buf, cap, &pos, info);
    return finish(pos, cap);
}

int place_fmt_user(char *buf, size_t cap, const place_user_info *u)
{
    size_t pos = 0;
    put_user(buf, cap, &pos, u);
    return finish(pos, cap);
}

int place_fmt_init(char *buf, size_t cap, const place_server_msg *m)
{
    size_t pos = 0;
    put(buf, cap, &pos, "{\"type\":\"init\",\"canvasUrl\":");
    put_str(buf, cap, &pos, m->canvas_url);
    put(buf, cap, &pos, ",\"cooldown\":%" PRId64 ",\"nextPlacement\":%" PRId64 ",\"canvasInfo\":",
        m->cooldown_ms, m->next_placement);
    put_canvas_info(buf, cap, &pos, &m->info);
    put(buf, cap, &pos, ",\"seq\":%" PRIu64 ",\"user\":", m->seq);
    put_user(buf, cap, &pos, &m->user);
    put(buf, cap, &pos, ",\"serverTime\":%" PRId64, m->server_time);
    if (m->online >= 0)
        put(buf, cap, &pos, ",\"online\":%" PRId64, m->online);
    put(buf, cap, &pos, ",");
    put_settings(buf, cap, &pos, &m->settings);
    put(buf, cap, &pos, "}");
    return finish(pos, cap);
}

int place_fmt_settings(char *buf, size_t cap, const place_settings *s)
{
    size_t pos = 0;
    put(buf, cap, &pos, "{\"type\":\"settings\",");
    put_settings(buf, cap, &pos, s);
    put(buf, cap, &pos, "}");
    return finish(pos, cap);
}

int place_fmt_banned(char *buf, size_t cap, const char *reason, int64_t until)
{
    size_t pos = 0;
    put(buf, cap, &pos, "{\"type\":\"banned\",\"message\":");
    put_str(buf, cap, &pos, place_err_message(PLACE_ERR_BANNED));
    put(buf, cap, &pos, ",\"reason\":");
    put_str(buf, cap, &pos, reason ? reason : "");
    put(buf, cap, &pos, ",\"until\":%" PRId64 "}", until);
    return finish(pos, cap);
}

int place_fmt_rest_error(char *buf, size_t cap, place_err code, const char *message)
{
    size_t pos = 0;
    put(buf, cap, &pos, "{\"error\":\"%s\",\"message\":", place_err_code(code));
    put_str(buf, cap, &pos, message ? message : place_err_message(code));
    put(buf, cap, &pos, "}");
    return finish(pos, cap);
}

int place_fmt_auth_ok(char *buf, size_t cap, const char *user_id, const char *username)
{
    size_t pos = 0;
    put(buf, cap, &pos, "{\"success\":true");
    if (user_id) {
        put(buf, cap, &pos, ",\"userId\":");
        put_str(buf, cap, &pos, user_id);
        put(buf, cap, &pos, ",\"username\":");
        put_str(buf, cap, &pos, username ? username : "");
    }
    put(buf, cap, &pos, "}");
    return finish(pos, cap);
}

int place_fmt_history(char *buf, size_t cap, uint32_t x, uint32_t y, const place_placement *e,
                      size_t n)
{
    size_t pos = 0;
    put(buf, cap, &pos, "{\"x\":%" PRIu32 ",\"y\":%" PRIu32 ",\"placements\":[", x, y);
    for (size_t i = 0; i < n; i++) {
        put(buf, cap, &pos, "%s{\"seq\":%" PRIu64 ",\"userId\":", i ? "," : "", e[i].seq);
        put_str(buf, cap, &pos, e[i].user_id);
        put(buf, cap, &pos, ",\"username\":");
        put_str(buf, cap, &pos, e[i].username);
        put(buf, cap, &pos, ",\"color\":%d,\"time\":%" PRId64 "}", e[i].color, e[i].time_ms);
    }
    put(buf, cap, &pos, "]}");
    return finish(pos, cap);
}

/* ---- parsing what the server sends (clients) ---- */

static int64_t get_int(const cJSON *obj, const char *name, int64_t dflt)
{
    int64_t v;
    if (json_int(cJSON_GetObjectItemCaseSensitive(obj, name), &v) < 0)
        return dflt;
    return v;
}

static void get_str(const cJSON *obj, const char *name, char *out, size_t cap)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (cJSON_IsString(s))
        snprintf(out, cap, "%s", s->valuestring);
}

static int parse_hex_color(const char *s, uint8_t rgb[3])
{
    unsigned r, g, b;
    if (!s || s[0] != '#' || strlen(s) != 7 || sscanf(s + 1, "%2x%2x%2x", &r, &g, &b) != 3)
        return -1;
    rgb[0] = (uint8_t)r;
    rgb[1] = (uint8_t)g;
    rgb[2] = (uint8_t)b;
    return 0;
}

static int read_canvas_info(const cJSON *o, place_canvas_info *out)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(o))
        return PLACE_EFORMAT;
    int64_t w = get_int(o, "width", 0), h = get_int(o, "height", 0);
    if (w <= 0 || h <= 0 || w > PLACE_MAX_SIDE || h > PLACE_MAX_SIDE)
        return PLACE_EFORMAT;
    out->width = (uint32_t)w;
    out->height = (uint32_t)h;
    out->colors = (int)get_int(o, "colors", PLACE_COLORS);
    out->cooldown_sec = (int)get_int(o, "cooldownSec", 0);
    out->batch_ms = (int)get_int(o, "batchMs", 0);
    out->seq = (uint64_t)get_int(o, "seq", 0);
    out->first_seq = (uint64_t)get_int(o, "firstSeq", 0);
    out->first_time = get_int(o, "firstTime", 0);
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(o, "guestsCanPlace");
    out->guests_can_place = g ? cJSON_IsTrue(g) : 1;
    const cJSON *pal = cJSON_GetObjectItemCaseSensitive(o, "palette");
    if (cJSON_IsArray(pal) && cJSON_GetArraySize(pal) == PLACE_COLORS) {
        out->has_palette = 1;
        for (int i = 0; i < PLACE_COLORS; i++) {
            const cJSON *c = cJSON_GetArrayItem(pal, i);
            if (!cJSON_IsString(c) || parse_hex_color(c->valuestring, out->palette[i]) < 0) {
                out->has_palette = 0;
                break;
            }
        }
    }
    return 0;
}

int place_parse_canvas_info(const char *buf, size_t len, place_canvas_info *out)
{
    cJSON *root = cJSON_ParseWithLength(buf, len);
    int rc = read_canvas_info(root, out);
    cJSON_Delete(root);
    return rc;
}

static void read_user(const cJSON *o, place_user_info *u)
{
    memset(u, 0, sizeof *u);
    if (!cJSON_IsObject(o))
        return;
    get_str(o, "userId", u->user_id, sizeof u->user_id);
    get_str(o, "username", u->username, sizeof u->username);
    u->is_guest = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "isGuest"));
    u->is_admin = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "isAdmin"));
    u->next_placement = get_int(o, "nextPlacement", 0);
    u->is_banned = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "isBanned"));
    u->banned_until = get_int(o, "bannedUntil", 0);
    get_str(o, "banReason", u->ban_reason, sizeof u->ban_reason);
}

/* The settings' fields of an init or settings message; absent ones keep what *s holds. */
static void read_settings(const cJSON *o, place_settings *s)
{
    s->cooldown_sec = (int)get_int(o, "cooldownSec", s->cooldown_sec);
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(o, "guestsCanPlace");
    if (cJSON_IsBool(g))
        s->guests_can_place = cJSON_IsTrue(g);
    s->frozen = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "frozen"));
    get_str(o, "frozenReason", s->frozen_reason, sizeof s->frozen_reason);
    if (!s->frozen)
        s->frozen_reason[0] = 0;
}

int place_parse_server(const char *buf, size_t len, place_server_msg *out)
{
    int rc = 0;
    memset(out, 0, sizeof *out);
    out->retry_after_ms = -1;
    out->online = -1;
    cJSON *root = cJSON_ParseWithLength(buf, len);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (!cJSON_IsObject(root) || !cJSON_IsString(t)) {
        rc = PLACE_EFORMAT;
        goto out;
    }
    const char *type = t->valuestring;
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(root, "requestId");
    if (rid)
        read_request_id(rid, &out->request_id);
    out->seq = (uint64_t)get_int(root, "seq", 0);
    out->server_time = get_int(root, "serverTime", 0);
    out->next_placement = get_int(root, "nextPlacement", 0);

    if (strcmp(type, "init") == 0) {
        out->type = PLACE_MSG_INIT;
        get_str(root, "canvasUrl", out->canvas_url, sizeof out->canvas_url);
        out->cooldown_ms = get_int(root, "cooldown", 0);
        rc = read_canvas_info(cJSON_GetObjectItemCaseSensitive(root, "canvasInfo"), &out->info);
        read_user(cJSON_GetObjectItemCaseSensitive(root, "user"), &out->user);
        out->online = get_int(root, "online", -1);
        out->settings.cooldown_sec = out->info.cooldown_sec;
        out->settings.guests_can_place = out->info.guests_can_place;
        read_settings(root, &out->settings);
    } else if (strcmp(type, "placed") == 0) {
        out->type = PLACE_MSG_PLACED;
    } else if (strcmp(type, "error") == 0) {
        out->type = PLACE_MSG_ERROR;
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "code");
        out->code = place_err_from_code(cJSON_IsString(code) ? code->valuestring : NULL);
        get_str(root, "message", out->message, sizeof out->message);
        out->retry_after_ms = get_int(root, "retryAfter", -1);
    } else if (strcmp(type, "pong") == 0) {
        out->type = PLACE_MSG_PONG;
    } else if (strcmp(type, "resync") == 0) {
        out->type = PLACE_MSG_RESYNC;
        get_str(root, "reason", out->message, sizeof out->message);
    } else if (strcmp(type, "online") == 0) {
        out->type = PLACE_MSG_ONLINE;
        out->online = get_int(root, "count", -1);
        if (out->online < 0)
            rc = PLACE_EFORMAT;
    } else if (strcmp(type, "banned") == 0) {
        out->type = PLACE_MSG_BANNED;
        get_str(root, "message", out->message, sizeof out->message);
        get_str(root, "reason", out->reason, sizeof out->reason);
        out->until = get_int(root, "until", 0);
    } else if (strcmp(type, "settings") == 0) {
        out->type = PLACE_MSG_SETTINGS;
        out->settings.guests_can_place = 1;
        read_settings(root, &out->settings);
    } else {
        rc = PLACE_EFORMAT;
    }
out:
    cJSON_Delete(root);
    return rc;
}

int place_parse_user(const char *buf, size_t len, place_user_info *out)
{
    cJSON *root = cJSON_ParseWithLength(buf, len);
    int rc = cJSON_IsObject(root) ? 0 : PLACE_EFORMAT;
    read_user(root, out); /* zeroes *out, whatever root is */
    cJSON_Delete(root);
    return rc;
}

int place_parse_rest_error(const char *buf, size_t len, place_err *code, char *message,
                           size_t cap)
{
    cJSON *root = buf ? cJSON_ParseWithLength(buf, len) : NULL;
    const cJSON *jc = cJSON_GetObjectItemCaseSensitive(root, "error");
    *code = place_err_from_code(cJSON_IsString(jc) ? jc->valuestring : NULL);
    if (cap) {
        message[0] = 0;
        get_str(root, "message", message, cap);
    }
    int rc = cJSON_IsString(jc) ? 0 : PLACE_EFORMAT;
    cJSON_Delete(root);
    return rc;
}

int place_parse_auth_ok(const char *buf, size_t len, char *user_id, size_t id_cap,
                        char *username, size_t name_cap)
{
    cJSON *root = cJSON_ParseWithLength(buf, len);
    if (user_id && id_cap) {
        user_id[0] = 0;
        get_str(root, "userId", user_id, id_cap);
    }
    if (username && name_cap) {
        username[0] = 0;
        get_str(root, "username", username, name_cap);
    }
    int rc = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "success")) ? 0 : PLACE_EFORMAT;
    cJSON_Delete(root);
    return rc;
}

int place_parse_history(const char *buf, size_t len, uint32_t *x, uint32_t *y, place_placement *e,
                        size_t cap, size_t *n)
{
    *n = 0;
    cJSON *root = cJSON_ParseWithLength(buf, len);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "placements");
    if (!cJSON_IsObject(root) || !cJSON_IsArray(list)) {
        cJSON_Delete(root);
        return PLACE_EFORMAT;
    }
    if (x)
        *x = (uint32_t)get_int(root, "x", 0);
    if (y)
        *y = (uint32_t)get_int(root, "y", 0);
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        if (*n == cap)
            break;
        place_placement *p = &e[(*n)++];
        memset(p, 0, sizeof *p);
        p->seq = (uint64_t)get_int(it, "seq", 0);
        get_str(it, "userId", p->user_id, sizeof p->user_id);
        get_str(it, "username", p->username, sizeof p->username);
        p->color = (int)get_int(it, "color", 0);
        p->time_ms = get_int(it, "time", 0);
    }
    cJSON_Delete(root);
    return 0;
}
