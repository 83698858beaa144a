/* The HTTP side of the client engine: blocking libcurl requests, and one worker thread that
 * fetches snapshots (on demand and every 30-60 s), pixel histories, and wakes the front-end when
 * a placement's answer is overdue. The worker sleeps on a condition variable when idle. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "client_int.h"
#include "client_recon.h"
#include "place/bitmap.h"

#define SNAPSHOT_TIMEOUT_MS 30000
#define SMALL_TIMEOUT_MS 10000
#define FIRST_SNAPSHOT_RETRY_MS 5000 /* no canvas yet and the fetch failed: try again soon */
#define MAX_BODY (128u << 20)

struct client_http {
    struct place_client *c;
    pthread_t thread;
    int started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    volatile int stop;
    int64_t snapshot_at; /* -1: none planned */
    int64_t wake_at;     /* -1: none */
    int want_pixel, pixel_x, pixel_y;
    char *get_url[CLIENT_GET_SLOTS]; /* client_http_get: waiting to start, NULL: none */
    int have_snapshot; /* one fetch succeeded (worker thread only) */
    unsigned jitter_seed;
};

/* ---- one request ---- */

typedef struct body_buf {
    http_resp *resp;
    size_t cap;
    int too_big;
} body_buf;

static size_t on_body(char *ptr, size_t size, size_t n, void *arg)
{
    body_buf *b = arg;
    size_t len = size * n;
    http_resp *r = b->resp;
    if (r->len + len + 1 > b->cap) {
        if (r->len + len + 1 > MAX_BODY) {
            b->too_big = 1;
            return 0;
        }
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < r->len + len + 1)
            cap *= 2;
        char *p = realloc(r->body, cap);
        if (!p)
            return 0;
        r->body = p;
        b->cap = cap;
    }
    memcpy(r->body + r->len, ptr, len);
    r->len += len;
    r->body[r->len] = '\0';
    return len;
}

/* Picks the session token out of "Set-Cookie: place_session=<token>; ...". */
static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
    http_resp *r = arg;
    size_t len = size * n;
    static const char name[] = "set-cookie:";
    if (len > sizeof name && strncasecmp(line, name, sizeof name - 1) == 0) {
        const char *p = line + sizeof name - 1, *end = line + len;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        static const char cookie[] = "place_session=";
        if ((size_t)(end - p) > sizeof cookie - 1 && strncmp(p, cookie, sizeof cookie - 1) == 0) {
            p += sizeof cookie - 1;
            size_t t = 0;
            while (p + t < end && p[t] != ';' && p[t] != '\r' && p[t] != '\n' && p[t] != ' ')
                t++;
            if (t > 0 && t <= PLACE_CLIENT_TOKEN_MAX) {
                memcpy(r->token, p, t);
                r->token[t] = '\0';
            }
        }
    }
    static const char seqname[] = "x-place-seq:";
    if (len > sizeof seqname && strncasecmp(line, seqname, sizeof seqname - 1) == 0) {
        char num[32];
        size_t k = len - (sizeof seqname - 1);
        if (k >= sizeof num)
            k = sizeof num - 1;
        memcpy(num, line + sizeof seqname - 1, k);
        num[k] = '\0';
        r->place_seq = strtoull(num, NULL, 10);
    }
    return len;
}

/* Lets a quitting client abandon a slow request instead of waiting out its timeout. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    const volatile int *cancel = arg;
    return *cancel ? 1 : 0;
}

void client_forwarded_header(char *out, size_t cap)
{
    const char *a = getenv("PLACE_FORWARDED_FOR");
    unsigned char bin[16];
    out[0] = '\0';
    if (a && (inet_pton(AF_INET, a, bin) == 1 || inet_pton(AF_INET6, a, bin) == 1))
        snprintf(out, cap, "X-Forwarded-For: %s", a);
}

int client_http_request(const char *method, const char *url, const char *token,
                        const char *json_body, long timeout_ms, const volatile int *cancel,
                        http_resp *resp, char *err, size_t errlen)
{
    memset(resp, 0, sizeof *resp);
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(err, errlen, "cannot start libcurl");
        return PLACE_ENOMEM;
    }
    struct curl_slist *hdrs = NULL;
    char auth[PLACE_CLIENT_TOKEN_MAX + 64];
    if (token && *token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        hdrs = curl_slist_append(hdrs, auth);
    }
    if (json_body)
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    char fwd[96];
    client_forwarded_header(fwd, sizeof fwd);
    if (fwd[0])
        hdrs = curl_slist_append(hdrs, fwd);
    char curl_err[CURL_ERROR_SIZE] = "";
    body_buf bb = {resp, 0, 0};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &bb);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "place-client/1");
    if (cancel) {
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)cancel);
    }
    if (strcmp(method, "POST") == 0)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, json_body ? json_body : "");
    CURLcode cc = curl_easy_perform(h);
    int rc = 0;
    if (cc != CURLE_OK) {
        snprintf(err, errlen, "%s", bb.too_big ? "the answer is too large"
                                   : curl_err[0] ? curl_err : curl_easy_strerror(cc));
        free(resp->body);
        resp->body = NULL;
        resp->len = 0;
        rc = PLACE_EFORMAT;
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
        if (!resp->body)
            resp->body = calloc(1, 1);
        if (!resp->body)
            abort();
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    return rc;
}

void client_http_error_text(const http_resp *resp, char *out, size_t cap, place_err *code)
{
    place_err e;
    int rc = place_parse_rest_error(resp->body, resp->body ? resp->len : 0, &e, out, cap);
    if (cap && out[0])
        ; /* the server's own words */
    else if (rc == 0)
        snprintf(out, cap, "%s", place_err_message(e));
    else
        snprintf(out, cap, "The server answered HTTP %ld.", resp->status);
    if (code)
        *code = e;
}

