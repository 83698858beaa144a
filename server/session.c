/* Session lookup from request headers (see session.h). */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 4 /* session tokens tried from one request (a cookie per path, a Bearer) */
#include "bans.h"

static int is_token(const char *s, size_t len)
{
    if (len != BACKEND_TOKEN_LEN)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* A whole request header, however long lws let it be; NULL if absent. The caller frees it. */
static char *header(struct lws *wsi, enum lws_token_indexes h)
{
    int len = lws_hdr_total_length(wsi, h);
    char *buf = len > 0 ? malloc((size_t)len + 1) : NULL;
    if (buf && lws_hdr_copy(wsi, buf, len + 1, h) < 0) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

/* One instance of a header that may come several times (frag: 0, 1, ...); NULL past the last. */
static char *header_part(struct lws *wsi, enum lws_token_indexes h, int frag)
{
    int len = lws_hdr_fragment_length(wsi, h, frag);
    char *buf = len > 0 ? malloc((size_t)len + 1) : NULL;
    if (buf && lws_hdr_copy_fragment(wsi, buf, len + 1, h, frag) < 0) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

static void add_token(char out[][BACKEND_TOKEN_LEN + 1], int *n, const char *t, size_t len,
                      int *malformed)
{
    if (!is_token(t, len))
        *malformed = 1;
    else if (*n < MAX_TOKENS) {
        memcpy(out[*n], t, BACKEND_TOKEN_LEN);
        out[(*n)++][BACKEND_TOKEN_LEN] = 0;
    }
}

/* The session tokens a request carries, in order: "Authorization: Bearer <token>", then every
 * place_session cookie of every Cookie header (a browser sends one per path that set it).
 * Returns how many well-formed ones it put in out; *malformed is set if one was there but is
 * not a token. */
static int find_tokens(struct lws *wsi, char out[MAX_TOKENS][BACKEND_TOKEN_LEN + 1],
                       int *malformed)
{
    int n = 0;
    *malformed = 0;
    char *auth = header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (auth && !strncasecmp(auth, "Bearer ", 7)) {
        const char *t = auth + 7;
        while (*t == ' ')
            t++;
        size_t len = strlen(t);
        while (len && t[len - 1] == ' ')
            len--;
        add_token(out, &n, t, len, malformed);
    }
    free(auth);
    size_t name = strlen(SESSION_COOKIE);
    char *cookies;
    for (int frag = 0; (cookies = header_part(wsi, WSI_TOKEN_HTTP_COOKIE, frag)); frag++) {
        for (char *c = cookies; c && *c;) {
            while (*c == ' ' || *c == ';')
                c++;
            char *end = strchr(c, ';');
            size_t len = end ? (size_t)(end - c) : strlen(c);
            while (len && c[len - 1] == ' ')
                len--;
            if (len > name && !strncmp(c, SESSION_COOKIE, name) && c[name] == '=')
                add_token(out, &n, c + name + 1, len - name - 1, malformed);
            c = end;
        }
        free(cookies);
    }
    return n;
}

int session_resolve(place_server *srv, struct lws *wsi, int create, const char *addr,
                    char token[BACKEND_TOKEN_LEN + 1], backend_user *user, int *created,
                    session_refusal *why)
{
    backend *b = srv->store;
    session_refusal none;
    if (!why)
        why = &none;
    memset(why, 0, sizeof *why);
    why->err = PLACE_ERR_INTERNAL;
    *created = 0;
    char found[MAX_TOKENS][BACKEND_TOKEN_LEN + 1];
    int malformed;
    int n = find_tokens(wsi, found, &malformed);
    for (int i = 0; i < n; i++)
        if (b->ops->session_get(b, found[i], user) == 0) {
            memcpy(token, found[i], BACKEND_TOKEN_LEN + 1);
            return 0;
        }
    token[0] = 0;
    if (!create)
        return -1;
    if (malformed && !n) {
        /* a session we cannot read is not replaced by a new guest's cookie: the player's real
         * session may be behind it (a proxy that mangled it, a header cut short) */
        why->err = PLACE_ERR_BAD_REQUEST;
        return -1;
    }
    if (bans_match(srv->bans, addr, 1, &why->ban)) {
        why->err = PLACE_ERR_BANNED; /* no new guest from a banned address */
        return -1;
    }
    char bucket[PEER_ADDR_MAX];
    peer_bucket(addr, bucket);
    int over = b->ops->addr_budget(b, BACKEND_BUDGET_GUEST, bucket, srv->cfg.guests_per_hour,
                                   &why->retry_ms);
    if (over) {
        why->err = over > 0 ? PLACE_ERR_RATE_LIMITED : PLACE_ERR_UNAVAILABLE;
        return -1;
    }
    if (b->ops->session_new_guest(b, bucket, token, user) < 0) {
        token[0] = 0;
        return -1;
    }
    *created = 1;
    return 0;
}

int session_cookie(char *buf, size_t cap, const char *token)
{
    int n;
    if (token)
        n = snprintf(buf, cap, SESSION_COOKIE "=%s; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax",
                     token);
    else
        n = snprintf(buf, cap, SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
    return n < 0 || (size_t)n >= cap ? -1 : n;
}
