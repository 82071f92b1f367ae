// tools/loadgen.c — the lean load client of `tools/load --client lean` (issue 6). `tools/load` compiles it into its
// temporary directory on every run (`gcc -O2 -std=c11`); nothing to install.
//
// Why it exists: on this 2-core machine the client and the server share the cores, and wrk spent ~9–10 µs of CPU
// per request (82 % in the kernel: a `write`, an `epoll_ctl` re-arming the write event and a `read` per request,
// plus LuaJIT) — CPU taken from the server it measures. This client does the same closed loop with less: one
// thread, level-triggered epoll with each socket registered once for EPOLLIN, and the next request written right
// after a full response is read (one `read` + one `write` per request; EPOLLOUT only when a socket cannot take a
// whole request, which ~250 bytes on a fresh keep-alive socket never hits in practice).
//
// What it does, like tools/load's wrk script: N keep-alive TCP connections to 127.0.0.1:PORT (TCP_NODELAY), exactly
// one outstanding request per connection, for a fixed duration; every request a debit
//   POST /api/v1/debits, Authorization: Bearer KEY,
//   {"user_id":"u<counter % 1000>","amount":"0.001","request_id":"t<connection>-<counter>"}
// with a process-wide counter (so every request_id is unique). At the end of the duration no new request is sent
// and the outstanding ones are awaited (at most `--timeout` seconds): every response the server sent is counted, so
// tools/load can check that the log holds exactly as many debits as 200s counted here.
//
// Output (stdout): the four lines of the wrk script's `done()`, so tools/bench.py parses either client:
//   requests   N in S s
//   throughput X durable debits/s
//   errors     connect C, read R, write W, status S, timeout T
//   latency    p50 … ms, p99 … ms, p99.9 … ms, max … ms
// then (stderr) the client's own CPU time. Exit status 0 only if there were no errors of any kind; each non-200
// response is printed to stderr (the first `status_print_count_max`). Latency is per request, from just before its
// `write` to the read that completed its response, kept in a log-linear histogram of fixed size (relative error
// below 1/64; percentiles report the bucket's upper edge, clamped to the exact maximum).
//
//   loadgen --port P --key KEY [--connections 64] [--duration 10] [--timeout 10]
//   loadgen --self-test

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

// Bounds (explicit, checked).
enum {
    connection_count_max = 1024,
    key_size_bytes_max = 256,
    request_size_bytes_max = 1024,    // head + body; the debit request is ~250 bytes with a 64-character key
    body_size_bytes_max = 256,
    response_size_bytes_max = 16384,  // one response: a debit's 200 is ~200 bytes, an error body < 1 KiB
    epoll_event_count_max = 256,
    status_print_count_max = 5,
    duration_seconds_max = 3600,
    timeout_seconds_max = 600,
};

// Latency histogram: values in nanoseconds. Below 2^sub_bits a bucket per nanosecond; above, each power of two is
// split into 2^(sub_bits-1) equal buckets. Values ≥ 2^histogram_value_bits_max ns (~18 min) go to the last bucket.
enum {
    sub_bits = 7,
    sub_half_count = 1 << (sub_bits - 1),
    histogram_value_bits_max = 40,
    histogram_bucket_count = (histogram_value_bits_max - sub_bits + 2) * sub_half_count,
};

typedef struct {
    uint64_t counts[histogram_bucket_count];
    uint64_t total_count;
    uint64_t max_ns;
} Histogram;

static uint32_t histogram_index(uint64_t value_ns) {
    if (value_ns >= (UINT64_C(1) << histogram_value_bits_max)) value_ns = (UINT64_C(1) << histogram_value_bits_max) - 1;
    if (value_ns < (UINT64_C(1) << sub_bits)) return (uint32_t)value_ns;
    uint32_t msb = 63u - (uint32_t)__builtin_clzll(value_ns);
    uint32_t group = msb - sub_bits + 1;  // ≥ 1
    uint32_t mantissa = (uint32_t)(value_ns >> group);  // in [2^(sub_bits-1), 2^sub_bits)
    uint32_t index = group * sub_half_count + mantissa;
    return index;
}

// The largest value that falls into `index`.
static uint64_t histogram_upper_ns(uint32_t index) {
    if (index < (1u << sub_bits)) return index;
    uint32_t group = index / sub_half_count - 1;
    uint64_t mantissa = index - (uint64_t)group * sub_half_count;
    return ((mantissa + 1) << group) - 1;
}

