/* The auth routes (see auth.h). */
#include "auth.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account.h"
#include "bans.h"
#include "throttle.h"
#include "util.h"
#include "views.h"

/* argon2id at the interactive limits takes 64 MiB and a core for a moment. At most
 * AUTH_RUNNING hashes run at once, so a login flood cannot take every thread-pool thread from
 * the snapshot, history reads and WAL checkpoints (libuv has 4) nor more than ~128 MiB; up to
 * AUTH_WAITING more wait their turn here.
 *
 * The line is shared fairly between addresses: one address may have at most
 * --max-hashes-per-ip jobs queued or running (beyond: 429 RATE_LIMITED), and when the line is
 * full a newcomer from an address holding fewer jobs than the greediest one takes the
 * greediest address's last waiting place (that request is answered 503 UNAVAILABLE with
 * Retry-After); only when every address holds as much as the newcomer's would is the newcomer
 * itself turned away with 503. */
/* names count as one whatever their case and their look-alike letters (account.h) */
#define NAME_TAKEN                                                                               \
    "That name is taken (names are the same whatever their case, and I, l, 1 and O, 0 count as " \
    "one letter); choose another."
#define AUTH_RUNNING 2
#define AUTH_WAITING 32

/* Failed logins: per address, 10 free then 1 s, 2 s, 4 s ... up to 5 min; per account, 5 free
 * then 1 s doubling up to 60 s (short, because a stranger's failures lock the owner out too).
 * Forgotten an hour after the last failure; a successful login clears its account. */
#define FAIL_ADDR_FREE 10
#define FAIL_ADDR_MAX_MS (5 * 60 * 1000)
#define FAIL_USER_FREE 5
#define FAIL_USER_MAX_MS (60 * 1000)
#define FAIL_BASE_MS 1000
#define FAIL_FORGET_MS (60 * 60 * 1000)
#define FAIL_KEYS 100000

typedef struct auth_job {
    uv_work_t work;
    uv_work_cb fn;
    uv_after_work_cb after;
    auth_line *line;              /* the line it waits in */
    struct auth_job *prev, *next; /* in the waiting line */
    http_req *r;
    budget_addr *who; /* the address it is counted for (referenced) */
    int ok;
    int unknown; /* login: no such user; the dummy hash is checked instead */
    backend_user user; /* login: who the name belongs to */
    char name[BACKEND_NAME_MAX + 1];
    char password[AUTH_PASSWORD_MAX + 1];
    char hash[BACKEND_HASH_MAX + 1];
} auth_job;

struct auth_line {
    int running, waiting;
    auth_job *head, *tail;
    throttle *fail_addr, *fail_user;
    char dummy_hash[BACKEND_HASH_MAX + 1]; /* checked for unknown users: the same work */
};

static void job_free(auth_job *job)
{
    sodium_memzero(job->password, sizeof job->password);
    budget_give(job->who, BUDGET_HASHES, 1);
    budget_unref(job->who);
    free(job);
}

auth_line *auth_new(void)
{
    auth_line *line = calloc(1, sizeof *line);
    if (!line)
        return NULL;
    char pw[33];
    util_random_hex(pw, 16);
    line->fail_addr = throttle_new(FAIL_KEYS, FAIL_ADDR_FREE, FAIL_BASE_MS, FAIL_ADDR_MAX_MS,
                                   FAIL_FORGET_MS);
    line->fail_user = throttle_new(FAIL_KEYS, FAIL_USER_FREE, FAIL_BASE_MS, FAIL_USER_MAX_MS,
                                   FAIL_FORGET_MS);
    int rc = crypto_pwhash_str(line->dummy_hash, pw, strlen(pw),
                               crypto_pwhash_OPSLIMIT_INTERACTIVE,
                               crypto_pwhash_MEMLIMIT_INTERACTIVE);
    sodium_memzero(pw, sizeof pw);
    if (!line->fail_addr || !line->fail_user || rc != 0) {
        auth_free(line);
        return NULL;
    }
    return line;
}

