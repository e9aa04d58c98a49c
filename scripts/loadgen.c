/*
 * loadgen: the closed-loop load generator of `make bench`.
 *
 * It drives hookd (newline-delimited JSON-RPC 2.0) and redis-server (RESP) over Unix sockets
 * with the same code, so that a ratio hookd/redis measures the servers and not the clients.
 * It is written in C, one process, one thread, epoll and non-blocking sockets, so that it can
 * drive redis at least as fast as redis-benchmark does (bench.sh prints both to show it).
 *
 *   cc -O2 -Wall -Wextra -Werror -o loadgen scripts/loadgen.c
 *   loadgen --socket /tmp/redis.sock --protocol resp --request "GET key" --connections 50 --json
 *
 * Closed loop: each connection keeps --depth requests in flight until its share of --requests
 * has been answered. Latency is measured per connection with a FIFO of send times: each reply
 * ends the oldest request in flight (replies to in-order calls arrive in order; the same rule for
 * both servers). Requests that fit are written with one write(). --fire-and-forget (jsonrpc)
 * sends notifications, then one request whose reply stops the clock: throughput only.
 *
 * Output (--json): one object with the field names of hookbench: protocol, connections, depth,
 * requests, seconds, ops_per_second, p50_us, p99_us, plus p999_us, max_us and errors. A reply
 * that is an error (JSON-RPC "error", RESP '-') is counted and makes the run fail (exit 1), as
 * do a closed connection, a malformed reply and a run longer than --timeout seconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum wire { WIRE_JSONRPC, WIRE_RESP };

struct options {
    const char *socket_path;
    enum wire wire;
    long connections, depth, requests;
    const char *request, *requests_file;
    int fire_and_forget, json;
    double timeout_seconds;
};

/* Bytes [start, end) of data are pending (to write, or read and not parsed yet). */
struct buffer {
    char *data;
    size_t start, end, capacity;
};

struct connection {
    int fd;
    struct buffer out, in;
    uint64_t *sent_at;          /* ring of the send times of the requests in flight */
    size_t ring_head, ring_count, ring_capacity;
    long to_send;               /* requests (or notifications) not queued yet */
    long to_receive;            /* replies still expected */
    size_t next_payload;        /* which request of --requests-file comes next */
    int sentinel_queued;        /* fire-and-forget: the closing request is queued */
    int watching_writes;        /* EPOLLOUT is registered */
};

struct payload {
    char *bytes;
    size_t length;
};

static struct options options = {
    .wire = WIRE_JSONRPC, .connections = 1, .depth = 1, .requests = 100000, .timeout_seconds = 120,
};
static struct payload *payloads;
static size_t payload_count;
static struct payload sentinel;  /* fire-and-forget's closing request */
static uint64_t *samples;        /* every round trip, nanoseconds */
static size_t sample_count;
static long error_replies;
static int epoll_fd;

enum { READ_CHUNK = 64 * 1024, NOTIFICATION_BATCH = 256 * 1024, MAX_RESP_NESTING = 32 };

/* ------------------------------------------------------------------ small helpers */

static void fail(const char *format, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fail(const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    fputs("loadgen: ", stderr);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
    exit(1);
}

static void *checked_malloc(size_t size) {
    void *memory = malloc(size ? size : 1);
    if (!memory) fail("out of memory (%zu bytes)", size);
    return memory;
}

static uint64_t now_ns(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (uint64_t)time.tv_sec * 1000000000u + (uint64_t)time.tv_nsec;
}

static long parse_positive(const char *text, const char *name) {
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || *end || value <= 0) fail("--%s wants a positive integer, not '%s'", name, text);
    return value;
}

/* Makes room for `extra` more bytes at the end, moving pending bytes to the front first. */
static void buffer_reserve(struct buffer *buffer, size_t extra) {
    if (buffer->start == buffer->end) buffer->start = buffer->end = 0;
    if (buffer->capacity - buffer->end >= extra) return;
    if (buffer->start > 0) {
        memmove(buffer->data, buffer->data + buffer->start, buffer->end - buffer->start);
        buffer->end -= buffer->start;
        buffer->start = 0;
    }
    if (buffer->capacity - buffer->end >= extra) return;
    size_t capacity = buffer->capacity ? buffer->capacity : 4096;
    while (capacity - buffer->end < extra) capacity *= 2;
    buffer->data = realloc(buffer->data, capacity);
    if (!buffer->data) fail("out of memory (%zu bytes)", capacity);
    buffer->capacity = capacity;
}