static void histogram_record(Histogram *histogram, uint64_t value_ns) {
    uint32_t index = histogram_index(value_ns);
    if (index >= histogram_bucket_count) {
        fprintf(stderr, "loadgen: assertion failed: histogram index %u\n", index);
        abort();
    }
    histogram->counts[index] += 1;
    histogram->total_count += 1;
    if (value_ns > histogram->max_ns) histogram->max_ns = value_ns;
}

static double histogram_percentile_ms(const Histogram *histogram, double percentile) {
    if (histogram->total_count == 0) return 0;
    uint64_t rank = (uint64_t)((percentile / 100.0) * (double)histogram->total_count + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > histogram->total_count) rank = histogram->total_count;
    uint64_t seen = 0;
    for (uint32_t index = 0; index < histogram_bucket_count; index++) {
        seen += histogram->counts[index];
        if (seen >= rank) {
            uint64_t value_ns = histogram_upper_ns(index);
            if (value_ns > histogram->max_ns) value_ns = histogram->max_ns;
            return (double)value_ns / 1e6;
        }
    }
    return (double)histogram->max_ns / 1e6;
}

typedef struct {
    int fd;
    uint32_t index;
    bool outstanding;       // a request written (or being written) and its response not yet complete
    bool wants_output;      // registered for EPOLLOUT: the request did not fit in one write
    uint32_t request_size_bytes;
    uint32_t request_written_bytes;
    uint32_t response_size_bytes;      // bytes received of the current response
    uint32_t response_head_size_bytes; // 0 until CRLFCRLF was seen
    uint32_t response_total_size_bytes;
    uint32_t response_status;
    uint64_t request_start_ns;
    char request[request_size_bytes_max];
    char response[response_size_bytes_max];
} Connection;

typedef struct {
    uint64_t connect, read, write, status, timeout;
} Errors;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static void fatal(const char *message) {
    fprintf(stderr, "loadgen: error: %s\n", message);
    exit(2);
}

static void usage(void) {
    fprintf(stderr, "usage: loadgen --port P --key KEY [--connections 1..%d] [--duration 1..%d] [--timeout 1..%d]\n",
            connection_count_max, duration_seconds_max, timeout_seconds_max);
    exit(2);
}

static long parse_bounded(const char *text, long low, long high, const char *name) {
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < low || value > high) {
        fprintf(stderr, "loadgen: error: %s must be an integer in %ld…%ld, got '%s'\n", name, low, high, text);
        exit(2);
    }
    return value;
}

// Globals of the one run (one thread).
static char request_prefix[request_size_bytes_max];  // the head up to Content-Length's value
static uint32_t request_prefix_size_bytes;
static uint64_t request_counter;
static Histogram latency;
static Errors errors;
static uint64_t response_ok_count;
static uint64_t response_count;
static uint32_t status_printed_count;

static uint32_t format_u64(char *out, uint64_t value) {
    char digits[24];
    uint32_t count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    for (uint32_t i = 0; i < count; i++) out[i] = digits[count - 1 - i];
    return count;
}

// Builds the next debit into `connection->request`.
static void request_build(Connection *connection) {
    request_counter += 1;
    char body[body_size_bytes_max];
    int body_size = snprintf(body, sizeof body,
                             "{\"user_id\":\"u%llu\",\"amount\":\"0.001\",\"request_id\":\"t%u-%llu\"}",
                             (unsigned long long)(request_counter % 1000), connection->index,
                             (unsigned long long)request_counter);
    if (body_size <= 0 || (size_t)body_size >= sizeof body) fatal("request body does not fit its buffer");
    char *out = connection->request;
    uint32_t size = request_prefix_size_bytes;
    memcpy(out, request_prefix, size);
    size += format_u64(out + size, (uint64_t)body_size);
    if (size + 4 + (uint32_t)body_size > request_size_bytes_max) fatal("request does not fit its buffer");
    memcpy(out + size, "\r\n\r\n", 4);
    size += 4;
    memcpy(out + size, body, (size_t)body_size);
    size += (uint32_t)body_size;
    connection->request_size_bytes = size;
    connection->request_written_bytes = 0;
    connection->response_size_bytes = 0;
    connection->response_head_size_bytes = 0;
    connection->response_total_size_bytes = 0;
    connection->response_status = 0;
}

