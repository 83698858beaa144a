/* Prints common/'s protocol tables as one JSON object: the error codes with their words, the
 * palette with its colour names, and the wire constants. tests/web/logic.test.js compares the
 * browser's copies (assets/web/js/protocol.js) with this, so the two cannot drift apart. */
#include <stdio.h>

#include "place/bitmap.h"
#include "place/palette.h"
#include "place/proto.h"

/* s as a JSON string literal (the tables hold printable text; quotes and backslashes escaped,
 * anything below 0x20 as \u00XX). */
static void put_str(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

int main(void)
{
    printf("{\"protoVersion\":%d,\"batchKind\":%d,\"batchVersion\":%d,\"batchHeader\":%d,"
           "\"batchRecord\":%d,\"maxTextFrame\":%d,\"maxRequestId\":%d,\"colors\":%d,",
           PLACE_PROTO_VERSION, PLACE_BATCH_KIND, PLACE_BATCH_VERSION, PLACE_BATCH_HEADER_SIZE,
           PLACE_BATCH_RECORD_SIZE, PLACE_MAX_TEXT_FRAME, PLACE_MAX_REQUEST_ID, PLACE_COLORS);
    printf("\"snapshotMagic\":\"%s\",\"snapshotVersion\":%d,\"snapshotHeader\":%d,"
           "\"maxSide\":%u,",
           PLACE_SNAPSHOT_MAGIC, PLACE_SNAPSHOT_VERSION, PLACE_SNAPSHOT_HEADER_SIZE, PLACE_MAX_SIDE);
    printf("\"closeCodes\":{\"SESSION_ENDED\":%d,\"BANNED\":%d},", PLACE_CLOSE_SESSION_ENDED,
           PLACE_CLOSE_BANNED);
    printf("\"palette\":[");
    for (int i = 0; i < PLACE_COLORS; i++) {
        char hex[8];
        place_color_hex(i, hex);
        printf("%s", i ? "," : "");
        put_str(hex);
    }
    printf("],\"colorNames\":[");
    for (int i = 0; i < PLACE_COLORS; i++) {
        printf("%s", i ? "," : "");
        put_str(place_color_name(i));
    }
    printf("],\"errors\":{");
    for (int e = PLACE_ERR_NONE + 1; e < PLACE_ERR_COUNT_; e++) {
        printf("%s", e > PLACE_ERR_NONE + 1 ? "," : "");
        put_str(place_err_code((place_err)e));
        putchar(':');
        put_str(place_err_message((place_err)e));
    }
    printf("}}\n");
    return ferror(stdout) ? 1 : 0;
}
