/* The audit log of admin acts (backend_audit_row in backend.h): every act an admin does (ban,
 * unban, grant, revoke, revert, wipe, restore, freeze, set...) appends one row, kept in the
 * store, read back by `placed --audit`. */
#ifndef PLACE_SERVER_AUDIT_H
#define PLACE_SERVER_AUDIT_H

#include <stdint.h>
#include <sys/types.h>

#include "backend.h"

/* Fills *row: time now, who, act, what (tabs and line breaks become spaces, text too long is
 * cut) and pixels (-1 for an act on no pixel). */
void audit_row_make(backend_audit_row *row, const char *who, const char *act, const char *what,
                    int64_t pixels);

/* Appends a row to the audit log of the running server's store (loop thread): done(arg, rc)
 * follows once it is durable, exactly once, with 0 or PLACE_ERR_UNAVAILABLE. Returns 0, or < 0
 * when it could not even be submitted (done will not run). This is the one call for every act
 * that wants to be on record, e.g. audit_record(srv->store, "os:root", "freeze", "reason: spam",
 * -1, done, arg). */
int audit_record(backend *b, const char *who, const char *act, const char *what, int64_t pixels,
                 backend_done_cb done, void *arg);

/* "os:NAME" for the OS user uid (its number when it has no name). */
void audit_os_who(uid_t uid, char out[BACKEND_AUDIT_WHO_MAX + 1]);

/* Writes rows as the lines `placed --audit` prints: "TIME  WHO  ACT  WHAT  [N pixels]". */
void audit_print(FILE *out, const backend_audit_row *rows, size_t n);

#endif