void auth_free(auth_line *line)
{
    if (!line)
        return;
    throttle_free(line->fail_addr);
    throttle_free(line->fail_user);
    free(line);
}

static void line_unlink(auth_line *line, auth_job *job)
{
    if (job->prev)
        job->prev->next = job->next;
    else
        line->head = job->next;
    if (job->next)
        job->next->prev = job->prev;
    else
        line->tail = job->prev;
    job->prev = job->next = NULL;
    line->waiting--;
}

static void job_done(uv_work_t *w, int status);

/* Starts waiting jobs while there is room. A job whose connection went away meanwhile is not
 * hashed: its after-callback runs at once with UV_ECANCELED (and frees the request). */
static void line_run(auth_line *line, uv_loop_t *loop)
{
    while (line->head && line->running < AUTH_RUNNING) {
        auth_job *job = line->head;
        line_unlink(line, job);
        if (!job->r->wsi || uv_queue_work(loop, &job->work, job->fn, job_done) < 0) {
            job->after(&job->work, UV_ECANCELED);
            continue;
        }
        line->running++;
    }
}

static void job_done(uv_work_t *w, int status)
{
    auth_job *job = w->data;
    auth_line *line = job->line;
    uv_loop_t *loop = w->loop;
    line->running--;
    job->after(w, status); /* frees job */
    line_run(line, loop);
}

static void reply_busy(http_req *r)
{
    http_add_header(r, "Retry-After", "1");
    http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE,
                     "Too many logins and registrations at once; try again in a moment.");
}

/* The line is full: makes room for a job of `who` by turning away the last waiting job of the
 * address that holds the most, if that is more than `who` would hold. Returns 0 if room was
 * made, -1 if not. */
static int line_make_room(auth_line *line, const budget_addr *who)
{
    auth_job *victim = NULL;
    size_t most = budget_held(who, BUDGET_HASHES) + 1;
    for (auth_job *j = line->tail; j; j = j->prev) {
        size_t held = budget_held(j->who, BUDGET_HASHES);
        if (held > most) {
            most = held;
            victim = j;
        }
    }
    if (!victim)
        return -1;
    line_unlink(line, victim);
    http_req *r = victim->r;
    job_free(victim);
    reply_busy(r); /* frees r if its connection is gone */
    return 0;
}

/* Queues fn (on the thread pool) then after (on the loop) for job, counted for the request's
 * address; answers (429 over the address's share, 503 when the line is full) and frees the
 * job instead when there is no room for it. */
static void job_submit(http_req *r, auth_job *job, uv_work_cb fn, uv_after_work_cb after)
{
    if (budget_take(r->budget, BUDGET_HASHES, 1) < 0) {
        job_free(job);
        http_reply_rate_limited(r, 1000,
                                "Too many logins and registrations from your address at once; "
                                "try again in a moment.");
        return;
    }
    auth_line *line = r->srv->auth;
    job->who = budget_hold(r->budget);
    if (line->waiting >= AUTH_WAITING && line_make_room(line, job->who) < 0) {
        job_free(job);
        reply_busy(r);
        return;
    }
    job->fn = fn;
    job->after = after;
    job->line = line;
    job->next = NULL;
    job->prev = line->tail;
    if (line->tail)
        line->tail->next = job;
    else
        line->head = job;
    line->tail = job;
    line->waiting++;
    r->pending = 1;
    line_run(line, r->srv->loop);
}

/* Login and registration take only JSON: a form on another site can post text/plain (or a
 * form encoding) across origins without asking, and would log the visitor in as the attacker. */
static int body_is_json(http_req *r)
{
    char ct[128];
    if (!r->wsi || lws_hdr_copy(r->wsi, ct, sizeof ct, WSI_TOKEN_HTTP_CONTENT_TYPE) <= 0)
        return 0;
    size_t n = strlen("application/json");
    return !strncasecmp(ct, "application/json", n) &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > BACKEND_NAME_MAX)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* Reads {"username","password"} from the body into a new job; answers and returns NULL if the
 * body is not that. */
