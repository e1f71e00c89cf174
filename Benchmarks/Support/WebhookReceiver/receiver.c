// A lean webhook receiver for the WebhookDelivery benchmark: HTTP/1.1 on loopback with epoll,
// keep-alive, one thread. It answers every request 204 and appends "<webhook-id> <receive time
// in CLOCK_MONOTONIC ns>" to the file named by its argument, so the benchmark can count lost and
// duplicated deliveries and time each one with the clock the host reads too. It runs as a
// process of its own so its CPU is not the host's.
//
// stdout: "port N" once listening. stdin: "count" flushes the file and answers "count N"
// (requests received so far); end of input stops it.
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { buffer_size = 1 << 16 };

struct client {
    int fd;
    size_t used;
    char data[buffer_size];
};

static FILE *out;
static unsigned long long received;

static unsigned long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

// The value of header `name` in the header block [start, end), or NULL; its length in *len.
static const char *header(const char *start, const char *end, const char *name, size_t *len) {
    size_t name_len = strlen(name);
    for (const char *line = start; line < end;) {
        const char *eol = memmem(line, (size_t)(end - line), "\r\n", 2);
        if (!eol) eol = end;
        if ((size_t)(eol - line) > name_len && line[name_len] == ':' && strncasecmp(line, name, name_len) == 0) {
            const char *value = line + name_len + 1;
            while (value < eol && *value == ' ') value++;
            *len = (size_t)(eol - value);
            return value;
        }
        line = eol + 2;
    }
    return NULL;
}

// Answers every complete request in the buffer; returns -1 when the connection must close.
static int serve(struct client *c) {
    static const char answer[] = "HTTP/1.1 204 No Content\r\n\r\n";
    size_t offset = 0;
    for (;;) {
        char *start = c->data + offset;
        size_t available = c->used - offset;
        char *blank = memmem(start, available, "\r\n\r\n", 4);
        if (!blank) break;
        size_t len = 0, body = 0;
        const char *value = header(start, blank + 2, "content-length", &len);
        if (value) body = strtoul(value, NULL, 10);
        size_t total = (size_t)(blank + 4 - start) + body;
        if (total > buffer_size) return -1;
        if (available < total) break;
        unsigned long long at = now_ns();
        const char *id = header(start, blank + 2, "webhook-id", &len);
        fprintf(out, "%.*s %llu\n", id ? (int)len : 1, id ? id : "-", at);
        received++;
        if (write(c->fd, answer, sizeof answer - 1) != (ssize_t)(sizeof answer - 1)) return -1;
        offset += total;
    }
    memmove(c->data, c->data + offset, c->used - offset);
    c->used -= offset;
    return c->used == buffer_size ? -1 : 0;
}

int main(int argc, char **argv) {
    if (argc != 2 || !(out = fopen(argv[1], "w"))) {
        fprintf(stderr, "usage: receiver OUTPUT-FILE\n");
        return 2;
    }
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t size = sizeof address;
    if (bind(listener, (struct sockaddr *)&address, sizeof address) || listen(listener, 512) ||
        getsockname(listener, (struct sockaddr *)&address, &size)) {
        perror("listen");
        return 1;
    }
    printf("port %d\n", ntohs(address.sin_port));
    fflush(stdout);

    int poll = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(poll, EPOLL_CTL_ADD, listener, &event);
    struct client control = {.fd = STDIN_FILENO};
    event.data.ptr = &control;
    epoll_ctl(poll, EPOLL_CTL_ADD, STDIN_FILENO, &event);

    struct epoll_event ready[64];
    for (;;) {
        int count = epoll_wait(poll, ready, 64, -1);
        if (count < 0 && errno == EINTR) continue;
        for (int i = 0; i < count; i++) {
            struct client *c = ready[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct client *added = calloc(1, sizeof *added);
                    added->fd = fd;
                    struct epoll_event watch = {.events = EPOLLIN, .data.ptr = added};
                    epoll_ctl(poll, EPOLL_CTL_ADD, fd, &watch);
                }
                continue;
            }
            ssize_t n = read(c->fd, c->data + c->used, buffer_size - c->used);
            if (c == &control) {
                if (n <= 0) {
                    fclose(out);
                    return 0;
                }
                c->used += (size_t)n;
                char *eol;
                while ((eol = memchr(c->data, '\n', c->used))) {
                    fflush(out);
                    printf("count %llu\n", received);
                    fflush(stdout);
                    c->used -= (size_t)(eol + 1 - c->data);
                    memmove(c->data, eol + 1, c->used);
                }
                continue;
            }
            if (n > 0) {
                c->used += (size_t)n;
                if (serve(c) == 0) continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                continue;
            }
            epoll_ctl(poll, EPOLL_CTL_DEL, c->fd, NULL);
            close(c->fd);
            free(c);
        }
    }
}