static void buffer_append(struct buffer *buffer, const char *bytes, size_t length) {
    buffer_reserve(buffer, length);
    memcpy(buffer->data + buffer->end, bytes, length);
    buffer->end += length;
}

static size_t buffer_pending(const struct buffer *buffer) { return buffer->end - buffer->start; }

/* ------------------------------------------------------------------ requests */

/* A JSON-RPC line gets its newline; a RESP command "GET key" becomes *2\r\n$3\r\nGET\r\n$3\r\nkey\r\n. */
static struct payload encode_request(const char *text) {
    struct buffer encoded = {0};
    if (options.wire == WIRE_JSONRPC) {
        buffer_append(&encoded, text, strlen(text));
        buffer_append(&encoded, "\n", 1);
        return (struct payload){encoded.data, encoded.end};
    }
    char *words = strdup(text), *saved, *word;
    char header[32];
    if (!words) fail("out of memory");
    int count = 0;
    for (char *scan = strtok_r(words, " ", &saved); scan; scan = strtok_r(NULL, " ", &saved)) count++;
    free(words);
    if (count == 0) fail("empty RESP command");
    buffer_append(&encoded, header, (size_t)snprintf(header, sizeof header, "*%d\r\n", count));
    words = strdup(text);
    if (!words) fail("out of memory");
    for (word = strtok_r(words, " ", &saved); word; word = strtok_r(NULL, " ", &saved)) {
        size_t length = strlen(word);
        buffer_append(&encoded, header, (size_t)snprintf(header, sizeof header, "$%zu\r\n", length));
        buffer_append(&encoded, word, length);
        buffer_append(&encoded, "\r\n", 2);
    }
    free(words);
    return (struct payload){encoded.data, encoded.end};
}

static void add_payload(const char *text) {
    payloads = realloc(payloads, (payload_count + 1) * sizeof *payloads);
    if (!payloads) fail("out of memory");
    payloads[payload_count++] = encode_request(text);
}

/* --requests-file: one request a line, empty lines skipped. */
static void load_requests_file(const char *path) {
    FILE *file = fopen(path, "r");
    if (!file) fail("cannot read %s: %s", path, strerror(errno));
    char *line = NULL;
    size_t size = 0;
    ssize_t length;
    while ((length = getline(&line, &size, file)) >= 0) {
        while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r')) line[--length] = 0;
        if (length > 0) add_payload(line);
    }
    free(line);
    fclose(file);
    if (payload_count == 0) fail("%s holds no request", path);
}

/* ------------------------------------------------------------------ reply framing */

/* Reads the integer of a RESP header line p[1 .. line_end) ("$5", "*-1", ":42"). */
static int resp_header_number(const char *p, const char *line_end, long *value) {
    char *end;
    errno = 0;
    *value = strtol(p + 1, &end, 10);
    return errno == 0 && end == line_end && end != p + 1;
}

/* One complete RESP reply at p[0 .. n): 1 and its length in *used, 0 when more bytes are needed,
 * -1 when malformed. Handles simple strings, errors, integers, bulk strings (also $-1) and arrays
 * (also *-1), nested. */
static int resp_reply(const char *p, size_t n, size_t *used, int nesting) {
    const char *newline = memchr(p, '\n', n);
    if (!newline) return 0;
    size_t line = (size_t)(newline - p) + 1;
    if (line < 3 || newline[-1] != '\r' || nesting > MAX_RESP_NESTING) return -1;
    long value;
    switch (p[0]) {
    case '+': case '-': case ':':
        *used = line;
        return 1;
    case '$':
        if (!resp_header_number(p, newline - 1, &value)) return -1;
        if (value < 0) { *used = line; return 1; }
        if (n < line + (size_t)value + 2) return 0;
        if (p[line + (size_t)value] != '\r' || p[line + (size_t)value + 1] != '\n') return -1;
        *used = line + (size_t)value + 2;
        return 1;
    case '*': {
        if (!resp_header_number(p, newline - 1, &value)) return -1;
        size_t offset = line, element;
        for (long index = 0; index < value; index++) {
            int complete = resp_reply(p + offset, n - offset, &element, nesting + 1);
            if (complete <= 0) return complete;
            offset += element;
        }
        *used = offset;
        return 1;
    }
    default:
        return -1;
    }
}

