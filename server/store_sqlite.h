/* The embedded store: SQLite (WAL, synchronous=FULL) written by one writer thread with group
 * commit; users, sessions and cooldowns held in memory and written through. Implements
 * backend.h (backend_embedded_open); this header adds what only the embedded mode has. */
#ifndef PLACE_SERVER_STORE_SQLITE_H
#define PLACE_SERVER_STORE_SQLITE_H

#include <stddef.h>

#include "backend.h"

/* The database file inside the data directory. */
#define STORE_DB_FILE "place.db"

/* Applies an admin action straight to the database in data_dir, for when no server runs there
 * (the caller holds the data directory's lock). `name` is a username or a user id. Returns
 * PLACE_ERR_NONE, PLACE_ERR_NOT_FOUND or a negative number, with a sentence in err. */
int store_sqlite_admin_offline(const char *data_dir, backend_admin_op op, const char *name,
                               char *err, size_t errcap);

#endif