int client_http_parse_user(const char *body, place_user_info *user)
{
    memset(user, 0, sizeof *user);
    return body ? place_parse_user(body, strlen(body), user) : PLACE_EFORMAT;
}

/* ---- the worker's jobs ---- */

static void fetch_snapshot(client_http *h)
{
    char url[1024], err[200];
    snprintf(url, sizeof url, "%s/api/v1/canvas", client_url(h->c));
    http_resp resp;
    inbound *in = NULL;
    /* No session on the canvas endpoints: a CDN caches them for everyone. */
    if (client_http_request("GET", url, NULL, NULL, SNAPSHOT_TIMEOUT_MS, &h->stop, &resp, err,
                            sizeof err) < 0) {
        in = client_inbound_new(IN_SNAPSHOT_FAILED);
        snprintf(in->ev.text, sizeof in->ev.text, "Cannot load the canvas (%s).", err);
        client_deliver(h->c, in);
        return;
    }
    place_snapshot_header sh;
    const uint8_t *packed;
    if (resp.status != 200) {
        in = client_inbound_new(IN_SNAPSHOT_FAILED);
        char why[200];
        client_http_error_text(&resp, why, sizeof why, NULL);
        snprintf(in->ev.text, sizeof in->ev.text, "Cannot load the canvas: %s", why);
    } else if (place_snapshot_parse((const uint8_t *)resp.body, resp.len, &sh, &packed) < 0) {
        in = client_inbound_new(IN_SNAPSHOT_FAILED);
        snprintf(in->ev.text, sizeof in->ev.text, "The server sent a canvas this client cannot read.");
    } else {
        in = client_inbound_new(IN_SNAPSHOT);
        in->data = malloc((size_t)sh.width * sh.height);
        if (!in->data)
            abort();
        place_bitmap_unpack(packed, place_bitmap_bytes(sh.width, sh.height), sh.width, sh.height,
                            in->data);
        in->w = sh.width;
        in->h = sh.height;
        in->seq = sh.seq;
        h->have_snapshot = 1;
    }
    free(resp.body);
    client_deliver(h->c, in);
}

static void fetch_pixel(client_http *h, int x, int y)
{
    char url[1024], err[200];
    snprintf(url, sizeof url, "%s/api/v1/pixel?x=%d&y=%d", client_url(h->c), x, y);
    inbound *in = client_inbound_new(IN_EVENT);
    place_client_event *ev = &in->ev;
    ev->type = PLACE_CEV_PIXEL_INFO;
    ev->x = x;
    ev->y = y;
    ev->w = ev->h = 1;
    http_resp resp;
    if (client_http_request("GET", url, NULL, NULL, SMALL_TIMEOUT_MS, &h->stop, &resp, err,
                            sizeof err) <
        0) {
        ev->code = PLACE_ERR_UNAVAILABLE;
        snprintf(ev->text, sizeof ev->text, "Cannot reach the server (%s).", err);
        client_deliver(h->c, in);
        return;
    }
    if (resp.status != 200) {
        client_http_error_text(&resp, ev->text, sizeof ev->text, &ev->code);
    } else {
        place_placement list[PLACE_CLIENT_HISTORY_MAX];
        size_t n = 0;
        if (!resp.body ||
            place_parse_history(resp.body, resp.len, NULL, NULL, list, PLACE_CLIENT_HISTORY_MAX,
                                &n) < 0) {
            ev->code = PLACE_ERR_INTERNAL;
            snprintf(ev->text, sizeof ev->text, "The server's answer could not be read.");
        }
        for (size_t i = 0; i < n; i++) {
            place_client_placement *p = &ev->history[ev->history_count++];
            p->seq = list[i].seq;
            snprintf(p->user_id, sizeof p->user_id, "%s", list[i].user_id);
            snprintf(p->username, sizeof p->username, "%s", list[i].username);
            p->color = list[i].color;
            p->time_ms = list[i].time_ms;
        }
    }
    free(resp.body);
    client_deliver(h->c, in);
}

