/* The shared listening socket (see reuseport.h). */
#include "reuseport.h"

#include "conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ACCEPT_BURST 64  /* connections taken per wake-up, so one busy port cannot starve the loop */
#define PAUSE_MS 100     /* out of files: wait this long before accepting again */

static struct {
    int fd;
    struct lws_vhost *vh;
    conn_table *conns; /* counts and admits what it accepts */
    uv_poll_t poll;
    uv_timer_t pause;
    int open;
} rp = {.fd = -1};

static void on_readable(uv_poll_t *h, int status, int events);

static void on_pause_over(uv_timer_t *t)
{
    uv_poll_start(&rp.poll, UV_READABLE, on_readable);
}

static void on_readable(uv_poll_t *h, int status, int events)
{
    for (int i = 0; i < ACCEPT_BURST; i++) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        int fd = accept4(rp.fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* the connection stays queued in the kernel: try again a little later */
                uv_poll_stop(&rp.poll);
                uv_timer_start(&rp.pause, on_pause_over, PAUSE_MS, 0);
            }
            return;
        }
        if (conn_admit(rp.conns, fd, &peer) < 0) { /* over a budget: refused at once */
            close(fd);
            continue;
        }
        if (!lws_adopt_socket_vhost(rp.vh, fd))
            close(fd); /* lws closes it itself on most failures; a NULL without that is rare */
    }
}

int rport_listen(uv_loop_t *loop, struct lws_vhost *vh, conn_table *conns, const char *addr,
                 int port, char *err, size_t errcap)
{
    struct sockaddr_in6 a6;
    struct sockaddr_in a4;
    struct sockaddr *sa;
    socklen_t salen;
    int family;
    memset(&a4, 0, sizeof a4);
    memset(&a6, 0, sizeof a6);
    if (inet_pton(AF_INET, addr, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)port);
        sa = (struct sockaddr *)&a4;
        salen = sizeof a4;
        family = AF_INET;
    } else if (inet_pton(AF_INET6, addr, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)port);
        sa = (struct sockaddr *)&a6;
        salen = sizeof a6;
        family = AF_INET6;
    } else {
        snprintf(err, errcap, "--listen %s: not an IPv4 or IPv6 address", addr);
        return -1;
    }
    int one = 1;
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0 || bind(fd, sa, salen) < 0 ||
        listen(fd, SOMAXCONN) < 0) {
        snprintf(err, errcap, "cannot listen on %s port %d: %s", addr, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    getsockname(fd, (struct sockaddr *)&bound, &blen);
    int bound_port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                             : ((struct sockaddr_in6 *)&bound)->sin6_port);
    rp.fd = fd;
    rp.vh = vh;
    rp.conns = conns;
    uv_poll_init(loop, &rp.poll, fd);
    uv_timer_init(loop, &rp.pause);
    uv_poll_start(&rp.poll, UV_READABLE, on_readable);
    rp.open = 1;
    return bound_port;
}

static void on_closed(uv_handle_t *h)
{
    if (h == (uv_handle_t *)&rp.poll && rp.fd >= 0) {
        close(rp.fd);
        rp.fd = -1;
    }
}

void rport_close(void)
{
    if (!rp.open)
        return;
    rp.open = 0;
    uv_timer_stop(&rp.pause);
    uv_close((uv_handle_t *)&rp.pause, NULL);
    uv_poll_stop(&rp.poll);
    uv_close((uv_handle_t *)&rp.poll, on_closed);
}
