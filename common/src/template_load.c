/* Loading a template (place/template.h): a PNG from a file or an http(s) URL, decoded with
 * libpng's simplified API (which checks the file and reports errors as text, never longjmp-ing
 * through our code), read with libcurl for a URL. */
#include "place/template.h"

#include <curl/curl.h>
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DOWNLOAD_TIMEOUT_S 15L

int place_template_decode_png(place_template *t, const uint8_t *buf, size_t len, char *err,
                              size_t errlen)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (len < 8 || png_sig_cmp(buf, 0, 8) != 0) {
        snprintf(err, errlen, "not a PNG file");
        return -1;
    }
    if (!png_image_begin_read_from_memory(&img, buf, len)) {
        snprintf(err, errlen, "a malformed PNG: %s", img.message);
        png_image_free(&img);
        return -1;
    }
    /* The size is known before anything big is allocated. */
    if (img.width == 0 || img.height == 0 ||
        (uint64_t)img.width * img.height > PLACE_TEMPLATE_MAX_PIXELS) {
        snprintf(err, errlen, "the template is %ux%u: more than the %u megapixels allowed",
                 img.width, img.height, PLACE_TEMPLATE_MAX_PIXELS >> 20);
        png_image_free(&img);
        return -1;
    }
    img.format = PNG_FORMAT_RGBA;
    size_t n = PNG_IMAGE_SIZE(img);
    uint8_t *rgba = malloc(n);
    if (!rgba) {
        snprintf(err, errlen, "out of memory for a %ux%u template", img.width, img.height);
        png_image_free(&img);
        return -1;
    }
    if (!png_image_finish_read(&img, NULL, rgba, 0, NULL)) {
        snprintf(err, errlen, "a malformed PNG: %s", img.message);
        png_image_free(&img);
        free(rgba);
        return -1;
    }
    int rc = place_template_from_rgba(t, rgba, img.width, img.height, err, errlen);
    png_image_free(&img);
    free(rgba);
    return rc;
}

typedef struct download {
    uint8_t *buf;
    size_t len, cap;
    int too_big;
} download;

static size_t on_data(char *p, size_t size, size_t n, void *user)
{
    download *d = user;
    size_t k = size * n;
    if (d->len + k > PLACE_TEMPLATE_MAX_BYTES) {
        d->too_big = 1;
        return 0; /* stops the transfer */
    }
    if (d->len + k > d->cap) {
        size_t cap = d->cap ? d->cap : 65536;
        while (cap < d->len + k)
            cap *= 2;
        uint8_t *b = realloc(d->buf, cap);
        if (!b)
            return 0;
        d->buf = b;
        d->cap = cap;
    }
    memcpy(d->buf + d->len, p, k);
    d->len += k;
    return k;
}

static int fetch_url(const char *url, download *d, char *err, size_t errlen)
{
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "cannot start a download of %s", url);
        return -1;
    }
    char curl_err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, DOWNLOAD_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE, (long)PLACE_TEMPLATE_MAX_BYTES);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, d);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "place-template/1");
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (d->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(err, errlen, "%s is larger than %u MB: not a template", url,
                 PLACE_TEMPLATE_MAX_BYTES >> 20);
        return -1;
    }
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "cannot download %s: %s", url,
                 curl_err[0] ? curl_err : curl_easy_strerror(rc));
        return -1;
    }
    if (status != 200) {
        snprintf(err, errlen, "cannot download %s: HTTP %ld", url, status);
        return -1;
    }
    return 0;
}

static int read_file(const char *path, download *d, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    char chunk[65536];
    size_t k;
    int rc = 0;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (on_data(chunk, 1, k, d) != k) {
            if (d->too_big)
                snprintf(err, errlen, "%s is larger than %u MB: not a template", path,
                         PLACE_TEMPLATE_MAX_BYTES >> 20);
            else
                snprintf(err, errlen, "out of memory reading %s", path);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        rc = -1;
    }
    fclose(f);
    return rc;
}

int place_template_load(place_template *t, const char *src, char *err, size_t errlen)
{
    download d = {0};
    int url = strncasecmp(src, "http://", 7) == 0 || strncasecmp(src, "https://", 8) == 0;
    int rc = url ? fetch_url(src, &d, err, errlen) : read_file(src, &d, err, errlen);
    if (rc == 0) {
        char why[256];
        rc = place_template_decode_png(t, d.buf, d.len, why, sizeof why);
        if (rc < 0)
            snprintf(err, errlen, "%s: %s", src, why);
    }
    free(d.buf);
    return rc;
}
