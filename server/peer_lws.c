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
    char xri[PEER_ADDR_MAX] = "";
    int n = lws_hdr_custom_length(wsi, "x-real-ip:", 10);
    if (n > 0 && n < (int)sizeof xri && lws_hdr_custom_copy(wsi, xri, sizeof xri, "x-real-ip:", 10) < 0)
        xri[0] = '\0';
    peer_pick(p, sock, xff, xri[0] ? xri : NULL, out);
    free(xff);
}
