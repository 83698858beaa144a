/* Live settings (see live.h). */
#include "live.h"

#include <stdio.h>
#include <string.h>

#include "ws.h"

int live_request(live_act act, const char *arg, const char *reason, backend_setting *out,
                 size_t *n, char *err, size_t errcap)
{
    memset(out, 0, LIVE_ACT_MAX * sizeof *out);
    *n = 0;
    if (act == LIVE_FREEZE || act == LIVE_UNFREEZE) {
        snprintf(out[0].key, sizeof out[0].key, "%s", LIVE_FROZEN);
        snprintf(out[1].key, sizeof out[1].key, "%s", LIVE_FROZEN_REASON);
        if (act == LIVE_FREEZE) {
            snprintf(out[0].value, sizeof out[0].value, "yes");
            /* a reason of BACKEND_REASON_MAX bytes at most, as a ban's */
            snprintf(out[1].value, BACKEND_REASON_MAX + 1, "%s", reason ? reason : "");
        }
        *n = 2;
        return 0;
    }
    const char *eq = arg ? strchr(arg, '=') : NULL;
    if (!eq || eq == arg) {
        snprintf(err, errcap, "--set wants KEY=VALUE (for example cooldown=5), not \"%.60s\"",
                 arg ? arg : "");
        return -1;
    }
    char key[BACKEND_SETTING_KEY_MAX];
    if ((size_t)(eq - arg) >= sizeof key) {
        snprintf(err, errcap, "--set: no setting is called \"%.*s\"", (int)(eq - arg), arg);
        return -1;
    }
    snprintf(key, sizeof key, "%.*s", (int)(eq - arg), arg);
    /* checked on a scratch configuration, as the flag would be; stored in its plain form */
    static place_config scratch; /* loop thread or the admin command: one at a time */
    config_defaults(&scratch);
    int forget = !strcmp(eq + 1, "default");
    char why[300];
    if (forget ? config_live_get(&scratch, key, why, sizeof why) < 0 &&
                     config_live_set(&scratch, key, "", why, sizeof why) < 0
               : config_live_set(&scratch, key, eq + 1, why, sizeof why) < 0) {
        snprintf(err, errcap, "--set %s", why);
        return -1;
    }
    snprintf(out[0].key, sizeof out[0].key, "%s", key);
    if (forget)
        out[0].value[0] = 0;
    else
        config_live_get(&scratch, key, out[0].value, sizeof out[0].value);
    *n = 1;
    return 0;
}

void live_view(const place_server *srv, place_settings *out)
{
    memset(out, 0, sizeof *out);
    out->cooldown_sec = srv->cfg.cooldown_sec;
    out->guests_can_place = srv->cfg.guests_can_place;
    out->frozen = srv->frozen;
    snprintf(out->frozen_reason, sizeof out->frozen_reason, "%s", srv->frozen_reason);
}

void live_on_settings(void *arg, const backend_setting *kv, size_t n)
{
    place_server *srv = arg;
    place_settings before;
    live_view(srv, &before);
    place_config next = srv->cfg;
    config_live_copy(&next, &srv->base_cfg);
    int frozen = 0;
    const char *reason = "";
    for (size_t i = 0; i < n; i++) {
        char err[300];
        if (!strcmp(kv[i].key, LIVE_FROZEN))
            frozen = !strcmp(kv[i].value, "yes");
        else if (!strcmp(kv[i].key, LIVE_FROZEN_REASON))
            reason = kv[i].value;
        else if (config_live_set(&next, kv[i].key, kv[i].value, err, sizeof err) < 0)
            /* stored by another version of placed, or by hand: the flag's value holds */
            fprintf(stderr, "placed: stored setting %s=%s ignored: %s\n", kv[i].key, kv[i].value,
                    err);
    }
    if (!config_live_equal(&next, &srv->cfg)) {
        char names[256], *p = names;
        config_live_names(names, sizeof names);
        /* say what changed, for the operator's log */
        for (char *tok = strtok_r(names, ", ", &p); tok; tok = strtok_r(NULL, ", ", &p)) {
            char a[64], b[64];
            if (config_live_get(&srv->cfg, tok, a, sizeof a) == 0 &&
                config_live_get(&next, tok, b, sizeof b) == 0 && strcmp(a, b))
                fprintf(stderr, "placed: %s is now %s (was %s)\n", tok, b, a);
        }
        config_live_copy(&srv->cfg, &next);
    }
    if (frozen != srv->frozen)
        fprintf(stderr, "placed: the canvas is %s%s%s\n", frozen ? "frozen" : "no longer frozen",
                frozen && reason[0] ? ": " : "", frozen ? reason : "");
    srv->frozen = frozen;
    snprintf(srv->frozen_reason, sizeof srv->frozen_reason, "%s", frozen ? reason : "");
    if (srv->store && srv->store->ops->set_cooldown)
        srv->store->ops->set_cooldown(srv->store, (int64_t)srv->cfg.cooldown_sec * 1000);
    place_settings after;
    live_view(srv, &after);
    if (memcmp(&before, &after, sizeof before)) {
        char buf[1024];
        int len = place_fmt_settings(buf, sizeof buf, &after);
        if (len > 0)
            ws_send_all(srv->ws, buf, (size_t)len);
    }
}

void live_start(place_server *srv)
{
    if (srv->store && srv->store->ops->set_cooldown)
        srv->store->ops->set_cooldown(srv->store, (int64_t)srv->cfg.cooldown_sec * 1000);
}
