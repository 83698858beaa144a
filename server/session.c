/* Session lookup from request headers (see session.h). */
#include "session.h"

#include <string.h>

static int is_token(const char *s, size_t len)
{
    if (len != BACKEND_TOKEN_LEN)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* The token from "Authorization: Bearer <token>", else from the cookie; 0 if neither holds a
 * well-formed token. */
static int find_token(struct lws *wsi, char token[BACKEND_TOKEN_LEN + 1])
{
    char buf[256];
    int n = lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (n > 7 && !strncasecmp(buf, "Bearer ", 7)) {
        const char *t = buf + 7;
        while (*t == ' ')
            t++;
        size_t len = strlen(t);
        while (len && t[len - 1] == ' ')
            len--;
        if (is_token(t, len)) {
            memcpy(token, t, BACKEND_TOKEN_LEN);
            token[BACKEND_TOKEN_LEN] = 0;
            return 1;
        }
    }
    char cookies[1024];
    n = lws_hdr_copy(wsi, cookies, sizeof cookies, WSI_TOKEN_HTTP_COOKIE);
    for (char *c = n > 0 ? cookies : NULL; c && *c;) {
        while (*c == ' ' || *c == ';')
            c++;
        char *end = strchr(c, ';');
        size_t len = end ? (size_t)(end - c) : strlen(c);
        size_t name = strlen(SESSION_COOKIE);
        if (len > name && !strncmp(c, SESSION_COOKIE, name) && c[name] == '=' &&
            is_token(c + name + 1, len - name - 1)) {
            memcpy(token, c + name + 1, BACKEND_TOKEN_LEN);
            token[BACKEND_TOKEN_LEN] = 0;
            return 1;
        }
        c = end;
    }
    return 0;
}

int session_resolve(place_server *srv, struct lws *wsi, int create, const char *addr,
                    char token[BACKEND_TOKEN_LEN + 1], backend_user *user, int *created,
                    session_refusal *why)
{
    backend *b = srv->store;
    session_refusal none;
    if (!why)
        why = &none;
    *why = (session_refusal){PLACE_ERR_INTERNAL, 0};
    *created = 0;
    if (find_token(wsi, token) && b->ops->session_get(b, token, user) == 0)
        return 0;
    token[0] = 0;
    if (!create)
        return -1;
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
