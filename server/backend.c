/* Which backend placed runs on (backend.h): the one place that chooses between the embedded
 * store (store_sqlite.c) and cluster mode (server/cluster/, built when PLACE_BUILD_CLUSTER is
 * on). */
#include "backend.h"

#include <stdio.h>

#include "store_db.h"
#include "timeline.h"
#if PLACE_BUILD_CLUSTER
#include "cluster/cluster.h"
#include "cluster/history.h"
#endif

int backend_is_cluster(const place_config *cfg)
{
    return cfg->redis[0] != 0;
}

int backend_check_build(const place_config *cfg, char *err, size_t errcap)
{
#if !PLACE_BUILD_CLUSTER
    const char *flag = cfg->redis[0]      ? "--redis"
                       : cfg->kafka[0]    ? "--kafka"
                       : cfg->postgres[0] ? "--postgres"
                       : cfg->history_writer ? "--history-writer"
                                             : NULL;
    if (flag) {
        snprintf(err, errcap,
                 "%s: this placed was built without cluster mode (build it with cmake "
                 "-DPLACE_BUILD_CLUSTER=ON, which needs hiredis, librdkafka and libpq)",
                 flag);
        return -1;
    }
#endif
    (void)cfg;
    (void)err;
    (void)errcap;
    return 0;
}

backend *backend_open(const place_config *cfg, uv_loop_t *loop, const backend_sink *sink,
                      char *err, size_t errcap)
{
    if (backend_check_build(cfg, err, errcap) < 0)
        return NULL;
#if PLACE_BUILD_CLUSTER
    if (backend_is_cluster(cfg))
        return backend_cluster_open(cfg, loop, sink, err, errcap);
#endif
    return backend_embedded_open(cfg, loop, sink, err, errcap);
}

int backend_admin_offline(const place_config *cfg, const backend_admin_req *q, char *err,
                          size_t errcap)
{
    if (backend_check_build(cfg, err, errcap) < 0)
        return -1;
#if PLACE_BUILD_CLUSTER
    /* cluster mode: the users live in Redis, not in the data directory */
    if (backend_is_cluster(cfg))
        return cluster_admin_offline(cfg, q, err, errcap);
#endif
    return store_sqlite_admin_offline(cfg->data_dir, q, err, errcap);
}

int backend_canvas_size(const place_config *cfg, uint32_t *w, uint32_t *h, char *err,
                        size_t errcap)
{
    if (backend_check_build(cfg, err, errcap) < 0)
        return -1;
#if PLACE_BUILD_CLUSTER
    if (backend_is_cluster(cfg))
        return cluster_canvas_size(cfg, w, h, err, errcap);
#endif
    return store_db_canvas_size(cfg->data_dir, w, h, err, errcap);
}

int backend_audit_list(const place_config *cfg, int64_t since_ms, size_t max,
                       backend_audit_row **rows, size_t *n, char *err, size_t errcap)
{
    if (backend_check_build(cfg, err, errcap) < 0)
        return -1;
#if PLACE_BUILD_CLUSTER
    if (backend_is_cluster(cfg))
        return cluster_audit_list(cfg, since_ms, max, rows, n, err, errcap);
#endif
    return store_sqlite_audit_list(cfg->data_dir, since_ms, max, rows, n, err, errcap);
}

int backend_users_by_prefix(const place_config *cfg, const char *prefix,
                            char (*ids)[BACKEND_ID_LEN + 1], size_t max, size_t *n, char *err,
                            size_t errcap)
{
    *n = 0;
    if (backend_check_build(cfg, err, errcap) < 0)
        return -1;
#if PLACE_BUILD_CLUSTER
    if (backend_is_cluster(cfg))
        return cluster_users_by_prefix(cfg, prefix, ids, max, n, err, errcap);
#endif
    return store_sqlite_users_by_prefix(cfg->data_dir, prefix, ids, max, n, err, errcap);
}

int backend_audit_offline(const place_config *cfg, const backend_audit_row *row, char *err,
                          size_t errcap)
{
    if (backend_check_build(cfg, err, errcap) < 0)
        return -1;
#if PLACE_BUILD_CLUSTER
    if (backend_is_cluster(cfg))
        return cluster_audit_offline(cfg, row, err, errcap);
#endif
    return store_sqlite_audit_offline(cfg->data_dir, row, err, errcap);
}

int backend_history_writer_run(const place_config *cfg)
{
    char err[256];
    if (backend_check_build(cfg, err, sizeof err) < 0) {
        fprintf(stderr, "placed: %s\n", err);
        return 2;
    }
#if PLACE_BUILD_CLUSTER
    return cluster_writer_run(cfg);
#else
    return 2; /* not reached: --history-writer fails the check above */
#endif
}

tl_reader *backend_timeline_open(const place_config *cfg, int writable, char *err, size_t errcap)
{
    if (backend_check_build(cfg, err, errcap) < 0)
        return NULL;
#if PLACE_BUILD_CLUSTER
    if (backend_is_cluster(cfg)) {
        if (!cfg->postgres[0]) {
            snprintf(err, errcap, "cluster mode keeps the history in PostgreSQL: give --postgres");
            return NULL;
        }
        return history_tl_open(cfg->postgres, writable, err, errcap);
    }
#endif
    return tl_sqlite_open(cfg->data_dir, writable, err, errcap);
}
