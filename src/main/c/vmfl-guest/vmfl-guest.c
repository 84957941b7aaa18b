/*
 * vmfl-guest: the program of vmflock's QEMU guests (org.vmflock.emulate.qemu), and its probe.
 *
 *   vmfl-guest serve --fill MIB --ws MIB --rate MIBPS [--port N] [--seed N]
 *     In the guest: fills MIB of memory with seeded pseudo-random pages (non-zero, never written
 *     again), then dirties a working set of --ws MiB at --rate MiB/s (one 4 KiB page = 4 KiB
 *     dirtied), page after page in a cycle, stamping each page with the sequence number of its
 *     write. Answers text lines on TCP --port:
 *       ping  -> pong SEQ
 *       check -> ok fill=HEX ws=PAGES bad=N written=SEQ rate=MIBPS   (dirtying paused meanwhile:
 *                every working-set page must hold the stamp its position in the cycle says)
 *       stat  -> stat written=SEQ rate=MIBPS
 *       rate R -> rate R   (dirty R MiB/s from now on; the achieved rate is counted afresh)
 *       ring NEXT_IP ROUNDS BYTES -> ring started   (the guest's share of a ring exchange, the work of a
 *                QEMU application in an emulation: connects to NEXT_IP's port, says "feed", and for
 *                ROUNDS rounds sends BYTES to it while it receives BYTES from the guest before it
 *                (whose own ring connects here); a round ends when both are done, so a round costs at
 *                least the one-way delay between the two; each message is round-seeded pseudo-random
 *                data the receiver generates again and compares: bytes that differ are counted)
 *       feed   -> fed   (this connection becomes the ring's incoming stream)
 *       work   -> work done=ROUNDS of=ROUNDS bad=BYTES seconds=S state=idle|waiting|running|done|failed
 *                (seconds: since the ring command, until its last round; by the guest's clock)
 *   vmfl-guest probe IP PORT INTERVAL_MS
 *     On a host: one TCP connection to IP:PORT, "ping" every INTERVAL_MS until stdin says "q"
 *     (or closes); then prints: probe sent=N received=N max_gap_ms=X retrans=N broken=0|1
 *     (max_gap_ms: the longest time between two replies; retrans: TCP segments retransmitted
 *     in this network namespace meanwhile).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define MIB (1024UL * 1024UL)

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static uint64_t xorshift(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}

/* ------------------------------------------------------------------ serve */

static unsigned char *fill_mem, *ws_mem;
static size_t fill_pages, ws_pages;
static double rate_pages_per_s;
static uint64_t next_seq; /* the next write's sequence number */
static double started_at;
static uint64_t written_since_start;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void stamp(uint64_t seq) {
  uint64_t *p = (uint64_t *)(ws_mem + (seq % ws_pages) * PAGE);
  p[0] = seq;
  p[PAGE / 16] = ~seq;
}

static void *dirtier(void *arg) {
  (void)arg;
  const double tick = 0.01;
  double due = now_s();
  double owed = 0;
  for (;;) {
    due += tick;
    double wait = due - now_s();
    if (wait > 0) {
      struct timespec t = {(time_t)wait, (long)((wait - (time_t)wait) * 1e9)};
      nanosleep(&t, NULL);
    } else if (wait < -1) {
      due = now_s(); /* far behind (the guest was paused): do not catch up */
    }
    pthread_mutex_lock(&lock);
    owed += rate_pages_per_s * tick;
    pthread_mutex_unlock(&lock);
    uint64_t n = (uint64_t)owed;
    owed -= n;
    pthread_mutex_lock(&lock);
    for (uint64_t i = 0; i < n; i++) {
      stamp(next_seq++);
    }
    written_since_start += n;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static uint64_t fill_checksum(void) {
  uint64_t h = 1469598103934665603ULL;
  const uint64_t *w = (const uint64_t *)fill_mem;
  size_t words = fill_pages * PAGE / 8;
  for (size_t i = 0; i < words; i++) {
    h = (h ^ w[i]) * 1099511628211ULL;
  }
  return h;
}

static size_t bad_pages(void) {
  size_t bad = 0;
  uint64_t last = next_seq - 1;
  for (size_t p = 0; p < ws_pages; p++) {
    uint64_t expected = last - ((last - p) % ws_pages);
    const uint64_t *w = (const uint64_t *)(ws_mem + p * PAGE);
    if (w[0] != expected || w[PAGE / 16] != ~expected) {
      bad++;
    }
  }
  return bad;
}

static double achieved_rate(void) {
  double t = now_s() - started_at;
  return t > 0 ? written_since_start * (double)PAGE / MIB / t : 0;
}

/* ------------------------------------------------------------------ ring exchange */

static int serve_port;
static char ring_next[64];
static long ring_rounds, ring_bytes;
static volatile long ring_done;
static volatile long ring_bad;
static double ring_started, ring_ended;
static int ring_feed = -1;
static const char *volatile ring_state = "idle";
static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ring_fed = PTHREAD_COND_INITIALIZER;

static void ring_pattern(unsigned char *buf, long bytes, long round) {
  uint64_t s = 0x9e3779b97f4a7c15ULL * (uint64_t)(round + 1);
  for (long i = 0; i < bytes; i += 8) {
    uint64_t v = xorshift(&s) | 1;
    memcpy(buf + i, &v, (size_t)(bytes - i < 8 ? bytes - i : 8));
  }
}

static int ring_connect(void) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)serve_port)};
  inet_pton(AF_INET, ring_next, &a.sin_addr);
  for (int attempt = 0; attempt < 600; attempt++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      char ok[4];
      size_t got = 0;
      if (write(fd, "feed\n", 5) == 5) {
        while (got < 4) {
          ssize_t r = read(fd, ok + got, 4 - got);
          if (r <= 0) {
            break;
          }
          got += (size_t)r;
        }
      }
      if (got == 4 && memcmp(ok, "fed\n", 4) == 0) {
        return fd;
      }
    }
    close(fd);
    usleep(100000);
  }
  return -1;
}

