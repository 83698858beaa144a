/* The database file of the embedded store (see store_db.h). */
#include "store_db.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "account.h"
#include "peer.h"
#include "util.h"

#define STR_(x) #x
#define PLACE_STR(x) STR_(x)

/* The layout STORE_DB_VERSION (store_db.h). */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS canvas(id INTEGER PRIMARY KEY CHECK (id = 1), width INTEGER,"
    " height INTEGER, seq INTEGER, bits BLOB);"
    "CREATE TABLE IF NOT EXISTS placements(seq INTEGER PRIMARY KEY, x INTEGER, y INTEGER,"
    " color INTEGER, user_id TEXT, time INTEGER, prev INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS users(id TEXT PRIMARY KEY, name TEXT UNIQUE, pwhash TEXT,"
    " is_guest INTEGER, is_admin INTEGER, is_banned INTEGER, last_place INTEGER DEFAULT 0,"
    " created INTEGER);"
    "CREATE TABLE IF NOT EXISTS sessions(token TEXT PRIMARY KEY, user_id TEXT, expires INTEGER);"
    "CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);"
    "CREATE TABLE IF NOT EXISTS addr_bans(cidr TEXT PRIMARY KEY, until INTEGER, guests_only"
    " INTEGER, user_id TEXT, reason TEXT, created INTEGER);"
    "CREATE TABLE IF NOT EXISTS user_addrs(user_id TEXT, addr TEXT, seen INTEGER,"
    " PRIMARY KEY(user_id, addr));"
    "CREATE TABLE IF NOT EXISTS audit(id INTEGER PRIMARY KEY, time INTEGER, who TEXT, act TEXT,"
    " what TEXT, pixels INTEGER);"
    "CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT);";

/* Layout 1 to 2 (store_db.h), in one transaction begun by the caller (which adds the column if
 * missing): every placement gets the seq of the previous one on its pixel, found through the
 * old (x, y, seq) index, which is then dropped. Also run on a layout-2 file that a placed of
 * layout 1 has opened since (it made the index again and wrote placements without `prev`). */
static const char migrate_1_2[] =
    "CREATE INDEX IF NOT EXISTS placements_xy ON placements(x, y, seq);"
    "UPDATE placements SET prev = coalesce((SELECT q.seq FROM placements q WHERE q.x = placements.x"
    " AND q.y = placements.y AND q.seq < placements.seq ORDER BY q.seq DESC LIMIT 1), 0);"
    "DROP INDEX placements_xy;"
    "PRAGMA user_version = 2;"
    "COMMIT;";

/* Columns added after the first release: added to an older database when missing. */
static const char *const added_columns[] = {
    "ALTER TABLE users ADD COLUMN banned_until INTEGER DEFAULT 0",
    "ALTER TABLE users ADD COLUMN ban_reason TEXT",
};

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

static int64_t query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int exec_or_say(sqlite3 *db, const char *sql, const char *what, char *err, size_t errcap)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    snprintf(err, errcap, "database%s%s: %s", what[0] ? " " : "", what, msg ? msg : "error");
    sqlite3_free(msg);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int store_db_init(sqlite3 *db, char *err, size_t errcap)
{
    char *msg = NULL;
    int64_t version = query_int(db, "PRAGMA user_version");
    int64_t objects = query_int(db, "SELECT count(*) FROM sqlite_master");
    int64_t old_placements =
        query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'placements'");
    int64_t has_prev = query_int(db, "SELECT count(*) FROM pragma_table_info('placements')"
                                     " WHERE name = 'prev'");
    int64_t has_index = query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                                      " AND name = 'placements_xy'");
    if (version < 0 || objects < 0 || old_placements < 0 || has_prev < 0 || has_index < 0) {
        snprintf(err, errcap, "database: %s", sqlite3_errmsg(db));
        return -1;
    }
    /* a new file takes the small pages before anything is written to it */
    if (objects == 0 &&
        exec_or_say(db, "PRAGMA page_size=" PLACE_STR(STORE_DB_PAGE_SIZE), "", err, errcap) < 0)
        return -1;
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                 " PRAGMA journal_size_limit=" STORE_WAL_LIMIT_STR ";", NULL, NULL, &msg)) {
        snprintf(err, errcap, "database: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return -1;
    }
    if (old_placements > 0 && (version < STORE_DB_VERSION || has_index > 0)) {
        fprintf(stderr, "placed: store: migrating %s to layout %d (placements chained per pixel,"
                        " no (x, y) index)%s; this reads every placement once\n",
                STORE_DB_FILE, STORE_DB_VERSION,
                version >= STORE_DB_VERSION ? ": a placed of the older layout wrote to it" : "");
        if (exec_or_say(db, "BEGIN IMMEDIATE", "migration", err, errcap) < 0 ||
            (!has_prev && exec_or_say(db, "ALTER TABLE placements ADD COLUMN prev INTEGER NOT NULL"
                                          " DEFAULT 0", "migration", err, errcap) < 0) ||
            exec_or_say(db, migrate_1_2, "migration", err, errcap) < 0)
            return -1;
        /* smaller pages: a rewrite of the file, outside WAL mode (SQLite cannot change the page
         * size of a WAL database); a crash here leaves the rollback journal, which undoes it */
        if (query_int(db, "PRAGMA page_size") != STORE_DB_PAGE_SIZE &&
            exec_or_say(db, "PRAGMA journal_mode=DELETE; PRAGMA page_size="
                        PLACE_STR(STORE_DB_PAGE_SIZE) "; VACUUM; PRAGMA journal_mode=WAL;",
                        "migration (page size)", err, errcap) < 0)
            return -1;
    }
    if (sqlite3_exec(db, schema, NULL, NULL, &msg)) {
        snprintf(err, errcap, "database: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return -1;
    }
    if (version < STORE_DB_VERSION && old_placements == 0 &&
        exec_or_say(db, "PRAGMA user_version = " PLACE_STR(STORE_DB_VERSION), "", err, errcap) < 0)
        return -1;
    for (size_t i = 0; i < sizeof added_columns / sizeof added_columns[0]; i++) {
        if (sqlite3_exec(db, added_columns[i], NULL, NULL, &msg) != SQLITE_OK &&
            !(msg && strstr(msg, "duplicate column"))) {
            snprintf(err, errcap, "database: %s", msg ? msg : "error");
            sqlite3_free(msg);
            return -1;
        }
        sqlite3_free(msg);
        msg = NULL;
    }
    return 0;
}

/* Runs sql with the bound values (NULL: bound as NULL; ints as text are fine for SQLite). */
static int exec_bound(sqlite3 *db, const char *sql, int n, const char *const *v, const int64_t *num)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    for (int i = 0; i < n; i++) {
        if (num && v[i] == NULL)
            sqlite3_bind_int64(st, i + 1, num[i]);
        else
            sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
    }
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    return rc;
}

