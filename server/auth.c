/* The auth routes (see auth.h). */
#include "auth.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bans.h"
#include "views.h"

/* argon2id at the interactive limits takes 64 MiB and a core for a moment. At most
 * AUTH_RUNNING hashes run at once, so a login flood cannot take every thread-pool thread from
 * the snapshot, history reads and WAL checkpoints (libuv has 4) nor more than ~128 MiB; up to
 * AUTH_WAITING more wait their turn here, and beyond that a request is answered at once with
 * 503 UNAVAILABLE (and Retry-After). */
#define AUTH_RUNNING 2
#define AUTH_WAITING 32

typedef struct auth_job {
    uv_work_t work;
    uv_work_cb fn;
    uv_after_work_cb after;
    struct auth_job *next; /* in the waiting line */
    http_req *r;
    int ok;
    backend_user user; /* login: who the name belongs to */
    char name[BACKEND_NAME_MAX + 1];
    char password[AUTH_PASSWORD_MAX + 1];
    char hash[BACKEND_HASH_MAX + 1];
} auth_job;

static void job_free(auth_job *job)
{
    sodium_memzero(job->password, sizeof job->password);
    free(job);
}

static struct {
    int running, waiting;
    auth_job *head, *tail;
} line;

static void job_done(uv_work_t *w, int status);

/* Starts waiting jobs while there is room. A job whose connection went away meanwhile is not
 * hashed: its after-callback runs at once with UV_ECANCELED (and frees the request). */
static void line_run(uv_loop_t *loop)
{
    while (line.head && line.running < AUTH_RUNNING) {
        auth_job *job = line.head;
        line.head = job->next;
        if (!line.head)
            line.tail = NULL;
        line.waiting--;
        if (!job->r->wsi || uv_queue_work(loop, &job->work, job->fn, job_done) < 0) {
            job->after(&job->work, UV_ECANCELED);
            continue;
        }
        line.running++;
    }
}

static void job_done(uv_work_t *w, int status)
{
    auth_job *job = w->data;
    uv_loop_t *loop = w->loop;
    line.running--;
    job->after(w, status); /* frees job */
    line_run(loop);
}

/* Queues fn (on the thread pool) then after (on the loop) for job, or answers 503 and frees it
 * when AUTH_RUNNING + AUTH_WAITING jobs are already in hand. */
static void job_submit(http_req *r, auth_job *job, uv_work_cb fn, uv_after_work_cb after)
{
    if (line.waiting >= AUTH_WAITING) {
        job_free(job);
        http_add_header(r, "Retry-After", "1");
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE,
                         "Too many logins and registrations at once; try again in a moment.");
        return;
    }
    job->fn = fn;
    job->after = after;
    job->next = NULL;
    if (line.tail)
        line.tail->next = job;
    else
        line.head = job;
    line.tail = job;
    line.waiting++;
    r->pending = 1;
    line_run(r->srv->loop);
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
    } else if (check_rules && !valid_name(u->valuestring)) {
        http_reply_error(r, 400, PLACE_ERR_BAD_USERNAME,
                         "Usernames are 3 to 32 letters, digits, _ or -.");
    } else if (check_rules && (strlen(p->valuestring) < AUTH_PASSWORD_MIN ||
                               strlen(p->valuestring) > AUTH_PASSWORD_MAX)) {
        http_reply_error(r, 400, PLACE_ERR_BAD_PASSWORD, "Passwords are 8 to 256 bytes long.");
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
        int n = snprintf(buf, sizeof buf,
                         "{\"success\":true,\"userId\":\"%s\",\"username\":\"%s\"}",
                         sw->user.id, sw->user.name);
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
            http_reply_error(r, 409, PLACE_ERR_USERNAME_TAKEN, NULL);
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
    if (bans_match(r->addr, 1, NULL)) {
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
        http_reply_error(r, 409, PLACE_ERR_USERNAME_TAKEN, NULL);
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
    else if (!job->ok)
        http_reply_error(r, 401, PLACE_ERR_BAD_CREDENTIALS, NULL);
    else if (b->ops->user_get(b, job->user.id, &u) < 0)
        http_reply_error(r, 401, PLACE_ERR_BAD_CREDENTIALS, NULL);
    else if (u.is_banned)
        http_reply_error(r, 403, PLACE_ERR_BANNED, NULL);
    else
        start_session(r, &u);
    job_free(job);
}

void auth_login(http_req *r)
{
    /* an address banned for everyone (not only for guests) starts no session */
    if (bans_match(r->addr, 0, NULL)) {
        http_reply_error(r, 403, PLACE_ERR_BANNED, NULL);
        return;
    }
    auth_job *job = read_credentials(r, 0);
    if (!job)
        return;
    backend *b = r->srv->store;
    if (b->ops->user_credentials(b, job->name, &job->user, job->hash) != PLACE_ERR_NONE) {
        http_reply_error(r, 401, PLACE_ERR_BAD_CREDENTIALS, NULL);
        job_free(job);
        return;
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
    static const char ok[] = "{\"success\":true}";
    http_reply_json(r, 200, ok, sizeof ok - 1);
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
