/* Redis pub/sub between the processes of a cluster (see notify.h). */
#include "notify.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rstore.h"

#define NOTIFY_QUEUE_MAX 4096 /* messages waiting for the loop; beyond it a resync replaces them */
#define READ_TIMEOUT_S 1      /* how often the thread looks at the stop flag; connect timeout */

typedef struct msg {
    struct msg *next;
    char text[NOTIFY_LINE_MAX];
} msg;

struct notify {
    uv_async_t async;
    notify_cb cb;
    void *arg;
    char host[256];
    int port;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    int stop;
    msg *head, *tail;
    int queued;
};

static void push(notify *n, const char *text, size_t len)
{
    pthread_mutex_lock(&n->mu);
    if (n->queued >= NOTIFY_QUEUE_MAX) {
        /* the loop is far behind: drop the backlog, a resync reloads everything instead */
        while (n->head) {
            msg *m = n->head;
            n->head = m->next;
            free(m);
        }
        n->tail = NULL;
        n->queued = 0;
        text = NOTIFY_RESYNC;
        len = strlen(NOTIFY_RESYNC);
    }
    msg *m = calloc(1, sizeof *m);
    if (m) {
        snprintf(m->text, sizeof m->text, "%.*s", (int)len, text);
        if (n->tail)
            n->tail->next = m;
        else
            n->head = m;
        n->tail = m;
        n->queued++;
    }
    pthread_mutex_unlock(&n->mu);
    uv_async_send(&n->async);
}

static int stopping(notify *n)
{
    pthread_mutex_lock(&n->mu);
    int s = n->stop;
    pthread_mutex_unlock(&n->mu);
    return s;
}

static void *listen_main(void *arg)
{
    notify *n = arg;
    struct timeval tv = {READ_TIMEOUT_S, 0};
    while (!stopping(n)) {
        redisContext *c = n->port ? redisConnectWithTimeout(n->host, n->port, tv)
                                  : redisConnectUnixWithTimeout(n->host, tv);
        redisReply *r = NULL;
        if (c && !c->err && redisSetTimeout(c, tv) == REDIS_OK &&
            (n->port == 0 || redisEnableKeepAlive(c) == REDIS_OK))
            r = redisCommand(c, "SUBSCRIBE %s", NOTIFY_CHANNEL);
        if (!r || r->type == REDIS_REPLY_ERROR) {
            if (r)
                freeReplyObject(r);
            if (c)
                redisFree(c);
            struct timespec ts = {0, RSTORE_RETRY_MS * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        freeReplyObject(r);
        push(n, NOTIFY_RESYNC, strlen(NOTIFY_RESYNC));
        /* wait for the socket with poll, so that the stop flag is seen within a second
         * without a read timeout (which would leave the connection unusable) */
        while (!stopping(n)) {
            void *rep = NULL;
            if (redisGetReplyFromReader(c, &rep) != REDIS_OK)
                break;
            if (rep) {
                r = rep;
                if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
                    r->element[0]->type == REDIS_REPLY_STRING &&
                    !strcmp(r->element[0]->str, "message") &&
                    r->element[2]->type == REDIS_REPLY_STRING)
                    push(n, r->element[2]->str, r->element[2]->len);
                freeReplyObject(r);
                continue;
            }
            struct pollfd p = {c->fd, POLLIN, 0};
            int pr = poll(&p, 1, READ_TIMEOUT_S * 1000);
            if ((pr < 0 && errno != EINTR) || (pr > 0 && redisBufferRead(c) != REDIS_OK))
                break;
        }
        redisFree(c);
    }
    return NULL;
}

static void on_async(uv_async_t *a)
{
    notify *n = a->data;
    pthread_mutex_lock(&n->mu);
    msg *m = n->head;
    n->head = n->tail = NULL;
    n->queued = 0;
    pthread_mutex_unlock(&n->mu);
    while (m) {
        msg *next = m->next;
        if (!stopping(n))
            n->cb(n->arg, m->text);
        free(m);
        m = next;
    }
}

notify *notify_start(uv_loop_t *loop, const char *addr, notify_cb cb, void *arg)
{
    notify *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    const char *colon = strrchr(addr, ':');
    if (addr[0] == '/' || !colon) {
        snprintf(n->host, sizeof n->host, "%s", addr);
    } else {
        snprintf(n->host, sizeof n->host, "%.*s", (int)(colon - addr), addr);
        n->port = atoi(colon + 1);
    }
    n->cb = cb;
    n->arg = arg;
    pthread_mutex_init(&n->mu, NULL);
    n->async.data = n;
    if (uv_async_init(loop, &n->async, on_async) < 0) {
        pthread_mutex_destroy(&n->mu);
        free(n);
        return NULL;
    }
    if (pthread_create(&n->thread, NULL, listen_main, n) == 0)
        n->started = 1;
    else
        fprintf(stderr, "placed: cannot start the notification thread\n");
    return n;
}

static void on_closed(uv_handle_t *h)
{
    notify *n = h->data;
    while (n->head) {
        msg *m = n->head;
        n->head = m->next;
        free(m);
    }
    pthread_mutex_destroy(&n->mu);
    free(n);
}

void notify_stop(notify *n)
{
    if (!n)
        return;
    pthread_mutex_lock(&n->mu);
    n->stop = 1;
    pthread_mutex_unlock(&n->mu);
    if (n->started)
        pthread_join(n->thread, NULL);
    uv_close((uv_handle_t *)&n->async, on_closed);
}