static auth_job *read_credentials(http_req *r, int check_rules)
{
    if (!body_is_json(r)) {
        http_reply_error(r, 415, PLACE_ERR_BAD_REQUEST, "The body must be sent as application/json.");
        return NULL;
    }
    const char *problem = NULL;
    cJSON *j = r->body ? cJSON_ParseWithLength(r->body, r->body_len) : NULL;
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(j, "username");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "password");
    auth_job *job = NULL;
    if (!cJSON_IsObject(j) || !cJSON_IsString(u) || !cJSON_IsString(p)) {
        http_reply_error(r, 400, PLACE_ERR_BAD_REQUEST,
                         "The body must be a JSON object with string username and password.");
    } else if (place_json_has_nul(r->body, r->body_len) ||
               !place_utf8_valid(r->body, r->body_len)) {
        /* cJSON would cut "abc\u0000def" to "abc" without a word */
        http_reply_error(r, 400, PLACE_ERR_BAD_REQUEST,
                         "Text must be UTF-8 without NUL characters.");
    } else if (check_rules && (problem = account_name_problem(u->valuestring))) {
        http_reply_error(r, 400, PLACE_ERR_BAD_USERNAME, problem);
    } else if (check_rules && (strlen(p->valuestring) < AUTH_PASSWORD_MIN ||
                               strlen(p->valuestring) > AUTH_PASSWORD_MAX)) {
        http_reply_error(r, 400, PLACE_ERR_BAD_PASSWORD, "Passwords are 8 to 256 bytes long.");
    } else if (check_rules &&
               (problem = account_password_problem(p->valuestring, strlen(p->valuestring)))) {
        http_reply_error(r, 400, PLACE_ERR_BAD_PASSWORD, problem);
    } else if (!check_rules && (!valid_name(u->valuestring) ||
                                strlen(p->valuestring) > AUTH_PASSWORD_MAX)) {
        http_reply_error(r, 401, PLACE_ERR_BAD_CREDENTIALS, NULL);
    } else if (!(job = calloc(1, sizeof *job))) {
        http_reply_error(r, 500, PLACE_ERR_INTERNAL, NULL);
    } else {
        job->r = r;
        job->work.data = job;
        snprintf(job->name, sizeof job->name, "%s", u->valuestring);
        snprintf(job->password, sizeof job->password, "%s", p->valuestring);
    }
    cJSON_Delete(j);
    return job;
}

static const char not_stored[] =
    "The server cannot save this right now (its storage is full or failing): try again later.";

/* A session being stored, then answered. */
typedef struct session_wait {
    http_req *r;
    backend_user user;
    char token[BACKEND_TOKEN_LEN + 1];
} session_wait;

static void session_stored(void *arg, int rc)
{
    session_wait *sw = arg;
    http_req *r = sw->r;
    backend *b = r->srv->store;
    if (rc) {
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE, not_stored);
    } else {
        if (r->token[0] && b)
            b->ops->session_revoke(b, r->token, NULL, NULL);
        r->headers_len = 0; /* drop a guest cookie set earlier in this request */
        http_set_cookie(r, sw->token);
        char buf[256];
        int n = place_fmt_auth_ok(buf, sizeof buf, sw->user.id, sw->user.name);
        if (n < 0)
            http_reply_error(r, 500, PLACE_ERR_INTERNAL, NULL);
        else
            http_reply_json(r, 200, buf, (size_t)n);
    }
    sodium_memzero(sw->token, sizeof sw->token);
    free(sw);
}

/* Answers {"success":true,...} with a fresh session for the user, revoking the caller's old
 * one, once the new session is on disk: a session answered survives a restart. */
