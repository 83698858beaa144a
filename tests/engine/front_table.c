/* Prints what each key does in the native clients' normal mode (common/src/front.c) as one JSON
 * object, for the browser's check of its own key map (tests/web/logic.test.js against
 * assets/web/js/keys.js):
 *   {"chars": {"h": "left", ...},          every typed character with an action
 *    "named": {"Enter": "place", ...}}     the named keys, by the browser's KeyboardEvent.key
 *                                          (with "Shift+" / "Ctrl+" when held)
 * An action without a name (place_front_action_name) is printed as null, which the check
 * reports. */
#include <stdio.h>

#include "place/front.h"

static const struct {
    place_front_key_name k;
    const char *browser; /* the browser's name for it */
} named[] = {
    {PLACE_KEY_ENTER, "Enter"},          {PLACE_KEY_ESCAPE, "Escape"},
    {PLACE_KEY_BACKSPACE, "Backspace"},  {PLACE_KEY_TAB, "Tab"},
    {PLACE_KEY_BACKTAB, "Shift+Tab"},    {PLACE_KEY_LEFT, "ArrowLeft"},
    {PLACE_KEY_RIGHT, "ArrowRight"},     {PLACE_KEY_UP, "ArrowUp"},
    {PLACE_KEY_DOWN, "ArrowDown"},       {PLACE_KEY_SLEFT, "Shift+ArrowLeft"},
    {PLACE_KEY_SRIGHT, "Shift+ArrowRight"}, {PLACE_KEY_SUP, "Shift+ArrowUp"},
    {PLACE_KEY_SDOWN, "Shift+ArrowDown"}, {PLACE_KEY_CTRL_L, "Ctrl+l"},
    {PLACE_KEY_CTRL_C, "Ctrl+c"},
};

static void put_action(place_front_action a)
{
    const char *name = place_front_action_name(a);
    if (name)
        printf("\"%s\"", name);
    else
        printf("null");
}

int main(void)
{
    printf("{\"chars\":{");
    int first = 1;
    for (int ch = 0x20; ch < 0x7f; ch++) {
        place_front_action a = place_front_action_of_char(ch);
        if (a == PLACE_ACT_NONE)
            continue;
        printf(ch == '"' || ch == '\\' ? "%s\"\\%c\":" : "%s\"%c\":", first ? "" : ",", ch);
        put_action(a);
        first = 0;
    }
    printf("},\"named\":{");
    first = 1;
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        place_front_action a = place_front_action_of_key(named[i].k);
        if (a == PLACE_ACT_NONE)
            continue;
        printf("%s\"%s\":", first ? "" : ",", named[i].browser);
        put_action(a);
        first = 0;
    }
    printf("}}\n");
    return ferror(stdout) ? 1 : 0;
}
