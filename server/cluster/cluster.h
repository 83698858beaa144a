/* Cluster mode: placed as one of many stateless processes sharing one canvas through Redis
 * (canvas bitfield, sequence, cooldowns, sessions, users, bans), Kafka (every placement event,
 * consumed by every process for its broadcast) and PostgreSQL (history). docs/deploy.md says
 * how to run it. backend.c (backend_open) is what chooses it; this directory is built only when
 * PLACE_BUILD_CLUSTER is on. */
#ifndef PLACE_CLUSTER_H
#define PLACE_CLUSTER_H

#include <stddef.h>
#include <uv.h>

#include "backend.h"
#include "config.h"

/* Checks that cfg names every service cluster mode needs. Returns 0, or -1 with a sentence. */
int cluster_check_config(const place_config *cfg, char *err, size_t errcap);

/* The cluster backend (backend.h): Redis for state, Kafka for events, PostgreSQL for history.
 * The Kafka feed starts with load_canvas, which must be called once before the loop runs.
 * Returns NULL with a sentence in err. */
backend *backend_cluster_open(const place_config *cfg, uv_loop_t *loop, const backend_sink *sink,
                              char *err, size_t errcap);

/* An admin act applied in Redis directly, for `placed --ban NAME` when no server runs on
 * --data-dir (admin.c). Every running placed is told at once (Redis pub/sub) and closes the
 * banned user's sockets. Returns PLACE_ERR_NONE, or PLACE_ERR_NOT_FOUND / a negative number
 * with a sentence in err. */
int cluster_admin_offline(const place_config *cfg, const backend_admin_req *q, char *err,
                          size_t errcap);

/* The size of the canvas in Redis (backend.h: backend_canvas_size). Returns 0, or -1 with a
 * sentence in err. */
int cluster_canvas_size(const place_config *cfg, uint32_t *w, uint32_t *h, char *err,
                        size_t errcap);

/* The audit log in Redis (backend.h: backend_audit_offline, backend_audit_list). Return 0, or
 * -1 with a sentence in err. */
int cluster_audit_offline(const place_config *cfg, const backend_audit_row *row, char *err,
                          size_t errcap);
int cluster_audit_list(const place_config *cfg, int64_t since_ms, size_t max,
                       backend_audit_row **rows, size_t *n, char *err, size_t errcap);

/* backend_users_by_prefix in Redis: one SCAN over the user keys (an admin command's cost, in
 * Redis's own steps). */
int cluster_users_by_prefix(const place_config *cfg, const char *prefix,
                            char (*ids)[BACKEND_ID_LEN + 1], size_t max, size_t *n, char *err,
                            size_t errcap);

/* placed --history-writer: copies events from Kafka to PostgreSQL until stopped. Returns the
 * exit status. */
int cluster_writer_run(const place_config *cfg);

#endif
