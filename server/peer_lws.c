/* peer_of(): the client address of a request on an lws connection (see peer.h). */
#include <libwebsockets.h>
#include <stdlib.h>

#include "peer.h"

/* A header's value, heap-allocated (NULL when absent or unreadable); the caller frees it. */
static char *header_dup(struct lws *wsi, enum lws_token_indexes tok)
{
    int len = lws_hdr_total_length(wsi, tok);
    if (len <= 0)
        return NULL;
    char *v = malloc((size_t)len + 1);
    if (v && lws_hdr_copy(wsi, v, len + 1, tok) < 0) {
        free(v);
        v = NULL;
    }
    return v;
}

void peer_of(const peer_proxies *p, struct lws *wsi, char out[PEER_ADDR_MAX])
{
    char sock[PEER_ADDR_MAX] = "";
    lws_get_peer_simple(wsi, sock, sizeof sock);
    if (!p->n) {
        peer_pick(p, sock, NULL, NULL, out);
        return;
    }
    char *xff = header_dup(wsi, WSI_TOKEN_X_FORWARDED_FOR);
#if defined(LWS_WITH_HTTP_UNCOMMON_HEADERS) || defined(LWS_HTTP_HEADERS_ALL)
    /* lws knows X-Real-IP as a header of its own (Debian builds it so): it is never a custom
     * header there, and asking for "x-real-ip:" as one finds nothing */
    char *xri = header_dup(wsi, WSI_TOKEN_HTTP_X_REAL_IP);
#else
    char *xri = NULL;
    int n = lws_hdr_custom_length(wsi, "x-real-ip:", 10);
    if (n > 0 && (xri = malloc((size_t)n + 1)) &&
        lws_hdr_custom_copy(wsi, xri, n + 1, "x-real-ip:", 10) < 0) {
        free(xri);
        xri = NULL;
    }
#endif
    peer_pick(p, sock, xff, xri, out);
    free(xff);
    free(xri);
}