static void set_interest(int epoll_fd, Connection *connection, bool wants_output) {
    if (connection->wants_output == wants_output) return;
    struct epoll_event event = {.events = EPOLLIN | (wants_output ? EPOLLOUT : 0), .data.u32 = connection->index};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_MOD, connection->fd, &event) != 0) {
        perror("loadgen: epoll_ctl");
        exit(2);
    }
    connection->wants_output = wants_output;
}

// Writes what is left of the request. Returns false on a write error (counted).
static bool request_write(int epoll_fd, Connection *connection) {
    while (connection->request_written_bytes < connection->request_size_bytes) {
        ssize_t written = write(connection->fd, connection->request + connection->request_written_bytes,
                                connection->request_size_bytes - connection->request_written_bytes);
        if (written > 0) {
            connection->request_written_bytes += (uint32_t)written;
            continue;
        }
        if (written < 0 && errno == EINTR) continue;
        if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_interest(epoll_fd, connection, true);  // the rare path: finish on EPOLLOUT
            return true;
        }
        fprintf(stderr, "loadgen: write on connection %u: %s\n", connection->index,
                written < 0 ? strerror(errno) : "wrote nothing");
        errors.write += 1;
        return false;
    }
    set_interest(epoll_fd, connection, false);
    return true;
}

static void request_send(int epoll_fd, Connection *connection) {
    request_build(connection);
    connection->outstanding = true;
    connection->request_start_ns = now_ns();
    if (!request_write(epoll_fd, connection)) connection->outstanding = false;
}

// Parses the head once CRLFCRLF is in the buffer. Returns false on a malformed or unsupported response (counted as
// a read error: the connection's stream can no longer be trusted).
static bool response_parse_head(Connection *connection, uint32_t search_from) {
    const char *buffer = connection->response;
    uint32_t size = connection->response_size_bytes;
    uint32_t head_end = 0;
    for (uint32_t i = search_from; i + 4 <= size; i++) {
        if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n') {
            head_end = i + 4;
            break;
        }
    }
    if (head_end == 0) return true;  // not yet
    // Status line: "HTTP/1.1 NNN ...".
    if (head_end < 16 || memcmp(buffer, "HTTP/1.1 ", 9) != 0 || buffer[9] < '1' || buffer[9] > '5' ||
        buffer[10] < '0' || buffer[10] > '9' || buffer[11] < '0' || buffer[11] > '9' || buffer[12] != ' ') {
        fprintf(stderr, "loadgen: connection %u: malformed status line: %.*s\n", connection->index,
                (int)(head_end < 80 ? head_end : 80), buffer);
        return false;
    }
    connection->response_status = (uint32_t)((buffer[9] - '0') * 100 + (buffer[10] - '0') * 10 + (buffer[11] - '0'));
    // Headers: one line each, up to the blank line.
    bool has_length = false;
    uint64_t content_length = 0;
    uint32_t line = 0;
    while (buffer[line] != '\r' || buffer[line + 1] != '\n') line++;  // end of the status line (head_end bounds it)
    line += 2;
    while (line + 2 < head_end) {
        uint32_t end = line;
        while (buffer[end] != '\r') end++;  // bounded: the head ends in CRLFCRLF
        uint32_t length = end - line;
        static const char content_length_name[] = "content-length:";
        static const char transfer_encoding_name[] = "transfer-encoding:";
        static const char connection_close[] = "connection: close";
        if (length >= sizeof content_length_name - 1 &&
            strncasecmp(buffer + line, content_length_name, sizeof content_length_name - 1) == 0) {
            uint32_t at = line + (uint32_t)sizeof content_length_name - 1;
            while (at < end && buffer[at] == ' ') at++;
            if (at == end) return false;
            for (; at < end && buffer[at] != ' '; at++) {
                if (buffer[at] < '0' || buffer[at] > '9' || content_length > response_size_bytes_max) return false;
                content_length = content_length * 10 + (uint64_t)(buffer[at] - '0');
            }
            has_length = true;
        } else if (length >= sizeof transfer_encoding_name - 1 &&
                   strncasecmp(buffer + line, transfer_encoding_name, sizeof transfer_encoding_name - 1) == 0) {
            fprintf(stderr, "loadgen: connection %u: Transfer-Encoding is not supported (a debit's answer has a "
                            "Content-Length)\n", connection->index);
            return false;
        } else if (length == sizeof connection_close - 1 &&
                   strncasecmp(buffer + line, connection_close, sizeof connection_close - 1) == 0) {
            fprintf(stderr, "loadgen: connection %u: the server closes the connection (Connection: close)\n",
                    connection->index);
            return false;
        }
        line = end + 2;
    }
    if (!has_length) {
        fprintf(stderr, "loadgen: connection %u: response without Content-Length\n", connection->index);
        return false;
    }
    if (head_end + content_length > response_size_bytes_max) {
        fprintf(stderr, "loadgen: connection %u: response of %llu bytes exceeds the bound of %d\n",
                connection->index, (unsigned long long)(head_end + content_length), response_size_bytes_max);
        return false;
    }
    connection->response_head_size_bytes = head_end;
    connection->response_total_size_bytes = head_end + (uint32_t)content_length;
    return true;
}

