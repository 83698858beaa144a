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

/* Sets WAL and synchronous=FULL and creates any missing table. Returns 0 or -1 with err. */
int store_db_init(sqlite3 *db, char *err, size_t errcap);

/* Reads the newest `limit` (at most BACKEND_HISTORY_MAX) placements at (x, y) into e, newest
 * first, *n of them. Returns 0 or -1. Runs on any thread that owns db for the call. */
int store_db_history(sqlite3 *db, uint32_t x, uint32_t y, int limit, backend_history_entry *e,
                     size_t *n);

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
int store_sqlite_audit_list(const char *data_dir, int64_t since_ms, size_t max,
                            backend_audit_row **rows, size_t *n, char *err, size_t errcap);

#endif