/* The id of the registered user whose name has the key of `name` ("" if none). */
static void name_to_id(sqlite3 *db, const char *name, char id[BACKEND_ID_LEN + 1])
{
    char want[BACKEND_NAME_MAX + 1], key[BACKEND_NAME_MAX + 1];
    sqlite3_stmt *st = NULL;
    account_name_key(name, want);
    id[0] = 0;
    if (sqlite3_prepare_v2(db, "SELECT id, name FROM users WHERE is_guest = 0 AND name IS NOT NULL",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *uid = (const char *)sqlite3_column_text(st, 0);
        const char *n = (const char *)sqlite3_column_text(st, 1);
        account_name_key(n ? n : "", key);
        if (uid && !strcmp(key, want)) {
            snprintf(id, BACKEND_ID_LEN + 1, "%s", uid);
            break;
        }
    }
    sqlite3_finalize(st);
}

int store_sqlite_admin_offline(const char *data_dir, const backend_admin_req *q, char *err,
                               size_t errcap)
{
    sqlite3 *db = NULL;
    int rc = -1;
    char now[24], until[24], window[24];
    int64_t t = util_now_ms();
    snprintf(now, sizeof now, "%lld", (long long)t);
    snprintf(until, sizeof until, "%lld", (long long)q->until);
    snprintf(window, sizeof window, "%lld", (long long)(t - q->addr_window_ms));
    const char *reason = q->reason ? q->reason : "";
    if (store_db_open(data_dir, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db, err, errcap) < 0)
        return -1;
    if (store_db_init(db, err, errcap) < 0)
        goto out;
    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (q->op == BACKEND_ADMIN_SETTINGS) {
        for (size_t i = 0; i < q->nsettings; i++) {
            const backend_setting *kv = &q->settings[i];
            const char *v[] = {kv->key, kv->value};
            if (exec_bound(db, kv->value[0] ? "INSERT OR REPLACE INTO settings(key, value)"
                                              " VALUES(?1, ?2)"
                                            : "DELETE FROM settings WHERE key = ?1",
                           kv->value[0] ? 2 : 1, v, NULL) < 0)
                goto dberr;
        }
    } else if (q->op == BACKEND_ADMIN_BAN_ADDR || q->op == BACKEND_ADMIN_UNBAN_ADDR) {
        char block[BACKEND_CIDR_MAX];
        if (!q->addr || store_db_block(q->addr, block, err, errcap) < 0) {
            rc = PLACE_ERR_BAD_REQUEST;
            goto out;
        }
        const char *v[] = {block, until, reason, now};
        if (q->op == BACKEND_ADMIN_BAN_ADDR
                ? exec_bound(db, "INSERT OR REPLACE INTO addr_bans(cidr, until, guests_only, user_id,"
                                 " reason, created) VALUES(?1, ?2, 0, '', ?3, ?4)", 4, v, NULL)
                : exec_bound(db, "DELETE FROM addr_bans WHERE cidr = ?1", 1, v, NULL))
            goto dberr;
        if (q->op == BACKEND_ADMIN_UNBAN_ADDR && sqlite3_changes(db) == 0) {
            snprintf(err, errcap, "%s is not banned", block);
            rc = PLACE_ERR_NOT_FOUND;
            goto out;
        }
    } else {
        /* a user act names the user by exactly one of name and id: never guessed */
        /* a name is matched as the running server matches it: by its key (account.h), so
         * "--ban ALICE" finds alice with or without a server */
        char by_name[BACKEND_ID_LEN + 1] = "";
        if (q->name)
            name_to_id(db, q->name, by_name);
        const char *who = "id = ?1";
        const char *target = q->name ? by_name : q->id ? q->id : "";
        char sql[512];
        static const char *const set[] = {
            [BACKEND_ADMIN_GRANT] = "is_admin = 1",
            [BACKEND_ADMIN_REVOKE] = "is_admin = 0",
            [BACKEND_ADMIN_BAN] = "is_banned = 1, banned_until = ?2, ban_reason = ?3",
            [BACKEND_ADMIN_UNBAN] = "is_banned = 0, banned_until = 0, ban_reason = NULL",
        };
        snprintf(sql, sizeof sql, "UPDATE users SET %s WHERE %s", set[q->op], who);
        const char *v[] = {target, until, reason, now, window};
        if (exec_bound(db, sql, q->op == BACKEND_ADMIN_BAN ? 3 : 1, v, NULL) < 0)
            goto dberr;
        if (sqlite3_changes(db) == 0) {
            if (q->name)
                snprintf(err, errcap, "no user named \"%s\"", q->name);
            else
                snprintf(err, errcap, "no user with id \"%s\"", target);
            rc = PLACE_ERR_NOT_FOUND;
            goto out;
        }
        char uid_sql[192];
        snprintf(uid_sql, sizeof uid_sql, "(SELECT id FROM users WHERE %s)", who);
        if (q->op == BACKEND_ADMIN_BAN && q->addr_window_ms > 0) {
            snprintf(sql, sizeof sql,
                     "INSERT OR REPLACE INTO addr_bans(cidr, until, guests_only, user_id, reason,"
                     " created) SELECT addr, ?2, 1, user_id, ?3, ?4 FROM user_addrs"
                     " WHERE user_id = %s AND seen >= ?5", uid_sql);
            if (exec_bound(db, sql, 5, v, NULL) < 0)
                goto dberr;
        } else if (q->op == BACKEND_ADMIN_UNBAN) {
            snprintf(sql, sizeof sql, "DELETE FROM addr_bans WHERE user_id = %s", uid_sql);
            if (exec_bound(db, sql, 1, v, NULL) < 0)
                goto dberr;
        }
    }
    if (q->audit && store_db_audit_add(db, q->audit) < 0) /* in the act's transaction */
        goto dberr;
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto dberr;
    rc = PLACE_ERR_NONE;
    goto out;
dberr:
    snprintf(err, errcap, "database: %s", sqlite3_errmsg(db));
out:
    if (rc != PLACE_ERR_NONE)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

int store_db_settings(sqlite3 *db, backend_setting *kv, size_t cap, size_t *n)
{
    sqlite3_stmt *st = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, "SELECT key, value FROM settings ORDER BY key", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < cap) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        const char *v = (const char *)sqlite3_column_text(st, 1);
        if (!k || !v || !v[0])
            continue;
        snprintf(kv[*n].key, sizeof kv[*n].key, "%s", k);
        snprintf(kv[*n].value, sizeof kv[*n].value, "%s", v);
        (*n)++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

int store_db_block(const char *text, char out[BACKEND_CIDR_MAX], char *err, size_t errcap)
{
    peer_cidr c;
    if (peer_cidr_parse(text, &c, err, errcap) < 0)
        return -1;
    char a[PEER_ADDR_MAX], norm[PEER_ADDR_MAX];
    const char *slash = strchr(text, '/');
    snprintf(a, sizeof a, "%.*s", slash ? (int)(slash - text) : (int)strlen(text), text);
    if (peer_normalise(a, norm) < 0) {
        snprintf(err, errcap, "\"%s\" is not an address", text);
        return -1;
    }
    if (c.bits == (c.family == 4 ? 32 : 128))
        snprintf(out, BACKEND_CIDR_MAX, "%s", norm);
    else
        snprintf(out, BACKEND_CIDR_MAX, "%s/%u", norm, c.bits);
    return 0;
}


/* ---------------------------------------------------------------- the pixels' chains */

struct store_heads {
    uint32_t w, h;
    size_t bytes;
    _Atomic uint64_t *seq;
};

store_heads *store_heads_new(uint32_t w, uint32_t h)
{
    store_heads *hd = calloc(1, sizeof *hd);
    if (!hd)
        return NULL;
    hd->w = w;
    hd->h = h;
    /* an anonymous mapping: pages no placement touches stay unbacked */
    hd->bytes = (size_t)w * h * sizeof *hd->seq;
    void *m = mmap(NULL, hd->bytes ? hd->bytes : 1, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
        free(hd);
        return NULL;
    }
    hd->seq = m;
    return hd;
}

void store_heads_free(store_heads *hd)
{
    if (!hd)
        return;
    munmap((void *)hd->seq, hd->bytes ? hd->bytes : 1);
    free(hd);
}

uint64_t store_heads_get(const store_heads *hd, uint32_t x, uint32_t y)
{
    if (x >= hd->w || y >= hd->h)
        return 0;
    return atomic_load_explicit(&hd->seq[(size_t)y * hd->w + x], memory_order_acquire);
}

void store_heads_set(store_heads *hd, uint32_t x, uint32_t y, uint64_t seq)
{
    if (x < hd->w && y < hd->h)
        atomic_store_explicit(&hd->seq[(size_t)y * hd->w + x], seq, memory_order_release);
}

int store_db_heads_load(sqlite3 *db, store_heads *hd, uint64_t *last)
{
    sqlite3_stmt *st = NULL;
    *last = 0;
    if (sqlite3_prepare_v2(db, "SELECT seq, x, y FROM placements ORDER BY seq", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
        int64_t x = sqlite3_column_int64(st, 1), y = sqlite3_column_int64(st, 2);
        if (x >= 0 && y >= 0 && x <= UINT32_MAX && y <= UINT32_MAX)
            store_heads_set(hd, (uint32_t)x, (uint32_t)y, seq);
        *last = seq;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_db_append_placement(sqlite3 *db, store_heads *hd, uint64_t *last, uint32_t x,
                              uint32_t y, int color, const char *user_id, int64_t time_ms)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO placements(seq, x, y, color, user_id, time, prev)"
                           " VALUES(?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    uint64_t seq = *last + 1;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    sqlite3_bind_int64(st, 2, x);
    sqlite3_bind_int64(st, 3, y);
    sqlite3_bind_int(st, 4, color);
    sqlite3_bind_text(st, 5, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, time_ms);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)store_heads_get(hd, x, y));
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    if (rc == 0) {
        store_heads_set(hd, x, y, seq);
        *last = seq;
    }
    return rc;
}

int store_db_history(sqlite3 *db, uint32_t x, uint32_t y, uint64_t head, int limit,
                     backend_history_entry *e, size_t *n)
{
    sqlite3_stmt *st = NULL;
    *n = 0;
    if (limit <= 0 || limit > BACKEND_HISTORY_MAX)
        limit = BACKEND_HISTORY_MAX;
    if (!head)
        return 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT p.x, p.y, p.user_id, u.name, u.is_guest, p.color, p.time, p.prev"
                           " FROM placements p LEFT JOIN users u ON u.id = p.user_id"
                           " WHERE p.seq = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    /* one read transaction for the whole walk */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return -1;
    }
    int rc = SQLITE_DONE;
    uint64_t seq = head;
    while (seq && *n < (size_t)limit) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) /* SQLITE_DONE: no such row, the chain ends */
            break;
        if ((uint64_t)sqlite3_column_int64(st, 0) != x || (uint64_t)sqlite3_column_int64(st, 1) != y)
            break; /* never when the chains are whole: a broken link ends the walk */
        backend_history_entry *h = &e[(*n)++];
        const char *uid = (const char *)sqlite3_column_text(st, 2);
        const char *name = (const char *)sqlite3_column_text(st, 3);
        h->seq = seq;
        snprintf(h->user_id, sizeof h->user_id, "%s", uid ? uid : "");
        if (name && !sqlite3_column_int(st, 4))
            snprintf(h->username, sizeof h->username, "%s", name);
        else
            account_shown_name(h->username, h->user_id);
        h->color = sqlite3_column_int(st, 5);
        h->time_ms = sqlite3_column_int64(st, 6);
        int64_t prev = sqlite3_column_int64(st, 7);
        seq = prev > 0 && (uint64_t)prev < seq ? (uint64_t)prev : 0;
        sqlite3_reset(st);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

int store_db_recent_placers(sqlite3 *db, int64_t since_ms,
                            void (*fn)(void *arg, const char *user_id, int64_t time_ms),
                            void *arg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT user_id, time FROM placements ORDER BY seq DESC", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    int rc;
    /* times rise with seq but for a step of the wall clock: read a minute past since_ms */
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t t = sqlite3_column_int64(st, 1);
        if (t < since_ms - 60000)
            break;
        const char *uid = (const char *)sqlite3_column_text(st, 0);
        if (t >= since_ms && uid)
            fn(arg, uid, t);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

int store_db_audit_add(sqlite3 *db, const backend_audit_row *row)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, STORE_DB_AUDIT_INSERT, -1, &st, NULL) != SQLITE_OK)
        return -1;
    store_db_audit_bind(st, row);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    return rc;
}

