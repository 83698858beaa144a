/* The audit log (see audit.h). */
#include <stdio.h>

#include "audit.h"

#include <pwd.h>
#include <string.h>
#include <time.h>

#include "util.h"

static void copy_text(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
    for (char *p = dst; *p; p++)
        if (*p == '\t' || *p == '\n' || *p == '\r')
            *p = ' ';
}

void audit_row_make(backend_audit_row *row, const char *who, const char *act, const char *what,
                    int64_t pixels)
{
    memset(row, 0, sizeof *row);
    row->time_ms = util_now_ms();
    copy_text(row->who, sizeof row->who, who);
    copy_text(row->act, sizeof row->act, act);
    copy_text(row->what, sizeof row->what, what);
    row->pixels = pixels;
}

int audit_record(backend *b, const char *who, const char *act, const char *what, int64_t pixels,
                 backend_done_cb done, void *arg)
{
    if (!b || !b->ops->audit_add)
        return -1;
    backend_audit_row row;
    audit_row_make(&row, who, act, what, pixels);
    return b->ops->audit_add(b, &row, done, arg);
}

void audit_os_who(uid_t uid, char out[BACKEND_AUDIT_WHO_MAX + 1])
{
    struct passwd pw, *found = NULL;
    char buf[1024];
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found && found->pw_name)
        snprintf(out, BACKEND_AUDIT_WHO_MAX + 1, "os:%.60s", found->pw_name);
    else
        snprintf(out, BACKEND_AUDIT_WHO_MAX + 1, "os:uid %u", (unsigned)uid);
}

void audit_print(FILE *out, const backend_audit_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const backend_audit_row *r = &rows[i];
        time_t t = (time_t)(r->time_ms / 1000);
        struct tm tm;
        char when[32];
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
        fprintf(out, "%s.%03dZ  %s  %s  %s", when, (int)(r->time_ms % 1000), r->who, r->act,
                r->what);
        if (r->pixels >= 0)
            fprintf(out, "  (%lld pixel%s changed)", (long long)r->pixels,
                    r->pixels == 1 ? "" : "s");
        fputc('\n', out);
    }
}
