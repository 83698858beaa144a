/* The session token every native client shares: the token file, login, logout, and reading a
 * password from the terminal without echo. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "client_int.h"

/* The directory holding the session file: $XDG_CONFIG_HOME/place, else ~/.config/place. */
static int session_dir(char *out, size_t cap)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg && *xdg == '/')
        n = snprintf(out, cap, "%s/place", xdg);
    else if (home && *home)
        n = snprintf(out, cap, "%s/.config/place", home);
    else
        return PLACE_ERANGE;
    return n < 0 || (size_t)n >= cap ? PLACE_ESHORT : 0;
}

int place_client_token_path(char *out, size_t cap)
{
    char dir[1024];
    int rc = session_dir(dir, sizeof dir);
    if (rc < 0)
        return rc;
    int n = snprintf(out, cap, "%s/session", dir);
    return n < 0 || (size_t)n >= cap ? PLACE_ESHORT : 0;
}

int place_client_token_load(char token[PLACE_CLIENT_TOKEN_MAX + 1])
{
    char path[1100];
    token[0] = '\0';
    if (place_client_token_path(path, sizeof path) < 0)
        return 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : PLACE_EFORMAT;
    char line[PLACE_CLIENT_TOKEN_MAX + 8];
    int rc = 0;
    if (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n \t")] = '\0';
        if (line[0] && strlen(line) <= PLACE_CLIENT_TOKEN_MAX) {
            strcpy(token, line);
            rc = 1;
        }
    }
    fclose(f);
    return rc;
}

/* mkdir -p with mode 0700 for the directories we create. */
static int make_dirs(const char *dir)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) < 0 && errno != EEXIST)
            return PLACE_EFORMAT;
        *p = '/';
    }
    if (mkdir(buf, 0700) < 0 && errno != EEXIST)
        return PLACE_EFORMAT;
    chmod(buf, 0700); /* the last one is ours: keep it private even if it existed */
    return 0;
}

int place_client_token_save(const char *token)
{
    char dir[1024], path[1100], tmp[1200];
    int rc = session_dir(dir, sizeof dir);
    if (rc < 0)
        return rc;
    if ((rc = make_dirs(dir)) < 0)
        return rc;
    snprintf(path, sizeof path, "%s/session", dir);
    snprintf(tmp, sizeof tmp, "%s/.session.%ld", dir, (long)getpid());
    /* Written beside and renamed over, so a reader never sees half a token. */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return PLACE_EFORMAT;
    size_t len = strlen(token);
    int ok = write(fd, token, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
    ok = fchmod(fd, 0600) == 0 && ok;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) < 0) {
        unlink(tmp);
        return PLACE_EFORMAT;
    }
    return 0;
}

int place_client_token_clear(void)
{
    char path[1100];
    if (place_client_token_path(path, sizeof path) < 0)
        return 0;
    if (unlink(path) < 0 && errno != ENOENT)
        return PLACE_EFORMAT;
    return 0;
}

/* POSTs json to url + path with the session token ("" or NULL: none). Returns 0 with the
 * server's 200 answer in *resp (the caller frees resp->body), or a negative code with the
 * reason in err: the network's, or the server's words for any other status. */
static int post(const char *url, const char *path, const char *session, const char *json,
                http_resp *resp, char *err, size_t errlen)
{
    char full[1024], neterr[256];
    snprintf(full, sizeof full, "%s%s", url, path);
    int rc = client_http_request("POST", full, session, json, 15000, NULL, resp, neterr,
                                 sizeof neterr);
    if (rc < 0) {
        snprintf(err, errlen, "Cannot reach the server (%s).", neterr);
        return rc;
    }
    if (resp->status != 200) {
        client_http_error_text(resp, err, errlen, NULL);
        free(resp->body);
        return PLACE_EFORMAT;
    }
    return 0;
}

/* POSTs {username, password} to path with the session token (NULL: none) and puts the session
 * the server hands out into token. */
static int account_post(const char *url, const char *path, const char *session,
                        const char *username, const char *password,
                        char token[PLACE_CLIENT_TOKEN_MAX + 1], char *err, size_t errlen)
{
    token[0] = '\0';
    curl_global_init(CURL_GLOBAL_DEFAULT);
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "username", username) ||
        !cJSON_AddStringToObject(o, "password", password)) {
        cJSON_Delete(o);
        snprintf(err, errlen, "out of memory");
        return PLACE_ENOMEM;
    }
    char *body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!body) {
        snprintf(err, errlen, "out of memory");
        return PLACE_ENOMEM;
    }
    http_resp resp;
    int rc = post(url, path, session, body, &resp, err, errlen);
    memset(body, 0, strlen(body)); /* the password should not linger in freed memory */
    cJSON_free(body);
    if (rc < 0)
        return rc;
    if (!resp.token[0]) {
        snprintf(err, errlen, "The server did not hand out a session.");
        rc = PLACE_EFORMAT;
    } else {
        snprintf(token, PLACE_CLIENT_TOKEN_MAX + 1, "%s", resp.token);
    }
    free(resp.body);
    return rc;
}