static void start_session(http_req *r, const backend_user *u)
{
    backend *b = r->srv->store;
    session_wait *sw = calloc(1, sizeof *sw);
    if (!b) {
        free(sw);
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE, "The server is stopping.");
        return;
    }
    if (!sw) {
        http_reply_error(r, 500, PLACE_ERR_INTERNAL, NULL);
        return;
    }
    sw->r = r;
    sw->user = *u;
    r->pending = 1;
    if (b->ops->session_new(b, u->id, sw->token, session_stored, sw) < 0) {
        free(sw);
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE, NULL);
    }
}

void auth_me(http_req *r)
{
    char buf[VIEW_USER_MAX];
    int n = r->has_user ? view_user_json(&r->user, buf, sizeof buf) : -1;
    http_add_header(r, "Cache-Control", "no-store");
    if (n < 0)
        http_reply_error(r, 500, PLACE_ERR_INTERNAL, NULL);
    else
        http_reply_json(r, 200, buf, (size_t)n);
}

static void hash_work(uv_work_t *w)
{
    auth_job *job = w->data;
    job->ok = crypto_pwhash_str(job->hash, job->password, strlen(job->password),
                                crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
}

/* A registration being stored: its session follows once the user is on disk. */
typedef struct register_wait {
    http_req *r;
    backend_user user;
} register_wait;

static void register_stored(void *arg, int rc)
{
    register_wait *rw = arg;
    if (rc)
        http_reply_error(rw->r, 503, PLACE_ERR_UNAVAILABLE, not_stored);
    else
        start_session(rw->r, &rw->user);
    free(rw);
}

static void register_after(uv_work_t *w, int status)
{
    auth_job *job = w->data;
    http_req *r = job->r;
    backend *b = r->srv->store;
    register_wait *rw = NULL;
    if (!r->wsi || status || !job->ok) {
        http_reply_error(r, 500, PLACE_ERR_INTERNAL, NULL);
    } else if (!b) {
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE, "The server is stopping.");
    } else if (!(rw = calloc(1, sizeof *rw))) {
        http_reply_error(r, 500, PLACE_ERR_INTERNAL, NULL);
    } else {
        const char *guest = r->has_user && r->user.is_guest ? r->user.id : NULL;
        rw->r = r;
        r->pending = 1;
        int rc = b->ops->user_register(b, guest, job->name, job->hash, &rw->user,
                                       register_stored, rw);
        if (rc != PLACE_ERR_NONE)
            free(rw);
        if (rc == PLACE_ERR_USERNAME_TAKEN)
            http_reply_error(r, 409, PLACE_ERR_USERNAME_TAKEN, NAME_TAKEN);
        else if (rc == PLACE_ERR_UNAVAILABLE)
            http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE, "The server is stopping.");
        else if (rc != PLACE_ERR_NONE)
            http_reply_error(r, 500, PLACE_ERR_INTERNAL, NULL);
    }
    job_free(job);
}

void auth_register(http_req *r)
{
    /* a new account from a banned address would be a way around the ban */
    if (bans_match(r->srv->bans, r->addr, 1, NULL)) {
        http_reply_error(r, 403, PLACE_ERR_BANNED, NULL);
        return;
    }
    auth_job *job = read_credentials(r, 1);
    if (!job)
        return;
    backend *b = r->srv->store;
    backend_user u;
    char hash[BACKEND_HASH_MAX + 1];
    if (b->ops->user_credentials(b, job->name, &u, hash) == PLACE_ERR_NONE) {
        http_reply_error(r, 409, PLACE_ERR_USERNAME_TAKEN, NAME_TAKEN);
        job_free(job);
        return;
    }
    char bucket[PEER_ADDR_MAX];
    int64_t retry = 0;
    peer_bucket(r->addr, bucket);
    int over = b->ops->addr_budget(b, BACKEND_BUDGET_REGISTER, bucket,
                                   r->srv->cfg.registrations_per_hour, &retry);
    if (over) {
        if (over > 0)
            http_reply_rate_limited(r, retry,
                                    "Too many accounts were made from your address; try again later.");
        else
            http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE, NULL);
        job_free(job);
        return;
    }
    job_submit(r, job, hash_work, register_after);
}

