/* The embedded store's writer thread: the only state shared between two threads in embedded
 * mode.
 *
 * The loop thread stages the write operations of one backend call (writer_stage), then submits
 * them together (writer_submit). The writer thread takes everything queued as one transaction
 * (group commit: one fsync for many placements; a transaction begins --commit-ms after the
 * previous one began at the earliest), numbers the placements after the last committed one,
 * chains each to the previous placement on its pixel, keeps its own copy of the canvas and stores it every CHECKPOINT_MS, keeps the WAL short,
 * and hands the operations back to the loop thread through a uv_async, where the owner's
 * `on_done` gets them in commit order (so placements are acknowledged and broadcast in ascending
 * seq).
 *
 * Who owns what: `lock` guards the queue, the done list and `stopping`; the database connection,
 * its statements and the canvas copy belong to the writer thread once it runs (before that, to
 * writer_open on the loop thread); the stage belongs to the loop thread. */
#ifndef PLACE_SERVER_STORE_WRITER_H
#define PLACE_SERVER_STORE_WRITER_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "backend.h"
#include "store_db.h"

enum wop_kind {
    OP_PLACE,
    OP_USER,
    OP_SESSION_PUT,
    OP_SESSION_DEL,
    OP_SESSION_DEL_USER,
    OP_ADDR_BAN_PUT,
    OP_ADDR_BAN_DEL,
    OP_USER_ADDR,
    OP_AUDIT, /* a row of the audit log (*audit) */
    OP_SETTING, /* a live setting: name is the key, value its text (NULL: forget the key) */
};

/* One write operation, made on the loop thread, owned by the writer from writer_submit until it
 * comes back through on_done (then the owner frees it with wop_free). */
typedef struct wop {
    struct wop *next;
    int kind;
    int rc;               /* set by the writer: 0 committed, -1 the transaction failed */
    uint8_t call_end;     /* the last operation of one call: a transaction may end after it */
    uint8_t reg_fresh;    /* OP_USER of a registration that made a new user */
    uint8_t is_register;  /* OP_USER of a registration (undone in memory if it fails) */
    uint8_t drop_on_fail; /* OP_SESSION_PUT of a new session (forgotten if it fails) */
    backend_done_cb done; /* on the loop thread once committed (rc 0) or failed */
    void *done_arg;
    char user_id[BACKEND_ID_LEN + 1];
    /* OP_PLACE */
    uint64_t seq;  /* given by the writer at commit, so a failed commit leaves no hole */
    uint64_t prev; /* the pixel's placement before it (0: none), given with seq */
    uint16_t x, y;
    uint8_t color;
    int64_t time;
    int64_t next_placement;
    int64_t prev_next; /* the reservation to restore if the commit fails */
    backend_place_cb cb;
    void *arg;
    /* OP_USER */
    char name[BACKEND_NAME_MAX + 1];
    char *pwhash;
    uint8_t is_guest, is_admin, is_banned;
    int64_t banned_until;
    /* OP_USER (the ban's reason), OP_ADDR_BAN_* (the block, its reason), OP_USER_ADDR */
    backend_addr_ban ban;
    /* OP_SESSION_* */
    char token[BACKEND_TOKEN_LEN + 1];
    int64_t expires;
    /* OP_AUDIT: malloc'd, freed with the operation; audit_was (may be NULL): a row this one
     * replaces (deleted in the same transaction: a pixel act's row written as under way) */
    backend_audit_row *audit;
    backend_audit_row *audit_was;
    /* OP_SETTING (key in name) */
    char *value;
} wop;

void wop_free(wop *op);

typedef struct store_writer store_writer;

/* Called on the loop thread with operations the writer finished, in commit order (a list
 * through ->next, each with its rc); the callee frees them. */
typedef void (*writer_done_fn)(void *arg, wop *list);

/* Takes over db (opened and initialised) and the canvas bits (w x h, all placements up to seq
 * applied; `dirty`: the stored canvas is older, so it is stored now), prepares the statements
 * and starts the thread. `heads` (each pixel's newest placement up to seq, store_db.h) stays the
 * caller's, who frees it after writer_close; the writer sets it after each commit. `commit_ms`:
 * --commit-ms. Returns NULL with a sentence in err; then the caller still owns db and bits, and
 * must run the loop once so the async handle closes. */
store_writer *writer_open(sqlite3 *db, uint8_t *bits, uint32_t w, uint32_t h, uint64_t seq,
                          int dirty, store_heads *heads, int commit_ms, uv_loop_t *loop,
                          writer_done_fn on_done, void *arg, char *err, size_t errcap);

/* Stages op for the current call (loop thread). */
void writer_stage(store_writer *wr, wop *op);
/* The last staged operation of the current call, or NULL. */
wop *writer_staged_last(store_writer *wr);
/* The staged operation after mark (a writer_staged_last of the current call), or the first one
 * when mark is NULL. */
wop *writer_staged_next(store_writer *wr, wop *mark);
/* Hands the staged operations to the writer; `done` (may be NULL) runs on the loop thread once
 * they are committed (rc 0) or have failed (rc PLACE_ERR_UNAVAILABLE). Without staged
 * operations, done runs at once with 0. */
void writer_submit(store_writer *wr, backend_done_cb done, void *arg);

/* Submits what is staged, lets the writer commit everything queued, store the canvas and empty
 * the WAL, joins it and delivers the last operations to on_done; then closes the async handle
 * and, once it is closed, calls closed(arg) (the writer is freed by then). */
void writer_close(store_writer *wr, void (*closed)(void *arg), void *arg);

#endif