int place_client_login(const char *url, const char *username, const char *password,
                       char token[PLACE_CLIENT_TOKEN_MAX + 1], char *err, size_t errlen)
{
    return account_post(url, "/api/v1/auth/login", NULL, username, password, token, err, errlen);
}

int place_client_account_check(const char *username, const char *password, char *err,
                               size_t errlen)
{
    size_t n = strlen(username);
    int name_ok = n >= 3 && n <= 32 && strspn(username, "abcdefghijklmnopqrstuvwxyz"
                                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                        "0123456789_-") == n;
    int pass_ok = strlen(password) >= 8;
    /* the error table's words (common/src/proto.c, the browser's too), every problem at once */
    snprintf(err, errlen, "%s%s%s", name_ok ? "" : place_err_message(PLACE_ERR_BAD_USERNAME),
             !name_ok && !pass_ok ? " " : "", pass_ok ? "" : place_err_message(PLACE_ERR_BAD_PASSWORD));
    return name_ok && pass_ok ? 0 : PLACE_EFORMAT;
}

int place_client_account(const char *url, int reg, const char *session, const char *username,
                         const char *password, char token[PLACE_CLIENT_TOKEN_MAX + 1], char *err,
                         size_t errlen)
{
    token[0] = '\0';
    int rc = place_client_account_check(username, password, err, errlen);
    if (rc < 0)
        return rc;
    rc = account_post(url, reg ? "/api/v1/auth/register" : "/api/v1/auth/login", session,
                      username, password, token, err, errlen);
    if (rc < 0)
        return rc;
    if (place_client_token_save(token) < 0) {
        snprintf(err, errlen, "Logged in, but the session could not be saved.");
        return PLACE_EFORMAT;
    }
    return 0;
}

int place_client_logout(const char *url, const char *token, char *err, size_t errlen)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    http_resp resp;
    int rc = post(url, "/api/v1/auth/logout", token, "{}", &resp, err, errlen);
    if (rc == 0)
        free(resp.body);
    return rc;
}

int place_client_read_password(const char *prompt, char *buf, size_t cap)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return PLACE_EFORMAT;
    struct termios old, quiet;
    int have_tty = tcgetattr(fd, &old) == 0;
    if (have_tty) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    if (write(fd, prompt, strlen(prompt)) < 0) {
        /* nothing to do: the prompt is a courtesy */
    }
    size_t n = 0;
    int rc = 0;
    for (;;) {
        char ch;
        ssize_t r = read(fd, &ch, 1);
        if (r <= 0 || ch == '\n' || ch == '\r')
            break;
        if (n + 1 >= cap) {
            rc = PLACE_ESHORT;
            continue; /* swallow the rest of the line */
        }
        buf[n++] = ch;
    }
    buf[n] = '\0';
    if (have_tty)
        tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) {
        /* as above */
    }
    close(fd);
    return rc < 0 ? rc : (int)n;
}

int place_client_login_interactive(const char *prog, const char *url, const char *user)
{
    char password[300];
    char prompt[128];
    snprintf(prompt, sizeof prompt, "Password for %s: ", user);
    if (place_client_read_password(prompt, password, sizeof password) < 0) {
        fprintf(stderr, "%s: cannot read a password from the terminal\n", prog);
        return -1;
    }
    char token[PLACE_CLIENT_TOKEN_MAX + 1], err[300];
    int rc = place_client_login(url, user, password, token, err, sizeof err);
    memset(password, 0, sizeof password);
    if (rc < 0) {
        fprintf(stderr, "%s: login failed: %s\n", prog, err);
        return -1;
    }
    if (place_client_token_save(token) < 0) {
        fprintf(stderr, "%s: logged in, but the session could not be saved\n", prog);
        return -1;
    }
    return 0;
}

int place_client_logout_stored(const char *prog, const char *url)
{
    char token[PLACE_CLIENT_TOKEN_MAX + 1], err[300];
    if (place_client_token_load(token) == 1 && place_client_logout(url, token, err, sizeof err) < 0)
        fprintf(stderr, "%s: the server did not confirm the logout (%s); forgetting the "
                        "session anyway\n", prog, err);
    if (place_client_token_clear() < 0) {
        fprintf(stderr, "%s: cannot remove the session file\n", prog);
        return 1;
    }
    printf("Logged out.\n");
    return 0;
}
