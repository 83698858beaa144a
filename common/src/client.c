/* The client engine's front door (place/client.h): owns the reconciled canvas on the UI thread
 * and turns what the network threads deliver into canvas changes and events. */
#include "place/client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client_int.h"
#include "client_recon.h"
#include "client_time.h"
#include "place/bitmap.h"
#include "place/palette.h"

struct place_client {
    char *url;
    place_client_wake_fn wake;
    void *wake_user;
    int offline;

    /* UI thread only */
    recon *rc;
    place_client_conn conn;
    int64_t retry_at;
    int have_user;
    place_user_info user;
    int banned;             /* see place_client_status.banned */
    int64_t banned_until;   /* local ms; 0: until lifted */
    char ban_reason[128];
    int have_settings;       /* an init or settings message came */
    place_settings settings; /* the server's live rules, as last told */
    int64_t online; /* players online, -1: not said */
    int64_t clock_offset; /* server clock minus ours, ms */
    int have_snapshot_request;
    int64_t woken_for; /* the deadline the HTTP thread was last asked to wake us for */
    timeline tl;       /* time mode's canvas, apart from the live one (client_time.h) */
    int64_t time_retry_at; /* the server was busy: ask the time machine's next request then */
    heatmap heat;      /* the last heatmap received (cells NULL: none) */
    uint64_t heat_version;

    /* shared with the network threads, under lock */
    pthread_mutex_t lock;
    inbound *in_head, *in_tail;
    char token[PLACE_CLIENT_TOKEN_MAX + 1];

    client_http *http;
    client_ws *ws;
};

int64_t place_client_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *place_client_conn_name(place_client_conn conn)
{
    switch (conn) {
    case PLACE_CONN_CONNECTING: return "connecting";
    case PLACE_CONN_CONNECTED: return "connected";
    case PLACE_CONN_DISCONNECTED: return "disconnected";
    case PLACE_CONN_OFFLINE: return "offline";
    }
    return "?";
}

/* ---- shared with the network threads ---- */

inbound *client_inbound_new(inbound_type type)
{
    inbound *in = calloc(1, sizeof *in);
    if (!in)
        abort();
    in->type = type;
    return in;
}

static void inbound_free(inbound *in)
{
    if (!in)
        return;
    free(in->data);
    free(in);
}

void client_wake(place_client *c)
{
    if (c->wake)
        c->wake(c->wake_user);
}

void client_deliver(place_client *c, inbound *in)
{
    pthread_mutex_lock(&c->lock);
    if (c->in_tail)
        c->in_tail->next = in;
    else
        c->in_head = in;
    c->in_tail = in;
    pthread_mutex_unlock(&c->lock);
    client_wake(c);
}

const char *client_url(place_client *c)
{
    return c->url;
}

void client_token_get(place_client *c, char out[PLACE_CLIENT_TOKEN_MAX + 1])
{
    pthread_mutex_lock(&c->lock);
    memcpy(out, c->token, sizeof c->token);
    pthread_mutex_unlock(&c->lock);
}

void place_client_session_token(place_client *c, char out[PLACE_CLIENT_TOKEN_MAX + 1])
{
    client_token_get(c, out);
}

void client_token_set(place_client *c, const char *token)
{
    pthread_mutex_lock(&c->lock);
    snprintf(c->token, sizeof c->token, "%s", token ? token : "");
    pthread_mutex_unlock(&c->lock);
}

/* ---- lifecycle ---- */