/* One complete reply at p[0 .. n) for the wire in use; *is_error says whether it is an error. */
static int next_reply(const char *p, size_t n, size_t *used, int *is_error) {
    if (options.wire == WIRE_RESP) {
        int complete = resp_reply(p, n, used, 0);
        *is_error = complete == 1 && p[0] == '-';
        return complete;
    }
    const char *newline = memchr(p, '\n', n);
    if (!newline) return 0;
    *used = (size_t)(newline - p) + 1;
    *is_error = memmem(p, *used, "\"error\":", 8) != NULL;
    return 1;
}

/* ------------------------------------------------------------------ connections */

static void watch_writes(struct connection *connection, int on) {
    if (connection->watching_writes == on) return;
    struct epoll_event event = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = connection};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_MOD, connection->fd, &event) < 0) fail("epoll_ctl: %s", strerror(errno));
    connection->watching_writes = on;
}

/* Writes what is queued with one write() (more only after a partial write); what the socket does
 * not take now waits for EPOLLOUT. */
static void flush(struct connection *connection) {
    struct buffer *out = &connection->out;
    while (buffer_pending(out) > 0) {
        ssize_t written = write(connection->fd, out->data + out->start, buffer_pending(out));
        if (written < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) { watch_writes(connection, 1); return; }
            fail("write to %s: %s", options.socket_path, strerror(errno));
        }
        out->start += (size_t)written;
    }
    out->start = out->end = 0;
    watch_writes(connection, 0);
}

static void remember_send(struct connection *connection, uint64_t time) {
    size_t slot = (connection->ring_head + connection->ring_count) % connection->ring_capacity;
    connection->sent_at[slot] = time;
    connection->ring_count++;
}

static uint64_t oldest_send(struct connection *connection) {
    uint64_t time = connection->sent_at[connection->ring_head];
    connection->ring_head = (connection->ring_head + 1) % connection->ring_capacity;
    connection->ring_count--;
    return time;
}

static void queue_next_payload(struct connection *connection) {
    const struct payload *payload = &payloads[connection->next_payload];
    connection->next_payload = (connection->next_payload + 1) % payload_count;
    buffer_append(&connection->out, payload->bytes, payload->length);
    connection->to_send--;
}

/* Queues as many requests as the window allows: up to --depth in flight (closed loop), or for
 * fire-and-forget a batch of notifications while the previous batch is written, then the sentinel. */
static void fill(struct connection *connection) {
    if (options.fire_and_forget) {
        while (connection->to_send > 0 && buffer_pending(&connection->out) < NOTIFICATION_BATCH) queue_next_payload(connection);
        if (connection->to_send == 0 && !connection->sentinel_queued) {
            buffer_append(&connection->out, sentinel.bytes, sentinel.length);
            remember_send(connection, now_ns());
            connection->sentinel_queued = 1;
        }
        return;
    }
    uint64_t time = 0;
    while (connection->to_send > 0 && connection->ring_count < (size_t)options.depth) {
        if (!time) time = now_ns();  /* one clock read for the requests of one write */
        queue_next_payload(connection);
        remember_send(connection, time);
    }
}

/* Queues and writes until the window is full or the socket takes no more. Fire-and-forget has no
 * replies to wake it up, so it keeps writing batches as long as the socket accepts them (and
 * flush() leaves EPOLLOUT on when it does not). */
static void pump(struct connection *connection) {
    do {
        fill(connection);
        flush(connection);
    } while (options.fire_and_forget && buffer_pending(&connection->out) == 0 && !connection->sentinel_queued);
}

static void open_connection(struct connection *connection, long share, uint64_t deadline) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(options.socket_path) >= sizeof address.sun_path) fail("socket path too long: %s", options.socket_path);
    strcpy(address.sun_path, options.socket_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket: %s", strerror(errno));
    /* A full accept backlog answers EAGAIN on a Unix socket: retry until the deadline. */
    while (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) {
        if (errno != EAGAIN && errno != EINTR) fail("connect to %s: %s", options.socket_path, strerror(errno));
        if (now_ns() > deadline) fail("connect to %s: timed out", options.socket_path);
        usleep(1000);
    }
    *connection = (struct connection){.fd = fd, .to_send = share, .to_receive = share};
    connection->ring_capacity = options.fire_and_forget ? 1 : (size_t)options.depth;
    connection->sent_at = checked_malloc(connection->ring_capacity * sizeof *connection->sent_at);
    if (options.fire_and_forget) connection->to_receive = 1;
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = connection};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) < 0) fail("epoll_ctl: %s", strerror(errno));
}