static void verify_work(uv_work_t *w)
{
    auth_job *job = w->data;
    job->ok = crypto_pwhash_str_verify(job->hash, job->password, strlen(job->password)) == 0;
}

/* The account name as a throttle key: names are matched case-insensitively by some stores,
 * so "Alice" and "alice" share one budget. */
static void user_key(const char *name, char key[THROTTLE_KEY_MAX])
{
    size_t i = 0;
    for (; name[i] && i < THROTTLE_KEY_MAX - 1; i++)
        key[i] = (char)tolower((unsigned char)name[i]);
    key[i] = '\0';
}

static void login_failed(http_req *r, const char *name)
{
    char key[THROTTLE_KEY_MAX];
    int64_t now = util_mono_ms();
    user_key(name, key);
    throttle_fail(r->srv->auth->fail_addr, budget_key(r->budget), now);
    throttle_fail(r->srv->auth->fail_user, key, now);
    http_reply_error(r, 401, PLACE_ERR_BAD_CREDENTIALS, NULL);
}

static void login_after(uv_work_t *w, int status)
{
    auth_job *job = w->data;
    http_req *r = job->r;
    backend *b = r->srv->store;
    backend_user u;
    if (!r->wsi || status)
        http_reply_error(r, 500, PLACE_ERR_INTERNAL, NULL);
    else if (!b)
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE, NULL);
    else if (!job->ok || job->unknown)
        login_failed(r, job->name);
    else if (b->ops->user_get(b, job->user.id, &u) < 0)
        http_reply_error(r, 401, PLACE_ERR_BAD_CREDENTIALS, NULL);
    else if (u.is_banned)
        http_reply_error(r, 403, PLACE_ERR_BANNED, NULL);
    else {
        char key[THROTTLE_KEY_MAX];
        user_key(job->name, key);
        throttle_clear(r->srv->auth->fail_user, key);
        start_session(r, &u);
    }
    job_free(job);
}

void auth_login(http_req *r)
{
    /* an address banned for everyone (not only for guests) starts no session */
    if (bans_match(r->srv->bans, r->addr, 0, NULL)) {
        http_reply_error(r, 403, PLACE_ERR_BANNED, NULL);
        return;
    }
    auth_job *job = read_credentials(r, 0);
    if (!job)
        return;
    /* failed logins slow down per address and per account, before any work is done */
    char key[THROTTLE_KEY_MAX];
    int64_t now = util_mono_ms();
    user_key(job->name, key);
    int64_t wait = throttle_wait(r->srv->auth->fail_addr, budget_key(r->budget), now);
    int64_t wait_user = throttle_wait(r->srv->auth->fail_user, key, now);
    if (wait_user > wait)
        wait = wait_user;
    if (wait > 0) {
        job_free(job);
        http_reply_rate_limited(r, wait, "Too many failed logins; wait before trying again.");
        return;
    }
    backend *b = r->srv->store;
    if (b->ops->user_credentials(b, job->name, &job->user, job->hash) != PLACE_ERR_NONE) {
        /* an unknown name costs the same check as a wrong password: no timing tells them apart */
        job->unknown = 1;
        snprintf(job->hash, sizeof job->hash, "%s", r->srv->auth->dummy_hash);
    }
    job_submit(r, job, verify_work, login_after);
}

static void logout_stored(void *arg, int rc)
{
    http_req *r = arg;
    if (rc) {
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE, not_stored);
        return;
    }
    http_set_cookie(r, NULL);
    char ok[32];
    int n = place_fmt_auth_ok(ok, sizeof ok, NULL, NULL);
    http_reply_json(r, 200, ok, n > 0 ? (size_t)n : 0);
}

/* The logout is answered once the revocation is on disk, so a logged-out session cannot come
 * back after a restart. */
void auth_logout(http_req *r)
{
    backend *b = r->srv->store;
    r->pending = 1;
    if (r->has_user)
        b->ops->session_revoke(b, r->token, logout_stored, r);
    else
        logout_stored(r, 0);
}