static void *ring_run(void *arg) {
  (void)arg;
  int out = ring_connect();
  if (out < 0) {
    ring_state = "failed";
    return NULL;
  }
  pthread_mutex_lock(&ring_lock);
  while (ring_feed < 0) {
    pthread_cond_wait(&ring_fed, &ring_lock);
  }
  int in = ring_feed;
  pthread_mutex_unlock(&ring_lock);
  ring_state = "running";
  unsigned char *send_buf = malloc((size_t)ring_bytes + 8), *recv_buf = malloc((size_t)ring_bytes + 8),
                *expected = malloc((size_t)ring_bytes + 8);
  for (long round = 0; round < ring_rounds; round++) {
    ring_pattern(send_buf, ring_bytes, round);
    long sent = 0, got = 0;
    while (sent < ring_bytes || got < ring_bytes) {
      struct pollfd p[2] = {{.fd = out, .events = sent < ring_bytes ? POLLOUT : 0}, {.fd = in, .events = got < ring_bytes ? POLLIN : 0}};
      if (poll(p, 2, -1) < 0) {
        continue;
      }
      if (p[0].revents & (POLLOUT | POLLERR | POLLHUP)) {
        ssize_t n = send(out, send_buf + sent, (size_t)(ring_bytes - sent), MSG_DONTWAIT);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
          ring_state = "failed";
          return NULL;
        }
        sent += n > 0 ? n : 0;
      }
      if (p[1].revents & (POLLIN | POLLERR | POLLHUP)) {
        ssize_t n = recv(in, recv_buf + got, (size_t)(ring_bytes - got), MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
          ring_state = "failed";
          return NULL;
        }
        got += n > 0 ? n : 0;
      }
    }
    ring_pattern(expected, ring_bytes, round); /* the round's computation: the message generated again and compared */
    long bad = 0;
    for (long i = 0; i < ring_bytes; i++) {
      bad += recv_buf[i] != expected[i];
    }
    ring_bad += bad;
    ring_done = round + 1;
    ring_ended = now_s();
  }
  ring_state = "done";
  return NULL;
}

