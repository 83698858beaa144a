/* Live settings: what an admin changes on a running server without a restart.
 *
 * `placed --set KEY=VALUE` changes a row of the config table marked live (config.c: cooldown,
 * guests-can-place, guests-per-hour, registrations-per-hour); `--freeze [--reason]` and
 * `--unfreeze` make the canvas read-only and writable again. Each act is stored as keys of the
 * store's settings (backend.h: backend_setting; embedded: the `settings` table, cluster: the
 * Redis hash {place}:settings), so it holds across restarts; the store hands the stored keys to
 * the core (sink.on_settings: at start, and after every change in every process), and the core
 * applies them over the configuration placed started with and tells every connected client
 * (`settings` message). The rule for a restart: a stored value wins over the flag or config
 * file until the next --set; KEY=default forgets it, so the flag's value applies again. */
#ifndef PLACE_SERVER_LIVE_H
#define PLACE_SERVER_LIVE_H

#include <stddef.h>

#include "place/proto.h"

#include "server.h"

#define LIVE_FROZEN "frozen"               /* "yes" while frozen; absent otherwise */
#define LIVE_FROZEN_REASON "frozen-reason" /* the admin's words with --freeze */
#define LIVE_ACT_MAX 2                     /* settings one act stores at most */

/* Which act an admin asks for. */
typedef enum live_act { LIVE_FREEZE, LIVE_UNFREEZE, LIVE_SET } live_act;

/* The settings to store for an act: FREEZE (reason may be NULL or ""), UNFREEZE, or SET with
 * arg "KEY=VALUE" (checked as the flag is; VALUE "default" forgets the stored value). Fills
 * out[0..*n) (at most LIVE_ACT_MAX). Returns 0, or -1 with a sentence for the admin in err
 * (an unknown or fixed KEY: the sentence lists the keys that can be set). */
int live_request(live_act act, const char *arg, const char *reason, backend_setting *out,
                 size_t *n, char *err, size_t errcap);

/* The backend sink's on_settings: applies the stored settings kv[0..n) over the configuration
 * placed started with (srv->base_cfg), gives the store its cooldown, and sends `settings` to
 * every connected client when what they are told changed. Loop thread. */
void live_on_settings(void *srv, const backend_setting *kv, size_t n);

/* Once the store is open: hands it the cooldown in force (the stored one, or the flag's). */
void live_start(place_server *srv);

/* What clients are told: init's settings fields and the `settings` message. */
void live_view(const place_server *srv, place_settings *out);

#endif
