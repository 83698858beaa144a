/* place-load: the WebSocket load generator (docs/protocol.md is what it speaks).
 *
 * One parent process forks workers; each worker holds a slice of the connections on its own
 * epoll loop (so no process needs more than ~19,000 descriptors) and binds its sockets to
 * several 127.x.y.z source addresses (so the run is not limited to one address's ~28,000
 * ephemeral ports). Everything the processes share lives in one anonymous shared mapping made
 * before the fork: the run's phase, which the parent advances, and each worker's counters.
 *
 * How a placement is matched at the receivers: placement number k goes to pixel
 * slot(k) = (k mod wh) * P mod wh, wh = width*height, P a prime not dividing wh (a permutation,
 * so pixels scatter over the canvas), and the time it was sent is stored at index slot(k) of a
 * shared array. A batch record's (x, y) therefore names the placement it
 * carries, whichever process sent it and whether or not the sender has read its `placed` yet;
 * the `seq` the sender got in `placed` is stored too, and a record whose seq differs from it is
 * counted as a mismatch. */
#ifndef PLACE_BENCH_LOAD_H
#define PLACE_BENCH_LOAD_H

#include <netinet/in.h>
#include <stdint.h>

#include "hist.h"
#include "place/proto.h"

#define LOAD_MAX_WORKERS 64
#define LOAD_MAX_SRC 64
#define LOAD_MAX_SERVERS 16

/* What the parent tells the workers; only the parent writes it. Within PHASE_RUN the clock
 * decides: placing starts at once (warm-up), counting covers [measure_start, measure_end), placing
 * stops at measure_end, and answers to placements of the window are counted until PHASE_EXIT. */
enum load_phase {
    PHASE_CONNECT = 0, /* open every connection */
    PHASE_RUN,         /* place and count, by the clock */
    PHASE_EXIT,        /* close everything and leave */
};

typedef struct load_opts {
    struct sockaddr_in server[LOAD_MAX_SERVERS]; /* connection i goes to server i mod nservers */
    char host_header[LOAD_MAX_SERVERS][32];
    int nservers;
    int viewers, placers;
    double rate;           /* placements per second, all placers together */
    double duration;       /* seconds measured */
    double warmup;         /* seconds of placing before measuring */
    double ramp_timeout;   /* seconds allowed for connecting */
    double drain;          /* seconds after placing stops */
    int workers;
    int nsrc;              /* source addresses 127.1.0.1 .. */
    int inflight;          /* handshakes in progress per worker */
    uint32_t width, height;
    int sample;            /* receivers measuring visibility: every `sample`th connection */
    uint64_t first;        /* the number of the first placement (slot(k) below) */
    const char *token;     /* Bearer token for every connection, NULL: each its own guest */
} load_opts;

/* Per-worker counters, written only by that worker. */
typedef struct load_stats {
    /* connections */
    uint64_t conns_established, conns_failed, conns_dropped, conns_refused_429;
    uint64_t conns_open; /* established and not closed, now */
    /* placements sent in the window, and the answers to those (whenever they come) */
    uint64_t place_sent, place_acked, place_errors, place_unsent;
    uint64_t err_by_code[PLACE_ERR_COUNT_];
    /* receiving, counted in the window */
    uint64_t rx_bytes, rx_frames, rx_batches, rx_records, rx_text;
    uint64_t vis_unmatched, seq_mismatch, seq_gaps, resyncs, proto_errors;
    /* the worker's own CPU during the window (us) */
    uint64_t cpu_us;
    hist ack;     /* placement sent -> `placed` received */
    hist visible; /* placement sent -> batch carrying it received, per receiving connection */
} load_stats;

typedef struct load_shared {
    volatile int phase;
    volatile int64_t measure_start_us, measure_end_us; /* CLOCK_MONOTONIC, set before RUN */
    load_stats w[LOAD_MAX_WORKERS];
    /* indexed by placement number mod (width*height); these follow the struct */
    int64_t *sent_us;
    uint64_t *acked_seq;
} load_shared;

/* Monotonic clock in microseconds, the one clock every process of a run uses. */
int64_t load_now_us(void);

/* Runs worker `id` of `nworkers` until the parent says PHASE_EXIT; returns the exit status. */
int load_worker_run(const load_opts *o, load_shared *sh, int id, int nworkers);

#endif