int store_db_audit_delete(sqlite3 *db, const backend_audit_row *row)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "DELETE FROM audit WHERE time = ?1 AND who = ?2 AND act = ?3 AND "
                               "what = ?4", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, row->time_ms);
    sqlite3_bind_text(st, 2, row->who, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, row->act, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, row->what, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    return rc;
}

void store_db_audit_bind(sqlite3_stmt *st, const backend_audit_row *row)
{
    sqlite3_bind_int64(st, 1, row->time_ms);
    sqlite3_bind_text(st, 2, row->who, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, row->act, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, row->what, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, row->pixels);
}

int store_db_audit_list(sqlite3 *db, int64_t since_ms, size_t max, backend_audit_row **rows,
                        size_t *n)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    *rows = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT time, who, act, what, pixels FROM audit WHERE time >= ?"
                           " ORDER BY id LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, since_ms);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            backend_audit_row *v = realloc(*rows, ncap * sizeof *v);
            if (!v) {
                rc = SQLITE_NOMEM;
                break;
            }
            *rows = v;
            cap = ncap;
        }
        backend_audit_row *r = &(*rows)[(*n)++];
        const char *who = (const char *)sqlite3_column_text(st, 1);
        const char *act = (const char *)sqlite3_column_text(st, 2);
        const char *what = (const char *)sqlite3_column_text(st, 3);
        r->time_ms = sqlite3_column_int64(st, 0);
        snprintf(r->who, sizeof r->who, "%s", who ? who : "");
        snprintf(r->act, sizeof r->act, "%s", act ? act : "");
        snprintf(r->what, sizeof r->what, "%s", what ? what : "");
        r->pixels = sqlite3_column_int64(st, 4);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(*rows);
        *rows = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