static void answer(int fd, const char *line) {
  char out[256];
  if (strncmp(line, "ring ", 5) == 0) {
    char next[64];
    long rounds = 0, bytes = 0;
    if (strcmp((const char *)ring_state, "idle") != 0) {
      snprintf(out, sizeof out, "error ring %s\n", ring_state);
    } else if (sscanf(line + 5, "%63s %ld %ld", next, &rounds, &bytes) != 3 || rounds < 1 || bytes < 1 || bytes > (64L << 20)) {
      snprintf(out, sizeof out, "error ring NEXT_IP ROUNDS BYTES (1 byte to 64 MiB)\n");
    } else {
      strcpy(ring_next, next);
      ring_rounds = rounds;
      ring_bytes = bytes;
      ring_started = ring_ended = now_s();
      ring_state = "waiting";
      pthread_t t;
      pthread_create(&t, NULL, ring_run, NULL);
      pthread_detach(t);
      snprintf(out, sizeof out, "ring started\n");
    }
  } else if (strncmp(line, "work", 4) == 0) {
    double end = strcmp((const char *)ring_state, "running") == 0 || strcmp((const char *)ring_state, "waiting") == 0 ? now_s() : ring_ended;
    snprintf(out, sizeof out, "work done=%ld of=%ld bad=%ld seconds=%.3f state=%s\n", ring_done, ring_rounds, ring_bad, end - ring_started,
             ring_state);
  } else if (strncmp(line, "ping", 4) == 0) {
    pthread_mutex_lock(&lock);
    snprintf(out, sizeof out, "pong %llu\n", (unsigned long long)next_seq);
    pthread_mutex_unlock(&lock);
  } else if (strncmp(line, "check", 5) == 0) {
    pthread_mutex_lock(&lock);
    uint64_t sum = fill_checksum();
    size_t bad = bad_pages();
    snprintf(out, sizeof out, "ok fill=%016llx ws=%zu bad=%zu written=%llu rate=%.2f\n", (unsigned long long)sum, ws_pages, bad,
             (unsigned long long)next_seq, achieved_rate());
    pthread_mutex_unlock(&lock);
  } else if (strncmp(line, "stat", 4) == 0) {
    pthread_mutex_lock(&lock);
    snprintf(out, sizeof out, "stat written=%llu rate=%.2f\n", (unsigned long long)next_seq, achieved_rate());
    pthread_mutex_unlock(&lock);
  } else if (strncmp(line, "rate ", 5) == 0) {
    double r = atof(line + 5);
    pthread_mutex_lock(&lock);
    rate_pages_per_s = r * MIB / PAGE;
    started_at = now_s();
    written_since_start = 0;
    pthread_mutex_unlock(&lock);
    snprintf(out, sizeof out, "rate %.2f\n", r);
  } else {
    snprintf(out, sizeof out, "error unknown command\n");
  }
  size_t len = strlen(out), off = 0;
  while (off < len) {
    ssize_t n = write(fd, out + off, len - off);
    if (n <= 0) {
      return;
    }
    off += (size_t)n;
  }
}

#define MAX_CLIENTS 32

static int serve(double fill_mib, double ws_mib, double rate_mib, int port, uint64_t seed) {
  fill_pages = (size_t)(fill_mib * MIB / PAGE);
  ws_pages = (size_t)(ws_mib * MIB / PAGE);
  if (ws_pages == 0) {
    ws_pages = 1;
  }
  rate_pages_per_s = rate_mib * MIB / PAGE;
  fill_mem = mmap(NULL, (fill_pages ? fill_pages : 1) * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ws_mem = mmap(NULL, ws_pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (fill_mem == MAP_FAILED || ws_mem == MAP_FAILED) {
    perror("vmfl-guest: mmap");
    return 1;
  }
  uint64_t s = seed ? seed : 88172645463325252ULL;
  uint64_t *w = (uint64_t *)fill_mem;
  for (size_t i = 0; i < fill_pages * PAGE / 8; i++) {
    w[i] = xorshift(&s) | 1; /* never a zero word: every page non-zero */
  }
  for (next_seq = 0; next_seq < ws_pages; next_seq++) {
    uint64_t *p = (uint64_t *)(ws_mem + next_seq * PAGE);
    for (size_t i = 0; i < PAGE / 8; i++) {
      p[i] = xorshift(&s) | 1;
    }
    stamp(next_seq);
  }
  int srv = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (bind(srv, (struct sockaddr *)&a, sizeof a) < 0 || listen(srv, 16) < 0) {
    perror("vmfl-guest: listen");
    return 1;
  }
  started_at = now_s();
  serve_port = port;
  pthread_t t;
  pthread_create(&t, NULL, dirtier, NULL);
  printf("vmfl-guest: ready fill=%zu ws=%zu pages, %.1f MiB/s, port %d\n", fill_pages, ws_pages, rate_mib, port);
  fflush(stdout);
  struct pollfd fds[MAX_CLIENTS + 1];
  char bufs[MAX_CLIENTS + 1][256];
  size_t lens[MAX_CLIENTS + 1];
  int n = 1;
  fds[0].fd = srv;
  fds[0].events = POLLIN;
  for (;;) {
    if (poll(fds, (nfds_t)n, -1) < 0) {
      continue;
    }
    if ((fds[0].revents & POLLIN) && n <= MAX_CLIENTS) {
      int c = accept(srv, NULL, NULL);
      if (c >= 0) {
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fds[n].fd = c;
        fds[n].events = POLLIN;
        lens[n] = 0;
        n++;
      }
    }
    for (int i = 1; i < n; i++) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        continue;
      }
      ssize_t r = read(fds[i].fd, bufs[i] + lens[i], sizeof bufs[i] - 1 - lens[i]);
      int handed = 0;
      if (r > 0) {
        lens[i] += (size_t)r;
        bufs[i][lens[i]] = 0;
        char *nl;
        while ((nl = strchr(bufs[i], '\n')) != NULL) {
          *nl = 0;
          if (strcmp(bufs[i], "feed") == 0 && ring_feed < 0) {
            /* the ring's incoming stream: the sender waits for "fed" before its first byte */
            pthread_mutex_lock(&ring_lock);
            ring_feed = fds[i].fd;
            pthread_cond_signal(&ring_fed);
            pthread_mutex_unlock(&ring_lock);
            if (write(fds[i].fd, "fed\n", 4) != 4) {
              perror("vmfl-guest: fed");
            }
            handed = 1;
            break;
          }
          answer(fds[i].fd, bufs[i]);
          size_t rest = lens[i] - (size_t)(nl + 1 - bufs[i]);
          memmove(bufs[i], nl + 1, rest + 1);
          lens[i] = rest;
        }
      }
      if (r <= 0 || handed) {
        /* closed, or handed to the ring: out of the poll set */
        if (r <= 0) {
          close(fds[i].fd);
        }
        fds[i] = fds[n - 1];
        memcpy(bufs[i], bufs[n - 1], lens[n - 1] + 1);
        lens[i] = lens[n - 1];
        n--;
        i--;
        continue;
      }
      if (lens[i] >= sizeof bufs[i] - 1) {
        lens[i] = 0; /* a line too long: dropped */
      }
    }
  }
}