// Reads what is there. Returns 1 when the response is complete, 0 when more is to come, -1 on an error (counted).
static int response_read(Connection *connection) {
    uint32_t capacity = response_size_bytes_max - connection->response_size_bytes;
    if (capacity == 0) {
        fprintf(stderr, "loadgen: connection %u: response head exceeds %d bytes\n", connection->index,
                response_size_bytes_max);
        errors.read += 1;
        return -1;
    }
    ssize_t received = read(connection->fd, connection->response + connection->response_size_bytes, capacity);
    if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
    if (received <= 0) {
        fprintf(stderr, "loadgen: read on connection %u: %s\n", connection->index,
                received < 0 ? strerror(errno) : "the server closed the connection");
        errors.read += 1;
        return -1;
    }
    if (!connection->outstanding) {
        fprintf(stderr, "loadgen: connection %u: %zd bytes with no request outstanding\n", connection->index,
                received);
        errors.read += 1;
        return -1;
    }
    uint32_t before = connection->response_size_bytes;
    connection->response_size_bytes += (uint32_t)received;
    if (connection->response_head_size_bytes == 0) {
        if (!response_parse_head(connection, before >= 3 ? before - 3 : 0)) {
            errors.read += 1;
            return -1;
        }
        if (connection->response_head_size_bytes == 0) return 0;
    }
    if (connection->response_size_bytes < connection->response_total_size_bytes) return 0;
    if (connection->response_size_bytes > connection->response_total_size_bytes) {
        // One request outstanding per connection: more bytes than one response is a protocol error.
        fprintf(stderr, "loadgen: connection %u: %u bytes after a complete response\n", connection->index,
                connection->response_size_bytes - connection->response_total_size_bytes);
        errors.read += 1;
        return -1;
    }
    return 1;
}

static void response_complete(Connection *connection, uint64_t time_ns) {
    connection->outstanding = false;
    response_count += 1;
    histogram_record(&latency, time_ns > connection->request_start_ns ? time_ns - connection->request_start_ns : 0);
    if (connection->response_status == 200) {
        response_ok_count += 1;
        return;
    }
    errors.status += 1;
    if (status_printed_count < status_print_count_max) {
        status_printed_count += 1;
        uint32_t body_size = connection->response_total_size_bytes - connection->response_head_size_bytes;
        fprintf(stderr, "loadgen: connection %u: status %u: %.*s\n", connection->index, connection->response_status,
                (int)(body_size < 512 ? body_size : 512), connection->response + connection->response_head_size_bytes);
    }
}

// `loadgen --self-test`: the histogram's bounds and error, the request's form and Content-Length, and the response
// parser fed in pieces through a socketpair (partial heads, a body split across reads, and each malformed case).
// tools/load runs it after compiling, before every load run. Exits 0 when all pass.
static int self_test_failure_count;

static void check(bool condition, const char *what) {
    if (condition) return;
    fprintf(stderr, "loadgen: self-test failed: %s\n", what);
    self_test_failure_count += 1;
}

// Feeds `pieces` (NULL-terminated) to a fresh response on a socketpair; returns the last response_read result.
static int self_test_feed(Connection *connection, const char *const *pieces) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) fatal("socketpair failed");
    connection->fd = pair[0];
    connection->outstanding = true;
    connection->response_size_bytes = 0;
    connection->response_head_size_bytes = 0;
    connection->response_total_size_bytes = 0;
    connection->response_status = 0;
    int result = 0;
    for (uint32_t i = 0; pieces[i] != NULL && result == 0; i++) {
        size_t size = strlen(pieces[i]);
        if (write(pair[1], pieces[i], size) != (ssize_t)size) fatal("socketpair write failed");
        result = response_read(connection);
        bool last = pieces[i + 1] == NULL;
        if (!last && result != 0) break;
    }
    close(pair[0]);
    close(pair[1]);
    return result;
}

