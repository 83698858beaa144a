/* Username and password rules (see account.h). */
#include "account.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "place/proto.h"

void account_name_key(const char *name, char out[BACKEND_NAME_MAX + 1])
{
    size_t i = 0;
    for (; name[i] && i < BACKEND_NAME_MAX; i++) {
        char ch = (char)tolower((unsigned char)name[i]);
        if (ch == 'i' || ch == '1')
            ch = 'l';
        else if (ch == '0')
            ch = 'o';
        out[i] = ch;
    }
    out[i] = 0;
}

const char *account_name_problem(const char *name)
{
    size_t n = strlen(name);
    if (n < 3 || n > BACKEND_NAME_MAX)
        return place_err_message(PLACE_ERR_BAD_USERNAME);
    for (const char *s = name; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return place_err_message(PLACE_ERR_BAD_USERNAME);
    if (!strncasecmp(name, "guest-", 6) || !strncasecmp(name, "guest_", 6))
        return "Names starting with guest- belong to guests; choose another.";
    if (!strncasecmp(name, "admin-", 6) || !strncasecmp(name, "admin_", 6))
        return "Names starting with admin- mark the changes of admins; choose another.";
    return NULL;
}

/* Passwords so common that they are the first ones any attacker tries (lower case; compared
 * without regard to case). A short list on purpose: it stops the worst, not every weak one. */
static const char *const common[] = {
    "password", "password1", "password12", "password123", "password1234", "passw0rd",
    "12345678", "123456789", "1234567890", "87654321", "11111111", "00000000", "12341234",
    "qwertyui", "qwertyuiop", "qwerty123", "qwerty12", "asdfghjk", "asdfasdf", "zxcvbnm1",
    "1q2w3e4r", "1qaz2wsx", "abc12345", "abcd1234", "iloveyou", "sunshine", "princess",
    "football", "baseball", "superman", "starwars", "trustno1", "letmein1", "welcome1",
    "whatever", "changeme", "computer", "michelle", "internet", "aaaaaaaa",
};

const char *account_password_problem(const char *password, size_t len)
{
    size_t chars = 0, spaces = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)password[i];
        if ((ch & 0xc0) != 0x80) /* count code points, not continuation bytes */
            chars++;
        if (isspace(ch))
            spaces++;
    }
    if (chars < ACCOUNT_PASSWORD_MIN)
        return place_err_message(PLACE_ERR_BAD_PASSWORD);
    if (spaces == len)
        return "A password of only spaces is no password; choose one with letters or digits.";
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
        if (!strcasecmp(password, common[i]))
            return "That password is one of the most common ones, tried first by anyone guessing; "
                   "choose another.";
    return NULL;
}

void account_guest_name(char out[BACKEND_NAME_MAX + 1], const char *id)
{
    size_t n = strnlen(id, 8);
    memcpy(out, "guest-", 6);
    memcpy(out + 6, id, n);
    out[6 + n] = 0;
}

static const char *const act_kinds[] = {[BACKEND_ACT_REVERT] = "revert",
                                        [BACKEND_ACT_WIPE] = "wipe",
                                        [BACKEND_ACT_RESTORE] = "restore"};

void account_act_id(char out[BACKEND_ID_LEN + 1], int kind, const char number[9])
{
    snprintf(out, BACKEND_ID_LEN + 1, "%s%02x%.8s", BACKEND_ACT_ID_PREFIX, kind & 0xff, number);
}

int account_act_name(const char *id, char out[BACKEND_NAME_MAX + 1])
{
    size_t plen = sizeof BACKEND_ACT_ID_PREFIX - 1;
    if (strlen(id) != BACKEND_ID_LEN || strncmp(id, BACKEND_ACT_ID_PREFIX, plen))
        return 0;
    int kind = (id[plen] - '0') * 16 + (id[plen + 1] - '0');
    if (id[plen] != '0' || kind < BACKEND_ACT_REVERT || kind > BACKEND_ACT_RESTORE)
        return 0;
    snprintf(out, BACKEND_NAME_MAX + 1, "admin-%s-%.8s", act_kinds[kind], id + plen + 2);
    return 1;
}

void account_shown_name(char out[BACKEND_NAME_MAX + 1], const char *id)
{
    if (!account_act_name(id, out))
        account_guest_name(out, id);
}
