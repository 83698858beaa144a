/* The embedded store's database file: where it lives, its schema and pragmas (WAL,
 * synchronous=FULL), and admin changes applied straight to it when no server runs. */
#ifndef PLACE_SERVER_STORE_DB_H
#define PLACE_SERVER_STORE_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "timeline.h"

/* The database file inside the data directory. */
#define STORE_DB_FILE "place.db"

/* The most the WAL file (place.db-wal) takes on disk while placed runs (docs/deploy.md): the
 * writer checkpoints every 4 MiB of log, and a log restarted after a checkpoint is cut back to
 * STORE_WAL_LIMIT bytes (journal_size_limit). */
#define STORE_WAL_MAX_BYTES (64 * 1024 * 1024)
#define STORE_WAL_LIMIT_STR "16777216" /* 16 MiB */

/* Opens data_dir/place.db with sqlite3_open_v2 flags. Returns 0, or -1 with a sentence in err
 * (*db is then NULL). */
int store_db_open(const char *data_dir, int flags, sqlite3 **db, char *err, size_t errcap);

/* The layout of place.db (PRAGMA user_version):
 *  1 (or 0): placements(seq, x, y, color, user_id, time) with an index on (x, y, seq), and
 *     users.last_place rewritten by every placement;
 *  2: placements(seq INTEGER PRIMARY KEY, x, y, color, user_id, time, prev), where `prev` is the
 *     seq of the previous placement on the same pixel (0: the first), and no other index: a
 *     commit appends to one B-tree and touches no random page. The newest placement of each
 *     pixel is kept in memory (store_heads), and a pixel's history walks `prev` from it.
 *     users.last_place is no longer written: a cooldown is restarted from the newest placements
 *     (store_db_recent_placers). New databases use 1 KiB pages (fewer WAL bytes per commit).
 * store_db_init migrates 1 to 2 in place (prev computed from the old index, which is dropped,
 * then the file rewritten with 1 KiB pages). */
#define STORE_DB_VERSION 2
#define STORE_DB_PAGE_SIZE 1024

/* Sets WAL and synchronous=FULL, creates any missing table and migrates an older layout.
 * Returns 0 or -1 with err. */
int store_db_init(sqlite3 *db, char *err, size_t errcap);

/* The newest placement (its seq, 0: none) of every pixel of a w x h canvas. One thread writes
 * (the writer, after each commit), any thread reads: each entry is an atomic, stored with
 * release after the commit that made it and loaded with acquire, so a read transaction begun
 * after the load sees the row. Pages of the array that no placement touched take no memory. */
typedef struct store_heads store_heads;
store_heads *store_heads_new(uint32_t w, uint32_t h);
void store_heads_free(store_heads *hd);
uint64_t store_heads_get(const store_heads *hd, uint32_t x, uint32_t y);
void store_heads_set(store_heads *hd, uint32_t x, uint32_t y, uint64_t seq);

/* Fills hd from every placement in db (one pass over the table in seq order) and returns the
 * newest seq in *last (0: none). For a process that reads or appends placements without a
 * running server (the running server's heads are the writer's). Returns 0 or -1. */
int store_db_heads_load(sqlite3 *db, store_heads *hd, uint64_t *last);

/* Appends one placement without a running server (offline tools; the caller holds the data
 * directory's lock and its transaction): numbered last + 1, chained to the pixel's head, and
 * hd and *last updated. Returns 0 or -1. */
int store_db_append_placement(sqlite3 *db, store_heads *hd, uint64_t *last, uint32_t x,
                              uint32_t y, int color, const char *user_id, int64_t time_ms);

/* Reads up to `limit` (at most BACKEND_HISTORY_MAX) placements of pixel (x, y) into e, newest
 * first, *n of them, walking `prev` from `head` (store_heads_get; 0: none). Returns 0 or -1.
 * Runs on any thread that owns db for the call. */
int store_db_history(sqlite3 *db, uint32_t x, uint32_t y, uint64_t head, int limit,
                     backend_history_entry *e, size_t *n);

/* Calls fn(arg, user_id, time) for the placements made at or after since_ms, newest first
 * (each user's first call is its newest placement): how a restart finds the cooldowns that
 * still run. Returns 0 or -1. */
int store_db_recent_placers(sqlite3 *db, int64_t since_ms,
                            void (*fn)(void *arg, const char *user_id, int64_t time_ms),
                            void *arg);