static void fetch_get(client_http *h, int slot, const char *url)
{
    char err[200];
    http_resp resp;
    inbound *in = client_inbound_new(IN_FETCHED);
    in->slot = slot;
    /* No session: the history endpoints are cacheable for everyone, like the snapshot. */
    if (client_http_request("GET", url, NULL, NULL, SNAPSHOT_TIMEOUT_MS, &h->stop, &resp, err,
                            sizeof err) < 0) {
        snprintf(in->ev.text, sizeof in->ev.text, "Cannot reach the server (%s).", err);
        client_deliver(h->c, in);
        return;
    }
    in->status = resp.status;
    in->seq = resp.place_seq;
    if (resp.status != 200)
        client_http_error_text(&resp, in->ev.text, sizeof in->ev.text, &in->ev.code);
    in->data = (uint8_t *)resp.body;
    in->len = resp.len;
    client_deliver(h->c, in);
}

static int64_t min_time(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

static void *http_thread(void *arg)
{
    client_http *h = arg;
    pthread_mutex_lock(&h->lock);
    while (!h->stop) {
        int64_t now = place_client_now_ms();
        if (h->want_pixel) {
            int x = h->pixel_x, y = h->pixel_y;
            h->want_pixel = 0;
            pthread_mutex_unlock(&h->lock);
            fetch_pixel(h, x, y);
            pthread_mutex_lock(&h->lock);
            continue;
        }
        int slot = -1;
        for (int i = 0; i < CLIENT_GET_SLOTS && slot < 0; i++)
            if (h->get_url[i])
                slot = i;
        if (slot >= 0) {
            char *url = h->get_url[slot];
            h->get_url[slot] = NULL;
            pthread_mutex_unlock(&h->lock);
            fetch_get(h, slot, url);
            free(url);
            pthread_mutex_lock(&h->lock);
            continue;
        }
        if (h->snapshot_at >= 0 && h->snapshot_at <= now) {
            h->snapshot_at = -1;
            pthread_mutex_unlock(&h->lock);
            fetch_snapshot(h);
            int64_t next = place_client_now_ms() +
                           (h->have_snapshot ? recon_refresh_delay(rand_r(&h->jitter_seed) % 30001)
                                             : FIRST_SNAPSHOT_RETRY_MS);
            pthread_mutex_lock(&h->lock);
            h->snapshot_at = min_time(h->snapshot_at, next);
            continue;
        }
        if (h->wake_at >= 0 && h->wake_at <= now) {
            h->wake_at = -1;
            pthread_mutex_unlock(&h->lock);
            client_wake(h->c);
            pthread_mutex_lock(&h->lock);
            continue;
        }
        int64_t next = min_time(h->snapshot_at, h->wake_at);
        if (next < 0) {
            pthread_cond_wait(&h->cond, &h->lock);
        } else {
            struct timespec ts = {(time_t)(next / 1000), (long)(next % 1000) * 1000000L};
            pthread_cond_timedwait(&h->cond, &h->lock, &ts);
        }
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

int client_http_start(struct place_client *c, client_http **out)
{
    *out = NULL;
    client_http *h = calloc(1, sizeof *h);
    if (!h)
        return PLACE_ENOMEM;
    h->c = c;
    h->jitter_seed = (unsigned)place_client_now_ms() ^ ((unsigned)getpid() << 8) ^ (unsigned)(uintptr_t)h;
    h->snapshot_at = -1;
    h->wake_at = -1;
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->cond, NULL);
    if (pthread_create(&h->thread, NULL, http_thread, h) != 0) {
        client_http_stop(h);
        return PLACE_ENOMEM;
    }
    h->started = 1;
    *out = h;
    return 0;
}

void client_http_stop(client_http *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->stop = 1;
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->lock);
    if (h->started)
        pthread_join(h->thread, NULL);
    for (int i = 0; i < CLIENT_GET_SLOTS; i++)
        free(h->get_url[i]);
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

void client_http_want_snapshot(client_http *h, int64_t delay_ms)
{
    pthread_mutex_lock(&h->lock);
    h->snapshot_at = min_time(h->snapshot_at, place_client_now_ms() + delay_ms);
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

void client_http_want_pixel(client_http *h, int x, int y)
{
    pthread_mutex_lock(&h->lock);
    h->want_pixel = 1;
    h->pixel_x = x;
    h->pixel_y = y;
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

void client_http_get(client_http *h, int slot, const char *url)
{
    char *copy = strdup(url);
    if (!copy)
        abort();
    pthread_mutex_lock(&h->lock);
    free(h->get_url[slot]);
    h->get_url[slot] = copy;
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

void client_http_wake_at(client_http *h, int64_t at)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->wake_at = min_time(h->wake_at, at);
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->lock);
}