static int self_test(void) {
    // Histogram: every value lands in a bucket whose upper edge is ≥ it and within 1/64 of it; indexes ascend.
    uint32_t previous_index = 0;
    for (uint64_t value_ns = 0; value_ns < (UINT64_C(1) << histogram_value_bits_max);
         value_ns = value_ns < 1000 ? value_ns + 1 : value_ns + value_ns / 997) {
        uint32_t index = histogram_index(value_ns);
        if (index >= histogram_bucket_count || index < previous_index || histogram_upper_ns(index) < value_ns ||
            histogram_upper_ns(index) - value_ns > value_ns / 64) {
            fprintf(stderr, "loadgen: self-test: value %llu ns → bucket %u (upper %llu)\n",
                    (unsigned long long)value_ns, index, (unsigned long long)histogram_upper_ns(index));
            check(false, "histogram bucket bounds");
            break;
        }
        previous_index = index;
    }
    check(histogram_index(UINT64_MAX) == histogram_bucket_count - 1, "histogram clamps to its last bucket");
    Histogram *histogram = calloc(1, sizeof(Histogram));
    if (histogram == NULL) fatal("out of memory");
    for (uint64_t microseconds = 1; microseconds <= 1000; microseconds++) {
        histogram_record(histogram, microseconds * 1000);
    }
    double p50 = histogram_percentile_ms(histogram, 50), p99 = histogram_percentile_ms(histogram, 99);
    check(p50 >= 0.500 && p50 <= 0.500 * (1 + 1.0 / 64), "p50 of 1…1000 µs is 0.5 ms within 1/64");
    check(p99 >= 0.990 && p99 <= 0.990 * (1 + 1.0 / 64), "p99 of 1…1000 µs is 0.99 ms within 1/64");
    check(histogram_percentile_ms(histogram, 100) == 1.0 && histogram->max_ns == 1000000, "max is exact");
    free(histogram);

    // Request: the form of tools/load's Lua script, and a Content-Length equal to the body's size.
    Connection *connection = calloc(1, sizeof(Connection));
    if (connection == NULL) fatal("out of memory");
    int prefix_size = snprintf(request_prefix, sizeof request_prefix,
                               "POST /api/v1/debits HTTP/1.1\r\nHost: 127.0.0.1:1\r\nContent-Type: application/json"
                               "\r\nAuthorization: Bearer K\r\nContent-Length: ");
    request_prefix_size_bytes = (uint32_t)prefix_size;
    connection->index = 3;
    request_counter = 1000;
    request_build(connection);
    static const char expected[] = "POST /api/v1/debits HTTP/1.1\r\nHost: 127.0.0.1:1\r\nContent-Type: application/json"
        "\r\nAuthorization: Bearer K\r\nContent-Length: 56\r\n\r\n"
        "{\"user_id\":\"u1\",\"amount\":\"0.001\",\"request_id\":\"t3-1001\"}";
    check(connection->request_size_bytes == sizeof expected - 1 &&
          memcmp(connection->request, expected, sizeof expected - 1) == 0, "request bytes");

    // Responses in pieces.
    const char *const ok_split[] = {"HTTP/1.1 200 OK\r\ncontent-length: 5\r", "\n\r", "\nhel", "lo", NULL};
    check(self_test_feed(connection, ok_split) == 1 && connection->response_status == 200, "200 in four pieces");
    const char *const ok_whole[] = {"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
                                    NULL};
    check(self_test_feed(connection, ok_whole) == 1 && connection->response_status == 200, "200 in one piece");
    const char *const refused[] = {"HTTP/1.1 402 Payment Required\r\nContent-Length: 0\r\n\r\n", NULL};
    check(self_test_feed(connection, refused) == 1 && connection->response_status == 402, "402 with no body");
    const char *const chunked[] = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", NULL};
    check(self_test_feed(connection, chunked) == -1, "chunked is refused");
    const char *const no_length[] = {"HTTP/1.1 200 OK\r\nX: y\r\n\r\n", NULL};
    check(self_test_feed(connection, no_length) == -1, "no Content-Length is refused");
    const char *const extra[] = {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab", NULL};
    check(self_test_feed(connection, extra) == -1, "bytes after the response are refused");
    const char *const closing[] = {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", NULL};
    check(self_test_feed(connection, closing) == -1, "Connection: close is refused");
    const char *const garbage[] = {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", NULL};
    check(self_test_feed(connection, garbage) == -1, "a status line other than HTTP/1.1 is refused");
    free(connection);
    errors = (Errors){0};
    request_counter = 0;
    if (self_test_failure_count != 0) return 1;
    fprintf(stderr, "loadgen: self-test passed\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--self-test") == 0) return self_test();
    long port = 0, connection_count = 64, duration_seconds = 10, timeout_seconds = 10;
    const char *key = NULL;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc) usage();
        if (strcmp(argv[i], "--port") == 0) port = parse_bounded(argv[i + 1], 1, 65535, "--port");
        else if (strcmp(argv[i], "--connections") == 0)
            connection_count = parse_bounded(argv[i + 1], 1, connection_count_max, "--connections");
        else if (strcmp(argv[i], "--duration") == 0)
            duration_seconds = parse_bounded(argv[i + 1], 1, duration_seconds_max, "--duration");
        else if (strcmp(argv[i], "--timeout") == 0)
            timeout_seconds = parse_bounded(argv[i + 1], 1, timeout_seconds_max, "--timeout");
        else if (strcmp(argv[i], "--key") == 0) key = argv[i + 1];
        else usage();
    }
    if (port == 0 || key == NULL) usage();
    size_t key_size = strlen(key);
    if (key_size == 0 || key_size > key_size_bytes_max) fatal("--key must be 1…256 bytes");
    for (size_t i = 0; i < key_size; i++) {
        if (key[i] <= ' ' || key[i] == 0x7f) fatal("--key holds a space or control character");
    }
    signal(SIGPIPE, SIG_IGN);

    int prefix_size = snprintf(request_prefix, sizeof request_prefix,
                               "POST /api/v1/debits HTTP/1.1\r\nHost: 127.0.0.1:%ld\r\n"
                               "Content-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: ",
                               port, key);
    if (prefix_size <= 0 || (size_t)prefix_size + 4 + 20 + body_size_bytes_max > request_size_bytes_max)
        fatal("request head does not fit its buffer");
    request_prefix_size_bytes = (uint32_t)prefix_size;

    Connection *connections = calloc((size_t)connection_count, sizeof(Connection));
    if (connections == NULL) fatal("out of memory");
    int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) fatal("epoll_create1 failed");

    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (long i = 0; i < connection_count; i++) {
        Connection *connection = &connections[i];
        connection->index = (uint32_t)i;
        connection->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connection->fd < 0) fatal("socket failed");
        if (connect(connection->fd, (struct sockaddr *)&address, sizeof address) != 0) {
            fprintf(stderr, "loadgen: connect to 127.0.0.1:%ld: %s\n", port, strerror(errno));
            errors.connect += 1;
            break;
        }
        int one = 1;
        if (setsockopt(connection->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) fatal("TCP_NODELAY failed");
        int flags = fcntl(connection->fd, F_GETFL, 0);
        if (flags < 0 || fcntl(connection->fd, F_SETFL, flags | O_NONBLOCK) != 0) fatal("O_NONBLOCK failed");
        struct epoll_event event = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, connection->fd, &event) != 0) fatal("epoll_ctl ADD failed");
    }
    if (errors.connect != 0) {
        printf("requests   0 in 0.0 s\nthroughput 0 durable debits/s\n");
        printf("errors     connect %llu, read 0, write 0, status 0, timeout 0\n", (unsigned long long)errors.connect);
        printf("latency    p50 0.00 ms, p99 0.00 ms, p99.9 0.00 ms, max 0.00 ms\n");
        return 1;
    }

    // The closed loop: each connection has one request outstanding until the deadline; then the outstanding ones
    // are awaited (bounded by the timeout), so every debit the server made durable is counted.
    const uint64_t start_ns = now_ns();
    const uint64_t deadline_ns = start_ns + (uint64_t)duration_seconds * UINT64_C(1000000000);
    const uint64_t timeout_ns = (uint64_t)timeout_seconds * UINT64_C(1000000000);
    uint64_t outstanding_count = 0;
    for (long i = 0; i < connection_count; i++) {
        request_send(epoll_fd, &connections[i]);
        if (connections[i].outstanding) outstanding_count += 1;
    }
    bool sending = true;
    bool failed = errors.write != 0;
    uint64_t last_timeout_check_ns = start_ns;
    uint64_t end_ns = start_ns;
    struct epoll_event events[epoll_event_count_max];
    while (!failed && outstanding_count > 0) {
        uint64_t time_ns = now_ns();
        if (sending && time_ns >= deadline_ns) sending = false;
        int wait_ms = 100;
        if (sending) {
            uint64_t left_ms = (deadline_ns - time_ns) / 1000000 + 1;
            if (left_ms < (uint64_t)wait_ms) wait_ms = (int)left_ms;
        }
        int ready = epoll_wait(epoll_fd, events, epoll_event_count_max, wait_ms);
        if (ready < 0) {
            if (errno == EINTR) continue;
            fatal("epoll_wait failed");
        }
        time_ns = now_ns();
        if (sending && time_ns >= deadline_ns) sending = false;
        for (int e = 0; e < ready && !failed; e++) {
            Connection *connection = &connections[events[e].data.u32];
            if ((events[e].events & EPOLLOUT) && connection->outstanding &&
                connection->request_written_bytes < connection->request_size_bytes) {
                if (!request_write(epoll_fd, connection)) {
                    failed = true;
                    break;
                }
            }
            if (!(events[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) continue;
            int read_result = response_read(connection);
            if (read_result < 0) {
                failed = true;
                break;
            }
            if (read_result == 0) continue;
            response_complete(connection, time_ns);
            outstanding_count -= 1;
            end_ns = time_ns;
            if (sending) {
                request_send(epoll_fd, connection);
                if (!connection->outstanding) {
                    failed = true;
                    break;
                }
                outstanding_count += 1;
            }
        }
        // Timeouts: checked every 100 ms, O(connections).
        if (!failed && time_ns - last_timeout_check_ns >= UINT64_C(100000000)) {
            last_timeout_check_ns = time_ns;
            for (long i = 0; i < connection_count; i++) {
                // request_start_ns may be later than time_ns (requests sent since the wake-up).
                if (connections[i].outstanding && connections[i].request_start_ns + timeout_ns < time_ns) {
                    fprintf(stderr, "loadgen: connection %ld: no response within %ld s\n", i, timeout_seconds);
                    errors.timeout += 1;
                    failed = true;
                }
            }
        }
    }
    if (failed) end_ns = now_ns();
    if (end_ns <= start_ns) end_ns = start_ns + 1;
    double seconds = (double)(end_ns - start_ns) / 1e9;

    printf("requests   %llu in %.1f s\n", (unsigned long long)response_count, seconds);
    printf("throughput %.0f durable debits/s\n", (double)response_count / seconds);
    printf("errors     connect %llu, read %llu, write %llu, status %llu, timeout %llu\n",
           (unsigned long long)errors.connect, (unsigned long long)errors.read, (unsigned long long)errors.write,
           (unsigned long long)errors.status, (unsigned long long)errors.timeout);
    printf("latency    p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\n",
           histogram_percentile_ms(&latency, 50), histogram_percentile_ms(&latency, 99),
           histogram_percentile_ms(&latency, 99.9), (double)latency.max_ns / 1e6);
    fflush(stdout);

    struct rusage usage_self;
    getrusage(RUSAGE_SELF, &usage_self);
    double user_s = (double)usage_self.ru_utime.tv_sec + (double)usage_self.ru_utime.tv_usec / 1e6;
    double system_s = (double)usage_self.ru_stime.tv_sec + (double)usage_self.ru_stime.tv_usec / 1e6;
    fprintf(stderr, "loadgen: %llu responses (%llu × 200), client CPU %.3f s user + %.3f s system = %.2f µs per "
                    "request\n", (unsigned long long)response_count, (unsigned long long)response_ok_count, user_s,
            system_s, response_count ? (user_s + system_s) * 1e6 / (double)response_count : 0.0);

    for (long i = 0; i < connection_count; i++) close(connections[i].fd);
    close(epoll_fd);
    free(connections);
    bool any_error = errors.connect + errors.read + errors.write + errors.status + errors.timeout != 0;
    return any_error ? 1 : 0;
}
