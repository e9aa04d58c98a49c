/* httpsink: the delivery benchmark's endpoint. Answers every HTTP/1.1 request on 127.0.0.1:PORT
 * with 200 at once (keep-alive, one thread, epoll) and counts them, so that neither wrk nor hookd
 * is held back by the receiver. `httpsink PORT COUNT_FILE` writes the number of requests answered
 * to COUNT_FILE every 50 ms. Only the request head and a Content-Length body are understood: enough
 * for wrk and libcurl, not a general server. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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

enum { BUFFER = 65536, MAX_EVENTS = 256 };

struct peer {
    int fd;
    size_t used;
    char buffer[BUFFER];
};

static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Answers every complete request in the peer's buffer; returns how many, or -1 to close. */
static long answer(struct peer *peer) {
    long answered = 0;
    for (;;) {
        char *end = memmem(peer->buffer, peer->used, "\r\n\r\n", 4);
        if (!end) return peer->used == BUFFER ? -1 : answered;
        size_t head = (size_t)(end - peer->buffer) + 4, body = 0;
        for (char *line = peer->buffer; line < end; line = strstr(line, "\r\n") + 2) {
            if (strncasecmp(line, "Content-Length:", 15) == 0) body = strtoul(line + 15, NULL, 10);
        }
        if (head + body > BUFFER) return -1;
        if (peer->used < head + body) return answered;
        if (write(peer->fd, reply, sizeof reply - 1) != (ssize_t)(sizeof reply - 1)) return -1;
        memmove(peer->buffer, peer->buffer + head + body, peer->used - head - body);
        peer->used -= head + body;
        answered++;
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: httpsink PORT COUNT_FILE\n");
        return 2;
    }
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) || listen(listener, 1024)) {
        perror("httpsink: bind/listen");
        return 1;
    }
    int poller = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(poller, EPOLL_CTL_ADD, listener, &event);
    long total = 0, written = -1;
    double next_write = 0;
    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int ready = epoll_wait(poller, events, MAX_EVENTS, 50);
        for (int index = 0; index < ready; index++) {
            struct peer *peer = events[index].data.ptr;
            if (!peer) {
                int fd;
                while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct peer *fresh = calloc(1, sizeof *fresh);
                    if (!fresh) { close(fd); continue; }
                    fresh->fd = fd;
                    struct epoll_event added = {.events = EPOLLIN, .data.ptr = fresh};
                    epoll_ctl(poller, EPOLL_CTL_ADD, fd, &added);
                }
                continue;
            }
            ssize_t got = read(peer->fd, peer->buffer + peer->used, BUFFER - peer->used);
            long answered = got > 0 ? (peer->used += (size_t)got, answer(peer)) : -1;
            if (got < 0 && errno == EAGAIN) continue;
            if (answered < 0) {
                close(peer->fd);
                free(peer);
                continue;
            }
            total += answered;
        }
        if (total != written && now() >= next_write) {
            FILE *file = fopen(argv[2], "w");
            if (file) { fprintf(file, "%ld\n", total); fclose(file); }
            written = total;
            next_write = now() + 0.05;
        }
    }
}