/* The history of the whole canvas (issue 18), read by the timeline (timeline_sqlite.c) on any
 * thread that owns db for the call. These are the only functions that read the placements table
 * in seq order: a change of its layout changes them and nothing else. */

/* The placements with after < seq <= upto, ascending, at most max, into out. Returns how many,
 * or -1. */
long store_db_rows(sqlite3 *db, uint64_t after, uint64_t upto, tl_row *out, size_t max);

/* The first placement with seq >= from: *seq and *time (*seq 0 when there is none). Returns 0
 * or -1. */
int store_db_row_at(sqlite3 *db, uint64_t from, uint64_t *seq, int64_t *time);

/* The stored canvas's size (0 x 0 when none is stored yet). Returns 0 or -1. */
int store_db_canvas_dims(sqlite3 *db, uint32_t *w, uint32_t *h);

/* The newest placement's seq (0: none). Returns 0 or -1. */
int store_db_last_seq(sqlite3 *db, uint64_t *seq);

/* Applies an admin act to the database in data_dir, for when no server runs there (the caller
 * holds the data directory's lock). Returns PLACE_ERR_NONE, PLACE_ERR_NOT_FOUND,
 * PLACE_ERR_BAD_REQUEST or a negative number, with a sentence in err. */
int store_sqlite_admin_offline(const char *data_dir, const backend_admin_req *q, char *err,
                               size_t errcap);

/* The stored live settings (backend.h: backend_setting), at most cap, into kv; *n of them.
 * Returns 0 or -1. */
int store_db_settings(sqlite3 *db, backend_setting *kv, size_t cap, size_t *n);

/* The normal text of an address block an admin typed: "10.0.0.0/8", or one address as itself
 * ("2001:db8::1"). Returns 0, or -1 with a sentence in err. */
int store_db_block(const char *text, char out[BACKEND_CIDR_MAX], char *err, size_t errcap);

/* The size of the canvas stored in data_dir. Returns 0, or -1 with a sentence in err. */
int store_db_canvas_size(const char *data_dir, uint32_t *w, uint32_t *h, char *err,
                         size_t errcap);

/* What an admin pixel act makes of the pixels (backend_plan_req, backend_plan_cb say what), read
 * from the placements of db (store_plan.c) for a canvas of w x h: *out malloc'd (the caller
 * frees it), *n pixels. Returns 0 or -1. Runs on any thread that owns db for the call. */
int store_db_plan(sqlite3 *db, const backend_plan_req *q, uint32_t w, uint32_t h,
                  backend_plan_px **out, size_t *n);

/* The audit log (backend_audit_row): its insert, with the row's five values bound in order by
 * store_db_audit_bind (the writer prepares it once). */
#define STORE_DB_AUDIT_INSERT "INSERT INTO audit(time, who, act, what, pixels) VALUES(?,?,?,?,?)"
void store_db_audit_bind(sqlite3_stmt *st, const backend_audit_row *row);
/* Deletes the audit row equal to *row (time, who, act, what; rare: prepared each time).
 * Returns 0, or -1. */
int store_db_audit_delete(sqlite3 *db, const backend_audit_row *row);

/* Appends one audit row on db (no transaction of its own). Returns 0 or -1. */
int store_db_audit_add(sqlite3 *db, const backend_audit_row *row);

/* The audit rows with time >= since_ms, oldest first, at most max, into a malloc'd *rows.
 * Returns 0 or -1. */
int store_db_audit_list(sqlite3 *db, int64_t since_ms, size_t max, backend_audit_row **rows,
                        size_t *n);

/* The same, for the command line: an audit row appended to the database in data_dir when no
 * server runs there, and the rows read (a running server may hold the database). Return 0, or -1
 * with a sentence in err. */
int store_sqlite_audit_offline(const char *data_dir, const backend_audit_row *row, char *err,
                               size_t errcap);
/* backend_users_by_prefix on place.db (read only; the users table's key range). */
int store_sqlite_users_by_prefix(const char *data_dir, const char *prefix,
                                 char (*ids)[BACKEND_ID_LEN + 1], size_t max, size_t *n,
                                 char *err, size_t errcap);
int store_sqlite_audit_list(const char *data_dir, int64_t since_ms, size_t max,
                            backend_audit_row **rows, size_t *n, char *err, size_t errcap);

#endif