/* ------------------------------------------------------------------ probe */

static long retransmitted_segments(void) {
  FILE *f = fopen("/proc/net/snmp", "r");
  if (!f) {
    return -1;
  }
  char head[1024], vals[1024];
  long result = -1;
  while (fgets(head, sizeof head, f) && fgets(vals, sizeof vals, f)) {
    if (strncmp(head, "Tcp:", 4) != 0) {
      continue;
    }
    char *hs, *vs;
    char *h = strtok_r(head, " \n", &hs), *v = strtok_r(vals, " \n", &vs);
    while (h && v) {
      if (strcmp(h, "RetransSegs") == 0) {
        result = atol(v);
      }
      h = strtok_r(NULL, " \n", &hs);
      v = strtok_r(NULL, " \n", &vs);
    }
  }
  fclose(f);
  return result;
}

static int probe(const char *ip, int port, int interval_ms) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, ip, &a.sin_addr);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    printf("probe connect failed: %s\n", strerror(errno));
    return 2;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  long retrans0 = retransmitted_segments();
  printf("probe connected\n");
  fflush(stdout);
  long sent = 0, received = 0;
  double last_reply = now_s(), max_gap = 0, next_send = now_s();
  int broken = 0;
  char buf[4096];
  for (;;) {
    double t = now_s();
    if (t >= next_send) {
      if (write(fd, "ping\n", 5) != 5) {
        broken = 1;
        break;
      }
      sent++;
      next_send = t + interval_ms / 1000.0;
    }
    struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
    int wait = (int)((next_send - now_s()) * 1000) + 1;
    if (poll(p, 2, wait < 0 ? 0 : wait) < 0) {
      continue;
    }
    if (p[1].revents) {
      ssize_t r = read(0, buf, sizeof buf);
      if (r <= 0 || buf[0] == 'q') {
        break;
      }
    }
    if (p[0].revents) {
      ssize_t r = read(fd, buf, sizeof buf);
      if (r <= 0) {
        broken = 1;
        break;
      }
      for (ssize_t i = 0; i < r; i++) {
        if (buf[i] == '\n') {
          received++;
          double at = now_s();
          if (at - last_reply > max_gap) {
            max_gap = at - last_reply;
          }
          last_reply = at;
        }
      }
    }
  }
  printf("probe sent=%ld received=%ld max_gap_ms=%.1f retrans=%ld broken=%d\n", sent, received, max_gap * 1000,
         retrans0 >= 0 ? retransmitted_segments() - retrans0 : -1, broken);
  fflush(stdout);
  return broken;
}

static double arg_value(int argc, char **argv, const char *name, double fallback) {
  for (int i = 2; i + 1 < argc; i++) {
    if (strcmp(argv[i], name) == 0) {
      return atof(argv[i + 1]);
    }
  }
  return fallback;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "serve") == 0) {
    return serve(arg_value(argc, argv, "--fill", 16), arg_value(argc, argv, "--ws", 8), arg_value(argc, argv, "--rate", 0),
                 (int)arg_value(argc, argv, "--port", 7000), (uint64_t)arg_value(argc, argv, "--seed", 0));
  }
  if (argc == 5 && strcmp(argv[1], "probe") == 0) {
    return probe(argv[2], atoi(argv[3]), atoi(argv[4]));
  }
  fprintf(stderr, "usage: vmfl-guest serve --fill MIB --ws MIB --rate MIBPS [--port N] [--seed N] | probe IP PORT INTERVAL_MS\n");
  return 2;
}