int store_sqlite_audit_offline(const char *data_dir, const backend_audit_row *row, char *err,
                               size_t errcap)
{
    sqlite3 *db = NULL;
    if (store_db_open(data_dir, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db, err, errcap) < 0)
        return -1;
    int rc = store_db_init(db, err, errcap);
    if (rc == 0 && (rc = store_db_audit_add(db, row)) < 0)
        snprintf(err, errcap, "database: %s", sqlite3_errmsg(db));
    sqlite3_close(db);
    return rc;
}

int store_sqlite_audit_list(const char *data_dir, int64_t since_ms, size_t max,
                            backend_audit_row **rows, size_t *n, char *err, size_t errcap)
{
    sqlite3 *db = NULL;
    *rows = NULL;
    *n = 0;
    if (store_db_open(data_dir, SQLITE_OPEN_READONLY, &db, err, errcap) < 0)
        return -1;
    int rc = 0;
    /* a database from before the audit log has no table: no act was recorded */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = 'audit'", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && store_db_audit_list(db, since_ms, max, rows, n) < 0) {
        snprintf(err, errcap, "database: %s", sqlite3_errmsg(db));
        rc = -1;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

int store_sqlite_users_by_prefix(const char *data_dir, const char *prefix,
                                 char (*ids)[BACKEND_ID_LEN + 1], size_t max, size_t *n,
                                 char *err, size_t errcap)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    *n = 0;
    if (store_db_open(data_dir, SQLITE_OPEN_READONLY, &db, err, errcap) < 0)
        return -1;
    /* ids are lowercase hex: every id starting with prefix sorts in [prefix, prefix "g") */
    char hi[BACKEND_ID_LEN + 2];
    snprintf(hi, sizeof hi, "%.*sg", BACKEND_ID_LEN, prefix);
    int rc = -1;
    if (sqlite3_prepare_v2(db, "SELECT id FROM users WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT ?3",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
            const char *id = (const char *)sqlite3_column_text(st, 0);
            snprintf(ids[(*n)++], BACKEND_ID_LEN + 1, "%s", id ? id : "");
        }
        rc = r == SQLITE_DONE || r == SQLITE_ROW ? 0 : -1;
    }
    if (rc < 0)
        snprintf(err, errcap, "database: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

int store_db_canvas_size(const char *data_dir, uint32_t *w, uint32_t *h, char *err, size_t errcap)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (store_db_open(data_dir, SQLITE_OPEN_READONLY, &db, err, errcap) < 0)
        return -1;
    int rc = -1;
    if (sqlite3_prepare_v2(db, "SELECT width, height FROM canvas WHERE id = 1", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        *w = (uint32_t)sqlite3_column_int64(st, 0);
        *h = (uint32_t)sqlite3_column_int64(st, 1);
        rc = 0;
    } else {
        snprintf(err, errcap, "%s/%s holds no canvas", data_dir, STORE_DB_FILE);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

long store_db_rows(sqlite3 *db, uint64_t after, uint64_t upto, tl_row *out, size_t max)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT seq, time, x, y, color FROM placements"
                           " WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)after);
    sqlite3_bind_int64(st, 2, upto > (uint64_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)upto);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
    long n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && (size_t)n < max) {
        tl_row *r = &out[n++];
        r->seq = (uint64_t)sqlite3_column_int64(st, 0);
        r->time = sqlite3_column_int64(st, 1);
        r->x = (uint16_t)sqlite3_column_int(st, 2);
        r->y = (uint16_t)sqlite3_column_int(st, 3);
        r->color = (uint8_t)sqlite3_column_int(st, 4);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? n : -1;
}

int store_db_row_at(sqlite3 *db, uint64_t from, uint64_t *seq, int64_t *time)
{
    sqlite3_stmt *st = NULL;
    *seq = 0;
    *time = 0;
    if (sqlite3_prepare_v2(db, "SELECT seq, time FROM placements WHERE seq >= ?1 ORDER BY seq LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *seq = (uint64_t)sqlite3_column_int64(st, 0);
        *time = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int store_db_last_seq(sqlite3 *db, uint64_t *seq)
{
    sqlite3_stmt *st = NULL;
    *seq = 0;
    if (sqlite3_prepare_v2(db, "SELECT max(seq) FROM placements", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *seq = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

int store_db_canvas_dims(sqlite3 *db, uint32_t *w, uint32_t *h)
{
    sqlite3_stmt *st = NULL;
    *w = *h = 0;
    if (sqlite3_prepare_v2(db, "SELECT width, height FROM canvas WHERE id = 1", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *w = (uint32_t)sqlite3_column_int(st, 0);
        *h = (uint32_t)sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}
