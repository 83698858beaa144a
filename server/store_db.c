/* The database file of the embedded store (see store_db.h). */
#include "store_db.h"

#include <stdio.h>
#include <string.h>

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS canvas(id INTEGER PRIMARY KEY CHECK (id = 1), width INTEGER,"
    " height INTEGER, seq INTEGER, bits BLOB);"
    "CREATE TABLE IF NOT EXISTS placements(seq INTEGER PRIMARY KEY, x INTEGER, y INTEGER,"
    " color INTEGER, user_id TEXT, time INTEGER);"
    "CREATE INDEX IF NOT EXISTS placements_xy ON placements(x, y, seq);"
    "CREATE TABLE IF NOT EXISTS users(id TEXT PRIMARY KEY, name TEXT UNIQUE, pwhash TEXT,"
    " is_guest INTEGER, is_admin INTEGER, is_banned INTEGER, last_place INTEGER DEFAULT 0,"
    " created INTEGER);"
    "CREATE TABLE IF NOT EXISTS sessions(token TEXT PRIMARY KEY, user_id TEXT, expires INTEGER);"
    "CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);";

int store_db_open(const char *data_dir, int flags, sqlite3 **db, char *err, size_t errcap)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", data_dir, STORE_DB_FILE);
    if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errcap, "cannot open %s: %s", path, *db ? sqlite3_errmsg(*db) : "no memory");
        sqlite3_close(*db);
        *db = NULL;
        return -1;
    }
    sqlite3_busy_timeout(*db, 5000);
    return 0;
}

int store_db_init(sqlite3 *db, char *err, size_t errcap)
{
    char *msg = NULL;
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                 " PRAGMA journal_size_limit=" STORE_WAL_LIMIT_STR ";", NULL, NULL, &msg) ||
        sqlite3_exec(db, schema, NULL, NULL, &msg)) {
        snprintf(err, errcap, "database: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int store_sqlite_admin_offline(const char *data_dir, backend_admin_op op, const char *name,
                               char *err, size_t errcap)
{
    static const char *sql[] = {
        [BACKEND_ADMIN_GRANT] = "UPDATE users SET is_admin = 1 WHERE name = ?1 OR id = ?1",
        [BACKEND_ADMIN_REVOKE] = "UPDATE users SET is_admin = 0 WHERE name = ?1 OR id = ?1",
        [BACKEND_ADMIN_BAN] = "UPDATE users SET is_banned = 1 WHERE name = ?1 OR id = ?1",
        [BACKEND_ADMIN_UNBAN] = "UPDATE users SET is_banned = 0 WHERE name = ?1 OR id = ?1",
    };
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (store_db_open(data_dir, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db, err, errcap) < 0)
        return -1;
    if (store_db_init(db, err, errcap) < 0)
        goto out;
    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (sqlite3_prepare_v2(db, sql[op], -1, &st, NULL) != SQLITE_OK)
        goto dberr;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto dberr;
    if (sqlite3_changes(db) == 0) {
        snprintf(err, errcap, "no user named \"%s\"", name);
        rc = PLACE_ERR_NOT_FOUND;
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (op == BACKEND_ADMIN_BAN) {
        if (sqlite3_prepare_v2(db,
                               "DELETE FROM sessions WHERE user_id IN"
                               " (SELECT id FROM users WHERE name = ?1 OR id = ?1)",
                               -1, &st, NULL) != SQLITE_OK)
            goto dberr;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            goto dberr;
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto dberr;
    rc = PLACE_ERR_NONE;
    goto out;
dberr:
    snprintf(err, errcap, "database: %s", sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    if (rc != PLACE_ERR_NONE)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

void store_db_guest_name(char out[BACKEND_NAME_MAX + 1], const char *id)
{
    size_t n = strnlen(id, 8);
    memcpy(out, "guest-", 6);
    memcpy(out + 6, id, n);
    out[6 + n] = 0;
}

int store_db_history(sqlite3 *db, uint32_t x, uint32_t y, int limit, backend_history_entry *e,
                     size_t *n)
{
    sqlite3_stmt *st = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT p.seq, p.user_id, u.name, u.is_guest, p.color, p.time"
                           " FROM placements p LEFT JOIN users u ON u.id = p.user_id"
                           " WHERE p.x = ? AND p.y = ? ORDER BY p.seq DESC LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, x);
    sqlite3_bind_int64(st, 2, y);
    sqlite3_bind_int(st, 3, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < (size_t)limit) {
        backend_history_entry *h = &e[(*n)++];
        const char *uid = (const char *)sqlite3_column_text(st, 1);
        const char *name = (const char *)sqlite3_column_text(st, 2);
        h->seq = (uint64_t)sqlite3_column_int64(st, 0);
        snprintf(h->user_id, sizeof h->user_id, "%s", uid ? uid : "");
        if (name && !sqlite3_column_int(st, 3))
            snprintf(h->username, sizeof h->username, "%s", name);
        else
            store_db_guest_name(h->username, h->user_id);
        h->color = sqlite3_column_int(st, 4);
        h->time_ms = sqlite3_column_int64(st, 5);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}