int place_client_new(const place_client_config *cfg, place_client **out, char *err,
                     size_t errlen)
{
    *out = NULL;
    place_client *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return PLACE_ENOMEM;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->online = -1;
    const char *url = cfg->url && *cfg->url ? cfg->url : PLACE_CLIENT_DEFAULT_URL;
    c->url = strdup(url);
    c->rc = recon_new();
    if (!c->url || !c->rc) {
        snprintf(err, errlen, "out of memory");
        place_client_free(c);
        return PLACE_ENOMEM;
    }
    size_t n = strlen(c->url);
    while (n > 0 && c->url[n - 1] == '/')
        c->url[--n] = '\0';
    if (strncmp(c->url, "http://", 7) != 0 && strncmp(c->url, "https://", 8) != 0) {
        snprintf(err, errlen, "the server URL must start with http:// or https://: %s", url);
        place_client_free(c);
        return PLACE_ERANGE;
    }
    c->wake = cfg->wake;
    c->wake_user = cfg->wake_user;
    c->offline = cfg->offline;
    c->woken_for = -1;
    timeline_init(&c->tl);
    if (cfg->token)
        snprintf(c->token, sizeof c->token, "%s", cfg->token);

    if (c->offline) {
        c->conn = PLACE_CONN_OFFLINE;
        int rc = recon_set_size(c->rc, cfg->offline_width, cfg->offline_height);
        if (rc < 0) {
            snprintf(err, errlen, "bad offline canvas size %ux%u", cfg->offline_width,
                     cfg->offline_height);
            place_client_free(c);
            return rc;
        }
        *out = c;
        return 0;
    }

    c->conn = PLACE_CONN_CONNECTING;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = client_http_start(c, &c->http);
    if (rc == 0)
        rc = client_ws_start(c, &c->ws);
    if (rc < 0) {
        snprintf(err, errlen, "cannot start the network threads");
        place_client_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void place_client_free(place_client *c)
{
    if (!c)
        return;
    client_ws_stop(c->ws);
    client_http_stop(c->http);
    for (inbound *in = c->in_head, *next; in; in = next) {
        next = in->next;
        inbound_free(in);
    }
    recon_free(c->rc);
    timeline_free(&c->tl);
    free(c->heat.cells);
    free(c->url);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static void conn_event(place_client *c, place_client_conn conn, const char *why);

int place_client_reconnect_now(place_client *c)
{
    if (c->offline || !c->ws || c->conn != PLACE_CONN_DISCONNECTED)
        return PLACE_ERANGE;
    conn_event(c, PLACE_CONN_CONNECTING, NULL);
    client_ws_retry_now(c->ws);
    return 0;
}

/* ---- turning network input into state ---- */

static void want_snapshot(place_client *c, int64_t delay_ms)
{
    if (c->http)
        client_http_want_snapshot(c->http, delay_ms);
}

static int64_t to_local(place_client *c, int64_t server_ms)
{
    return server_ms > 0 ? server_ms - c->clock_offset : 0;
}

static void conn_event(place_client *c, place_client_conn conn, const char *why)
{
    c->conn = conn;
    place_client_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = PLACE_CEV_CONN;
    snprintf(ev.text, sizeof ev.text, "%s", why ? why : "");
    recon_push_event(c->rc, &ev);
}

/* The ban state changed (or was said again): remember it and tell the front-end. */
static void ban_event(place_client *c, int banned, const char *reason, int64_t until_local)
{
    c->banned = banned;
    c->banned_until = banned ? until_local : 0;
    snprintf(c->ban_reason, sizeof c->ban_reason, "%s", banned && reason ? reason : "");
    place_client_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = PLACE_CEV_BANNED;
    if (banned) {
        place_client_status st;
        memset(&st, 0, sizeof st);
        st.banned = 1;
        st.banned_until = c->banned_until;
        memcpy(st.ban_reason, c->ban_reason, sizeof st.ban_reason);
        place_client_format_ban(&st, ev.text, sizeof ev.text);
    }
    recon_push_event(c->rc, &ev);
}

/* The server's live rules, from init or a settings message: kept, the cooldown given to the
 * engine, and what changed told to the front-end (a first init only when frozen). */
static void settings_event(place_client *c, const place_settings *s)
{
    place_settings was = c->settings;
    int first = !c->have_settings;
    c->settings = *s;
    c->have_settings = 1;
    recon_set_cooldown(c->rc, s->cooldown_sec);
    place_client_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = PLACE_CEV_SETTINGS;
    ev.code = s->frozen ? PLACE_ERR_FROZEN : PLACE_ERR_NONE;
    place_client_status st;
    memset(&st, 0, sizeof st);
    st.frozen = s->frozen;
    memcpy(st.frozen_reason, s->frozen_reason, sizeof st.frozen_reason);
    if (s->frozen && (first || !was.frozen || strcmp(was.frozen_reason, s->frozen_reason))) {
        place_client_format_frozen(&st, ev.text, sizeof ev.text);
    } else if (!s->frozen && !first && was.frozen) {
        snprintf(ev.text, sizeof ev.text, "The canvas is no longer frozen: you may place pixels "
                                          "again.");
    } else if (!first && was.cooldown_sec != s->cooldown_sec) {
        char t[24];
        place_client_format_wait((int64_t)s->cooldown_sec * 1000, t, sizeof t);
        snprintf(ev.text, sizeof ev.text, "The cooldown is now %s.", s->cooldown_sec ? t : "off");
    } else if (!first && was.guests_can_place != s->guests_can_place) {
        snprintf(ev.text, sizeof ev.text, "%s", s->guests_can_place
                                                    ? "Guests may place pixels again."
                                                    : "Guests may no longer place pixels: log in "
                                                      "or register to place.");
    } else {
        return;
    }
    recon_push_event(c->rc, &ev);
}

static void user_event(place_client *c, const place_user_info *user)
{
    c->user = *user;
    c->have_user = 1;
    place_client_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = PLACE_CEV_USER;
    recon_push_event(c->rc, &ev);
}

static void online_event(place_client *c, int64_t count)
{
    if (count == c->online)
        return;
    c->online = count;
    place_client_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = PLACE_CEV_ONLINE;
    recon_push_event(c->rc, &ev);
}

static int64_t rid_number(const place_request_id *rid, int *ok)
{
    char *end = NULL;
    long long v = strtoll(rid->text, &end, 10);
    *ok = rid->text[0] && end && *end == '\0';
    return v;
}

static void handle_text(place_client *c, const char *text, size_t len)
{
    place_server_msg *m = malloc(sizeof *m);
    if (!m)
        return;
    if (place_parse_server(text, len, m) < 0)
        goto out;
    int64_t now = place_client_now_ms();
    int ok = 0;
    int64_t rid;
    switch (m->type) {
    case PLACE_MSG_INIT:
        if (m->server_time > 0)
            c->clock_offset = m->server_time - now;
        if (m->info.width && m->info.height)
            recon_set_size(c->rc, m->info.width, m->info.height);
        settings_event(c, &m->settings);
        recon_set_next_placement(c->rc, m->cooldown_ms > 0 ? now + m->cooldown_ms : 0);
        if (m->user.user_id[0])
            user_event(c, &m->user);
        /* init says whether we are banned (a banned viewer has no user id) */
        if (m->user.is_banned || c->banned)
            ban_event(c, m->user.is_banned, m->user.ban_reason, to_local(c, m->user.banned_until));
        if (recon_connected(c->rc, m->seq) & RECON_WANT_SNAPSHOT)
            want_snapshot(c, 0);
        online_event(c, m->online);
        conn_event(c, PLACE_CONN_CONNECTED, NULL);
        break;
    case PLACE_MSG_ONLINE:
        online_event(c, m->online);
        break;
    case PLACE_MSG_PLACED:
        rid = rid_number(&m->request_id, &ok);
        if (ok)
            recon_placed(c->rc, rid, m->seq, to_local(c, m->next_placement));
        break;
    case PLACE_MSG_ERROR:
        rid = rid_number(&m->request_id, &ok);
        recon_error(c->rc, ok, rid, m->code, m->message, m->retry_after_ms, now);
        if (m->code == PLACE_ERR_BANNED && !c->banned)
            ban_event(c, 1, "", 0);
        break;
    case PLACE_MSG_BANNED:
        ban_event(c, 1, m->reason, to_local(c, m->until));
        break;
    case PLACE_MSG_SETTINGS:
        settings_event(c, &m->settings);
        break;
    case PLACE_MSG_RESYNC:
        if (recon_resync(c->rc, m->seq) & RECON_WANT_SNAPSHOT)
            want_snapshot(c, 0);
        break;
    default:
        break;
    }
out:
    free(m);
}

static void time_answer(place_client *c, inbound *in);
static void heat_answer(place_client *c, inbound *in);

static void handle(place_client *c, inbound *in)
{
    int rc;
    switch (in->type) {
    case IN_WS_UP:
        break; /* "connected" waits for init, which carries what the canvas needs */
    case IN_WS_DOWN:
        c->retry_at = in->when;
        conn_event(c, PLACE_CONN_DISCONNECTED, in->ev.text);
        if (!c->have_snapshot_request) {
            /* The WebSocket is down but the snapshot may still be served: show the canvas. */
            c->have_snapshot_request = 1;
            want_snapshot(c, 0);
        }
        break;
    case IN_TEXT:
        handle_text(c, (const char *)in->data, in->len);
        break;
    case IN_BINARY:
        if (in->len >= 2 && in->data[0] == PLACE_BATCH_KIND && in->data[1] == PLACE_BATCH_VERSION &&
            recon_batch(c->rc, in->data, in->len) == RECON_WANT_SNAPSHOT)
            want_snapshot(c, 0);
        break;
    case IN_SNAPSHOT:
        c->have_snapshot_request = 1;
        rc = recon_snapshot(c->rc, in->w, in->h, in->seq, in->data);
        in->data = NULL; /* recon owns (or freed) it */
        if (rc == RECON_WANT_SNAPSHOT_LATER)
            want_snapshot(c, 1000);
        break;
    case IN_SNAPSHOT_FAILED:
        /* While disconnected the CONN event already says the server is out of reach; a failed
         * snapshot is news only when the server is otherwise there. */
        if (c->conn == PLACE_CONN_CONNECTED) {
            in->ev.type = PLACE_CEV_ERROR;
            recon_push_event(c->rc, &in->ev);
        }
        break;
    case IN_USER:
        user_event(c, &in->user);
        break;
    case IN_EVENT:
        recon_push_event(c->rc, &in->ev);
        break;
    case IN_FETCHED:
        if (in->slot == CLIENT_GET_TIME)
            time_answer(c, in);
        else
            heat_answer(c, in);
        break;
    }
}

/* ---- time mode and the heatmap ---- */

#define TIME_BUSY_RETRY_MS 1000

static void time_event(place_client *c, const char *why)
{
    place_client_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = PLACE_CEV_TIME;
    snprintf(ev.text, sizeof ev.text, "%s", why ? why : "");
    recon_push_event(c->rc, &ev);
}

/* Sends the time machine's next request, if it has one. */
static void time_pump(place_client *c)
{
    if (!c->http || c->time_retry_at > place_client_now_ms())
        return;
    timeline_req r = timeline_next(&c->tl);
    char url[1200];
    switch (r.kind) {
    case TL_REQ_INFO:
        snprintf(url, sizeof url, "%s/api/v1/canvas/info", c->url);
        break;
    case TL_REQ_SNAPSHOT:
        snprintf(url, sizeof url, "%s/api/v1/canvas/snapshot?seq=%llu", c->url,
                 (unsigned long long)r.seq);
        break;
    case TL_REQ_HISTORY:
        snprintf(url, sizeof url, "%s/api/v1/history?from=%llu&limit=%u", c->url,
                 (unsigned long long)r.from, r.limit);
        break;
    default:
        return;
    }
    client_http_get(c->http, CLIENT_GET_TIME, url);
}

static void time_answer(place_client *c, inbound *in)
{
    timeline *t = &c->tl;
    if (!t->busy)
        return;
    char why[sizeof in->ev.text + 64] = "";
    int rc = 0;
    if (in->status == 503) { /* too many history builds at once: again in a second */
        timeline_on_busy(t);
        c->time_retry_at = place_client_now_ms() + TIME_BUSY_RETRY_MS;
        client_http_wake_at(c->http, c->time_retry_at);
        return;
    }
    if (in->status != 200) {
        timeline_on_failed(t, in->seq);
        snprintf(why, sizeof why, "Cannot load that moment of the canvas: %s",
                 in->ev.text[0] ? in->ev.text : "no answer");
    } else if (t->out.kind == TL_REQ_INFO) {
        rc = timeline_on_info(t, (const char *)in->data, in->len);
    } else if (t->out.kind == TL_REQ_SNAPSHOT) {
        place_snapshot_header sh;
        const uint8_t *packed;
        uint8_t *px = NULL;
        if (place_snapshot_parse(in->data, in->len, &sh, &packed) == 0 &&
            (px = malloc((size_t)sh.width * sh.height)) != NULL) {
            place_bitmap_unpack(packed, place_bitmap_bytes(sh.width, sh.height), sh.width,
                                sh.height, px);
            rc = timeline_on_snapshot(t, sh.width, sh.height, sh.seq, px);
        } else {
            timeline_on_failed(t, 0);
            rc = PLACE_EFORMAT;
        }
    } else {
        rc = timeline_on_history(t, in->data, in->len, in->seq);
    }
    if (rc < 0 && !why[0])
        snprintf(why, sizeof why, "The server sent a part of the history this client cannot read.");
    time_event(c, why);
    time_pump(c);
}


static void heat_answer(place_client *c, inbound *in)
{
    place_client_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = PLACE_CEV_HEATMAP;
    heatmap h;
    if (in->status != 200) {
        ev.code = in->ev.code ? in->ev.code : PLACE_ERR_UNAVAILABLE;
        snprintf(ev.text, sizeof ev.text, "%s", in->ev.text[0] ? in->ev.text : "no answer");
    } else if (heatmap_decode(in->data, in->len, &h) < 0) {
        ev.code = PLACE_ERR_INTERNAL;
        snprintf(ev.text, sizeof ev.text, "The server sent a heatmap this client cannot read.");
    } else {
        free(c->heat.cells);
        c->heat = h;
        c->heat_version++;
    }
    recon_push_event(c->rc, &ev);
}

int place_client_time_mode(place_client *c, int on)
{
    if (!on) {
        timeline_leave(&c->tl);
        time_event(c, NULL);
        return 0;
    }
    place_client_canvas v;
    recon_view(c->rc, &v);
    if (!c->http || !v.width)
        return PLACE_ERANGE;
    timeline_enter(&c->tl, recon_seq(c->rc));
    if (!c->tl.first_seq)
        c->tl.have_info = 0; /* no placement yet when last asked: ask again */
    time_event(c, NULL);
    time_pump(c);
    return 0;
}

void place_client_time_step(place_client *c, int n)
{
    if (!c->tl.active)
        return;
    timeline_step(&c->tl, n);
    time_event(c, NULL);
    time_pump(c);
}

void place_client_time_seek(place_client *c, uint64_t seq)
{
    if (!c->tl.active)
        return;
    timeline_seek(&c->tl, seq);
    time_event(c, NULL);
    time_pump(c);
}

void place_client_time_play(place_client *c, int on)
{
    timeline_play(&c->tl, on, place_client_now_ms());
    time_event(c, NULL);
    time_pump(c);
    if (c->tl.playing && c->http)
        client_http_wake_at(c->http, c->tl.next_tick);
}

int place_client_time_speed(place_client *c, int faster)
{
    int s = timeline_speed(&c->tl, faster);
    time_event(c, NULL);
    return s;
}

void place_client_time_status(place_client *c, place_client_time *out)
{
    const timeline *t = &c->tl;
    memset(out, 0, sizeof *out);
    out->active = t->active;
    out->loading = timeline_loading(t);
    out->failed = t->failures >= 3;
    out->playing = t->playing;
    out->speed = t->speed;
    out->have = t->have;
    out->seq = t->seq;
    out->target = t->target;
    out->min = timeline_min(t);
    out->newest = t->newest;
    out->step = timeline_step_size(t);
    out->time_ms = t->time_ms;
}

void place_client_time_view(place_client *c, place_client_canvas *out)
{
    memset(out, 0, sizeof *out);
    if (!c->tl.have)
        return;
    out->width = c->tl.w;
    out->height = c->tl.h;
    out->pixels = c->tl.px;
    out->version = c->tl.version;
}

void place_client_format_time(int64_t ms, char *buf, size_t cap)
{
    if (ms <= 0) {
        snprintf(buf, cap, "-");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

int place_client_heatmap_fetch(place_client *c, int64_t since_ms)
{
    if (!c->http)
        return PLACE_ERANGE;
    char url[1200];
    if (since_ms > 0)
        snprintf(url, sizeof url, "%s/api/v1/canvas/heatmap?since=%lld", c->url,
                 (long long)since_ms);
    else
        snprintf(url, sizeof url, "%s/api/v1/canvas/heatmap", c->url);
    client_http_get(c->http, CLIENT_GET_HEAT, url);
    return 0;
}

void place_client_heatmap_view(place_client *c, place_client_heatmap *out)
{
    memset(out, 0, sizeof *out);
    if (!c->heat.cells)
        return;
    out->width = c->heat.width;
    out->height = c->heat.height;
    out->block = c->heat.block;
    out->cols = c->heat.cols;
    out->rows = c->heat.rows;
    out->cells = c->heat.cells;
    out->max = c->heat.max;
    out->since_ms = c->heat.since_ms;
    out->version = c->heat_version;
}

static void drain(place_client *c)
{
    pthread_mutex_lock(&c->lock);
    inbound *list = c->in_head;
    c->in_head = c->in_tail = NULL;
    pthread_mutex_unlock(&c->lock);
    for (inbound *in = list, *next; in; in = next) {
        next = in->next;
        handle(c, in);
        inbound_free(in);
    }
    int64_t now = place_client_now_ms();
    recon_tick(c->rc, now);
    timeline_set_newest(&c->tl, recon_seq(c->rc));
    if (c->time_retry_at && now >= c->time_retry_at) {
        c->time_retry_at = 0;
        time_pump(c);
    }
    if (c->tl.playing) {
        uint64_t target = c->tl.target;
        int ended = timeline_tick(&c->tl, now);
        if (ended || target != c->tl.target)
            time_event(c, NULL);
        time_pump(c);
        if (c->tl.playing && c->http)
            client_http_wake_at(c->http, c->tl.next_tick);
    }
    int64_t d = recon_next_deadline(c->rc);
    if (d >= 0 && d != c->woken_for && c->http) {
        client_http_wake_at(c->http, d);
        c->woken_for = d;
    }
}

int place_client_poll(place_client *c, place_client_event *ev)
{
    if (recon_pop_event(c->rc, ev))
        return 1;
    drain(c);
    return recon_pop_event(c->rc, ev);
}

int place_client_timeout_ms(place_client *c)
{
    int64_t now = place_client_now_ms();
    int tick = timeline_timeout_ms(&c->tl, now);
    int64_t d = recon_next_deadline(c->rc);
    if (tick >= 0 && (d < 0 || now + tick < d))
        d = now + tick;
    if (d < 0)
        return -1;
    int64_t left = d - now;
    if (left < 0)
        return 0;
    return left > 1000000 ? 1000000 : (int)left;
}

void place_client_canvas_view(place_client *c, place_client_canvas *out)
{
    recon_view(c->rc, out);
}

void place_client_get_status(place_client *c, place_client_status *out)
{
    memset(out, 0, sizeof *out);
    out->conn = c->conn;
    out->stale = (c->conn != PLACE_CONN_CONNECTED && c->conn != PLACE_CONN_OFFLINE) ||
                 recon_gap_open(c->rc);
    out->retry_at = c->retry_at;
    out->next_placement = recon_get_next_placement(c->rc);
    out->cooldown_sec = recon_cooldown_sec(c->rc);
    out->have_user = c->have_user;
    out->user = c->user;
    out->pending = recon_pending(c->rc);
    out->seq = recon_seq(c->rc);
    out->guests_can_place = c->have_settings ? c->settings.guests_can_place : 1;
    out->frozen = c->settings.frozen;
    memcpy(out->frozen_reason, c->settings.frozen_reason, sizeof out->frozen_reason);
    out->online = c->conn == PLACE_CONN_CONNECTED ? c->online : -1;
    out->banned = c->banned && (!c->banned_until || c->banned_until > place_client_now_ms());
    if (out->banned) {
        out->banned_until = c->banned_until;
        memcpy(out->ban_reason, c->ban_reason, sizeof out->ban_reason);
    }
}

int place_client_place(place_client *c, int x, int y, int color, char *why, size_t whylen)
{
    place_client_status st;
    place_client_get_status(c, &st);
    if (st.banned) {
        place_client_format_ban(&st, why, whylen);
        return PLACE_ERANGE;
    }
    if (st.frozen && c->conn == PLACE_CONN_CONNECTED) {
        place_client_format_frozen(&st, why, whylen);
        return PLACE_ERANGE;
    }
    if (c->conn != PLACE_CONN_CONNECTED) {
        if (c->conn == PLACE_CONN_DISCONNECTED) {
            /* no countdown here: the client's own countdown is on screen and keeps ticking,
             * a second one frozen in a message would disagree with it */
            snprintf(why, whylen, "Not connected to the server: the pixel was not placed. The "
                                  "client reconnects by itself (r: now).");
        } else if (c->conn == PLACE_CONN_OFFLINE) {
            snprintf(why, whylen, "Offline: there is no server to send the pixel to.");
        } else {
            snprintf(why, whylen, "Still connecting to the server.");
        }
        return PLACE_ERANGE;
    }
    int64_t rid;
    int rc = recon_place(c->rc, x, y, color, place_client_now_ms(), &rid, why, whylen);
    if (rc < 0)
        return rc;
    place_request_id id;
    snprintf(id.text, sizeof id.text, "%lld", (long long)rid);
    id.is_number = 1;
    char msg[256];
    if (place_fmt_place(msg, sizeof msg, x, y, color, &id) > 0)
        client_ws_send(c->ws, msg);
    int64_t d = recon_next_deadline(c->rc);
    if (d >= 0 && d != c->woken_for) {
        client_http_wake_at(c->http, d);
        c->woken_for = d;
    }
    return 0;
}

int place_client_pixel_info(place_client *c, int x, int y)
{
    place_client_canvas v;
    recon_view(c->rc, &v);
    if (x < 0 || y < 0 || (uint32_t)x >= v.width || (uint32_t)y >= v.height)
        return PLACE_ERANGE;
    if (!c->http)
        return PLACE_ERANGE;
    client_http_want_pixel(c->http, x, y);
    return 0;
}

int place_client_inject_frame(place_client *c, const uint8_t *frame, size_t len)
{
    place_batch_header h;
    if (place_batch_parse(frame, len, &h) < 0)
        return PLACE_EFORMAT;
    inbound *in = client_inbound_new(IN_BINARY);
    in->data = malloc(len);
    if (!in->data)
        abort();
    memcpy(in->data, frame, len);
    in->len = len;
    client_deliver(c, in);
    return 0;
}

void place_client_format_frozen(const place_client_status *s, char *buf, size_t cap)
{
    snprintf(buf, cap, "The canvas is frozen%s%s. You can look, but not place.",
             s->frozen_reason[0] ? ": " : "", s->frozen_reason);
}

void place_client_format_ban(const place_client_status *s, char *buf, size_t cap)
{
    char until[64] = "";
    if (s->banned_until > 0) {
        time_t t = (time_t)(s->banned_until / 1000), now = time(NULL);
        struct tm tm, today;
        char when[40];
        localtime_r(&t, &tm);
        localtime_r(&now, &today);
        int same_day = tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday;
        strftime(when, sizeof when, same_day ? "%H:%M" : "%Y-%m-%d %H:%M", &tm);
        snprintf(until, sizeof until, " (until %s)", when);
    }
    snprintf(buf, cap, "You are banned from placing pixels%s%s%s.", s->ban_reason[0] ? ": " : "",
             s->ban_reason, until);
}

void place_client_describe_placement(const place_client_placement *p, int64_t now_ms, char *buf,
                                     size_t cap)
{
    time_t t = (time_t)(p->time_ms / 1000);
    struct tm tm;
    char when[32], ago[32];
    localtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    int64_t s = (now_ms - p->time_ms) / 1000;
    if (s < 0)
        s = 0;
    if (s < 120)
        snprintf(ago, sizeof ago, "%lld s ago", (long long)s);
    else if (s < 7200)
        snprintf(ago, sizeof ago, "%lld min ago", (long long)(s / 60));
    else
        snprintf(ago, sizeof ago, "%lld h ago", (long long)(s / 3600));
    snprintf(buf, cap, "%-10s by %s, %s (%s)", place_color_name(p->color),
             p->username[0] ? p->username : "?", when, ago);
}