/* Takes every complete reply out of the read buffer; each ends the oldest request in flight. */
static void consume_replies(struct connection *connection, uint64_t now) {
    struct buffer *in = &connection->in;
    size_t used;
    int is_error, complete;
    while ((complete = next_reply(in->data + in->start, buffer_pending(in), &used, &is_error)) == 1) {
        in->start += used;
        if (connection->to_receive == 0) fail("a reply no request asked for");
        if (options.fire_and_forget && !memmem(in->data + in->start - used, used, "\"end\"", 5)) {
            error_replies++;  /* a notification was answered: only errors are */
            continue;
        }
        error_replies += is_error;
        uint64_t sent = oldest_send(connection);
        if (!options.fire_and_forget) samples[sample_count++] = now - sent;
        connection->to_receive--;
    }
    if (complete < 0) fail("malformed reply from %s", options.socket_path);
}

/* Reads what arrived, handles the complete replies and sends the requests they make room for.
 * Returns 1 when the connection has all its replies (and is closed). */
static int on_readable(struct connection *connection) {
    buffer_reserve(&connection->in, READ_CHUNK);
    struct buffer *in = &connection->in;
    ssize_t count = read(connection->fd, in->data + in->end, in->capacity - in->end);
    if (count < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
        fail("read from %s: %s", options.socket_path, strerror(errno));
    }
    if (count == 0) fail("%s closed the connection with %ld replies outstanding", options.socket_path, connection->to_receive);
    in->end += (size_t)count;
    consume_replies(connection, now_ns());
    if (connection->to_receive == 0) {
        close(connection->fd);  /* also removes it from the epoll set */
        connection->fd = -1;
        return 1;
    }
    pump(connection);
    return 0;
}

/* ------------------------------------------------------------------ the run */

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The same rule as hookbench: sorted[min(n - 1, n * p)], in microseconds. */
static double percentile_us(double p) {
    if (sample_count == 0) return 0;
    size_t index = (size_t)((double)sample_count * p);
    if (index > sample_count - 1) index = sample_count - 1;
    return (double)samples[index] / 1000.0;
}

static void report(long requests, double seconds) {
    qsort(samples, sample_count, sizeof *samples, compare_u64);
    const char *wire = options.wire == WIRE_JSONRPC ? "jsonrpc" : "resp";
    double ops = (double)requests / seconds;
    long depth = options.fire_and_forget ? 0 : options.depth;
    if (options.json) {
        printf("{\"protocol\":\"%s\",\"connections\":%ld,\"depth\":%ld,\"requests\":%ld,\"seconds\":%.6f,"
               "\"ops_per_second\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,\"errors\":%ld}\n",
               wire, options.connections, depth, requests, seconds, ops, percentile_us(0.50), percentile_us(0.99),
               percentile_us(0.999), percentile_us(1.0), error_replies);
    } else if (options.fire_and_forget) {
        printf("notifications c=%ld: %.0f ops/s\n", options.connections, ops);
    } else {
        printf("%s c=%ld d=%ld: %.0f ops/s, p50 %.1f µs, p99 %.1f µs\n", wire, options.connections, depth, ops,
               percentile_us(0.50), percentile_us(0.99));
    }
}

