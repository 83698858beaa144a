/* A WebSocket client that stops reading, with a small kernel receive buffer: the slow client of
 * tests/server/slow_client.test.js. Node cannot set SO_RCVBUF on a TCP socket, and left to the
 * kernel the buffers between placed and a client that stopped reading hold a few hundred KiB,
 * which took the test half a minute of broadcasting to fill.
 *
 *   place-slow-reader PORT RCVBUF DRAIN_MS
 *
 * Connects to 127.0.0.1:PORT with SO_RCVBUF = RCVBUF bytes (set before connecting, so the window
 * the kernel offers stays that small), asks for the WebSocket upgrade and reads the answer's
 * head. Then it prints one line, "LOCALPORT STATUS-LINE", and stops reading the socket until a
 * line (or the end) arrives on stdin. Then it reads the socket until the server ends it or
 * DRAIN_MS pass, and prints "END HOW N" and the N bytes received after the answer's head
 * (including any read with the head). HOW is "fin" (an orderly end), "timeout", or the error
 * (e.g. "ECONNRESET"). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char upgrade[] =
    "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

static unsigned char *buf;
static size_t len, cap;

static int append(const unsigned char *p, size_t n)
{
    if (len + n > cap) {
        size_t c = cap ? cap * 2 : 65536;
        while (c < len + n)
            c *= 2;
        unsigned char *b = realloc(buf, c);
        if (!b)
            return -1;
        buf = b;
        cap = c;
    }
    memcpy(buf + len, p, n);
    len += n;
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *errname(int e)
{
    switch (e) {
    case ECONNRESET: return "ECONNRESET";
    case EPIPE: return "EPIPE";
    case ETIMEDOUT: return "ETIMEDOUT";
    default: {
        static char other[24];
        snprintf(other, sizeof other, "errno%d", e);
        return other;
    }
    }
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: place-slow-reader PORT RCVBUF DRAIN_MS\n");
        return 2;
    }
    int port = atoi(argv[1]), rcvbuf = atoi(argv[2]);
    long long drain_ms = atoll(argv[3]);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0) {
        perror("place-slow-reader: socket");
        return 1;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        write(fd, upgrade, sizeof upgrade - 1) != (ssize_t)(sizeof upgrade - 1)) {
        perror("place-slow-reader: connect");
        return 1;
    }
    /* the answer's head */
    unsigned char chunk[65536];
    char *end = NULL;
    while (!end) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n <= 0 || append(chunk, (size_t)n) < 0 || append((const unsigned char *)"", 1) < 0) {
            fprintf(stderr, "place-slow-reader: no answer to the upgrade\n");
            return 1;
        }
        len--; /* the NUL appended only to search the text */
        end = strstr((char *)buf, "\r\n\r\n");
    }
    size_t head = (size_t)(end - (char *)buf) + 4;
    struct sockaddr_in me;
    socklen_t melen = sizeof me;
    getsockname(fd, (struct sockaddr *)&me, &melen);
    char *eol = strstr((char *)buf, "\r\n");
    printf("%d %.*s\n", ntohs(me.sin_port), (int)(eol - (char *)buf), (char *)buf);
    fflush(stdout);
    memmove(buf, buf + head, len - head);
    len -= head;

    /* stop reading until told */
    char line[16];
    if (!fgets(line, sizeof line, stdin)) {
        /* the end of stdin counts as the word too */
    }

    const char *how = "timeout";
    long long deadline = now_ms() + drain_ms;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n == 0) {
            how = "fin";
            break;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            how = errname(errno);
            break;
        }
        if (append(chunk, (size_t)n) < 0) {
            how = "out of memory";
            break;
        }
    }
    printf("END %s %zu\n", how, len);
    fwrite(buf, 1, len, stdout);
    fflush(stdout);
    close(fd);
    free(buf);
    return 0;
}