static void run(void) {
    uint64_t deadline = now_ns() + (uint64_t)(options.timeout_seconds * 1e9);
    struct connection *connections = checked_malloc((size_t)options.connections * sizeof *connections);
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) fail("epoll_create1: %s", strerror(errno));
    if (!options.fire_and_forget) samples = checked_malloc((size_t)options.requests * sizeof *samples);
    /* Every request is sent: the remainder of requests / connections goes to the first ones. */
    for (long index = 0; index < options.connections; index++) {
        long share = options.requests / options.connections + (index < options.requests % options.connections);
        open_connection(&connections[index], share, deadline);
    }
    uint64_t started = now_ns();  /* like redis-benchmark: the clock starts once all are connected */
    for (long index = 0; index < options.connections; index++) {
        pump(&connections[index]);
    }
    long running = options.connections;
    struct epoll_event events[256];
    while (running > 0) {
        uint64_t now = now_ns();
        if (now > deadline) fail("timed out after %.0f s (--timeout) with %ld connections unfinished", options.timeout_seconds, running);
        int ready = epoll_wait(epoll_fd, events, 256, (int)((deadline - now) / 1000000) + 1);
        if (ready < 0 && errno != EINTR) fail("epoll_wait: %s", strerror(errno));
        for (int index = 0; index < ready; index++) {
            struct connection *connection = events[index].data.ptr;
            if (connection->fd < 0) continue;
            if (events[index].events & EPOLLOUT) pump(connection);
            if (events[index].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) running -= on_readable(connection);
        }
    }
    double seconds = (double)(now_ns() - started) / 1e9;
    long requests = options.fire_and_forget ? options.requests : (long)sample_count;
    report(requests, seconds);
    if (error_replies > 0) fail("%ld of %ld replies were errors", error_replies, requests);
}

/* ------------------------------------------------------------------ options */

static void usage(FILE *stream) {
    fputs("usage: loadgen --socket PATH [--protocol jsonrpc|resp] [--connections N] [--depth D]\n"
          "               [--requests TOTAL] [--request TEXT | --requests-file FILE]\n"
          "               [--fire-and-forget] [--json] [--timeout SECONDS]\n"
          "Round trips per second and latency percentiles over a Unix socket (closed loop).\n", stream);
}

static void parse_options(int argc, char **argv) {
    static const struct option long_options[] = {
        {"socket", required_argument, 0, 's'},       {"protocol", required_argument, 0, 'p'},
        {"connections", required_argument, 0, 'c'},  {"depth", required_argument, 0, 'd'},
        {"requests", required_argument, 0, 'n'},     {"request", required_argument, 0, 'r'},
        {"requests-file", required_argument, 0, 'f'}, {"fire-and-forget", no_argument, 0, 'F'},
        {"json", no_argument, 0, 'j'},               {"timeout", required_argument, 0, 't'},
        {"help", no_argument, 0, 'h'},               {0, 0, 0, 0},
    };
    int option;
    while ((option = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (option) {
        case 's': options.socket_path = optarg; break;
        case 'p':
            if (strcmp(optarg, "jsonrpc") == 0) options.wire = WIRE_JSONRPC;
            else if (strcmp(optarg, "resp") == 0) options.wire = WIRE_RESP;
            else fail("--protocol is jsonrpc or resp, not '%s'", optarg);
            break;
        case 'c': options.connections = parse_positive(optarg, "connections"); break;
        case 'd': options.depth = parse_positive(optarg, "depth"); break;
        case 'n': options.requests = parse_positive(optarg, "requests"); break;
        case 'r': options.request = optarg; break;
        case 'f': options.requests_file = optarg; break;
        case 'F': options.fire_and_forget = 1; break;
        case 'j': options.json = 1; break;
        case 't': options.timeout_seconds = (double)parse_positive(optarg, "timeout"); break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); exit(2);
        }
    }
    if (optind < argc || !options.socket_path) { usage(stderr); exit(2); }
    if (options.requests < options.connections) fail("--requests must be at least one per connection");
    if (options.fire_and_forget && options.wire != WIRE_JSONRPC) fail("--fire-and-forget is for jsonrpc");
}

int main(int argc, char **argv) {
    parse_options(argc, argv);
    signal(SIGPIPE, SIG_IGN);  /* a closed peer is reported by write() */
    if (options.requests_file) load_requests_file(options.requests_file);
    else if (options.request) add_payload(options.request);
    else add_payload(options.wire == WIRE_JSONRPC ? "{\"jsonrpc\":\"2.0\",\"method\":\"system.echo\",\"params\":{\"value\":\"hello\"},\"id\":1}"
                                                  : "GET hookbench:key");
    if (options.fire_and_forget)
        sentinel = encode_request("{\"jsonrpc\":\"2.0\",\"method\":\"system.echo\",\"params\":{\"value\":0},\"id\":\"end\"}");
    run();
    return 0;
}
