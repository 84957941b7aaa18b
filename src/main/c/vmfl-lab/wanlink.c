/*
 * The WAN forwarder: joins two interfaces (the link's ends, in the lab's WAN namespace) and
 * carries every frame from one to the other through a delayed, rate-limited FIFO, one per
 * direction, with netem's rule: a frame leaves at
 *     max(arrival + delay, previous departure) + wire_bytes * 8 / rate
 * and is dropped on arrival when the bytes held would exceed the direction's limit.
 *
 * One thread per direction: it reads frames from its input (AF_PACKET, with the kernel's receive
 * timestamp as the arrival), sends those due, and waits for the next departure in ppoll() until
 * spin_ns before it, then spins. Frames keep their GSO form (PACKET_VNET_HDR, as QEMU's tap does):
 * a 64 KB TCP super-frame is read and sent in one call, and counted as the MTU-sized frames it
 * stands for (its headers repeated per segment), so the rate applies to what a real link carries.
 */
#define _GNU_SOURCE
#include "vmfl-lab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME (65536 + 256)
#define VNET_LEN ((ssize_t)sizeof(struct virtio_net_hdr))
#define RECV_BATCH 64
#define IDLE_POLL_MS 100
#define WATCH_INTERVAL_NS 20000000L     /* how often the main thread checks its parent and stop */
#define ARRIVAL_MAX_AGE_NS 100000000L   /* a kernel timestamp older than this is not trusted */
#define SOCKET_BUFFER_BYTES (32 << 20)

struct frame {
  struct frame *next;
  int64_t departure_ns;
  uint32_t wire_bytes;
  uint32_t wire_frames;
  uint32_t length; /* of data: virtio_net_hdr + frame */
  unsigned char data[];
};

struct direction {
  const char *name;
  int in_fd;
  int out_fd;
  struct direction_shm *shm;
  struct frame *head, *tail;
  int64_t last_departure_ns;
  unsigned char buffer[VNET_LEN + MAX_FRAME];
};

static volatile sig_atomic_t stop_requested;
static int64_t spin_ns = 50000;
static int rt_priority = 0;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static int64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

#define LOAD(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)
#define STORE(field, value) __atomic_store_n(&(field), (value), __ATOMIC_RELAXED)
#define ADD(field, value) STORE(field, LOAD(field) + (value)) /* one writer per field */

static void die(const char *what, const char *detail) {
  fprintf(stderr, "vmfl-lab forward: %s %s: %s\n", what, detail ? detail : "", strerror(errno));
  exit(1);
}

/* Ethernet + IP + TCP/UDP header bytes of a frame, which a GSO frame repeats in every segment. */
static uint32_t header_bytes(const unsigned char *f, ssize_t len, const struct virtio_net_hdr *vnet) {
  ssize_t l2 = 14;
  if (len >= 18 && f[12] == 0x81 && f[13] == 0x00) {
    l2 = 18;
  }
  if (len < l2 + 20) {
    return vnet->hdr_len;
  }
  unsigned type = (unsigned)f[l2 - 2] << 8 | f[l2 - 1];
  const unsigned char *ip = f + l2;
  ssize_t l3;
  int proto;
  if (type == 0x0800) {
    l3 = (ip[0] & 0x0f) * 4;
    proto = ip[9];
  } else if (type == 0x86dd && len >= l2 + 40) {
    l3 = 40;
    proto = ip[6];
  } else {
    return vnet->hdr_len;
  }
  if (proto == 17) {
    return (uint32_t)(l2 + l3 + 8);
  }
  if (proto == 6 && len >= l2 + l3 + 20) {
    return (uint32_t)(l2 + l3 + (f[l2 + l3 + 12] >> 4) * 4);
  }
  return vnet->hdr_len;
}

static void enqueue(struct direction *d, int64_t arrival_ns, ssize_t length) {
  struct direction_shm *s = d->shm;
  const struct virtio_net_hdr *vnet = (const struct virtio_net_hdr *)d->buffer;
  const unsigned char *eth = d->buffer + VNET_LEN;
  ssize_t frame_len = length - VNET_LEN;
  uint64_t wire_bytes = (uint64_t)frame_len;
  uint64_t wire_frames = 1;
  if ((vnet->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_NONE && vnet->gso_size > 0) {
    uint32_t headers = header_bytes(eth, frame_len, vnet);
    if (headers < frame_len) {
      wire_frames = ((uint64_t)(frame_len - headers) + vnet->gso_size - 1) / vnet->gso_size;
      wire_bytes += (wire_frames - 1) * headers;
    }
  }
  ADD(s->arrivals, 1);
  uint64_t queued = LOAD(s->queued_bytes);
  if (queued + wire_bytes > (uint64_t)LOAD(s->limit_bytes)) {
    ADD(s->drops, wire_frames);
    ADD(s->drop_bytes, wire_bytes);
    return;
  }
  int64_t delay = LOAD(s->delay_ns);
  int64_t rate = LOAD(s->rate_bps);
  int64_t start = arrival_ns + delay;
  if (start < d->last_departure_ns) {
    start = d->last_departure_ns;
  }
  int64_t transmission = rate > 0 ? (int64_t)((__int128)wire_bytes * 8 * 1000000000 / rate) : 0;
  struct frame *f = malloc(sizeof *f + (size_t)length);
  if (!f) {
    ADD(s->drops, wire_frames);
    ADD(s->drop_bytes, wire_bytes);
    return;
  }
  f->next = NULL;
  f->departure_ns = start + transmission;
  f->wire_bytes = (uint32_t)wire_bytes;
  f->wire_frames = (uint32_t)wire_frames;
  f->length = (uint32_t)length;
  memcpy(f->data, d->buffer, (size_t)length);
  d->last_departure_ns = f->departure_ns;
  if (d->tail) {
    d->tail->next = f;
  } else {
    d->head = f;
  }
  d->tail = f;
  queued += wire_bytes;
  STORE(s->queued_bytes, queued);
  ADD(s->queued_frames, wire_frames);
  if (queued > LOAD(s->max_queued_bytes)) {
    STORE(s->max_queued_bytes, queued);
  }
}

/* Reads what is waiting (at most a batch, so that departures are not held up). */
static void receive(struct direction *d) {
  for (int n = 0; n < RECV_BATCH; n++) {
    struct iovec iov = {d->buffer, sizeof d->buffer};
    union {
      char bytes[CMSG_SPACE(sizeof(struct timespec))];
      struct cmsghdr align;
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes,
                         .msg_controllen = sizeof control.bytes};
    ssize_t length = recvmsg(d->in_fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
    if (length < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        return;
      }
      die("receive on", d->name);
    }
    if (length > (ssize_t)sizeof d->buffer || length < VNET_LEN + 14) {
      ADD(d->shm->send_errors, 1); /* cannot happen with a 64 KB GSO limit; counted, not sent */
      continue;
    }
    int64_t now = now_ns(CLOCK_MONOTONIC);
    int64_t arrival = now;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        struct timespec ts;
        memcpy(&ts, CMSG_DATA(c), sizeof ts);
        int64_t age = now_ns(CLOCK_REALTIME) - ((int64_t)ts.tv_sec * 1000000000L + ts.tv_nsec);
        if (age >= 0 && age < ARRIVAL_MAX_AGE_NS) {
          arrival = now - age;
        }
      }
    }
    enqueue(d, arrival, length);
  }
}

static void send_due(struct direction *d) {
  struct direction_shm *s = d->shm;
  int64_t now = now_ns(CLOCK_MONOTONIC);
  while (d->head && d->head->departure_ns <= now) {
    struct frame *f = d->head;
    ssize_t sent = send(d->out_fd, f->data, f->length, 0);
    if (sent == (ssize_t)f->length) {
      ADD(s->sent, 1);
      ADD(s->frames, f->wire_frames);
      ADD(s->bytes, f->wire_bytes);
      uint64_t late = (uint64_t)(now - f->departure_ns);
      ADD(s->late_sum_ns, late);
      if (late > LOAD(s->late_max_ns)) {
        STORE(s->late_max_ns, late);
      }
    } else {
      ADD(s->send_errors, 1);
    }
    d->head = f->next;
    if (!d->head) {
      d->tail = NULL;
    }
    STORE(s->queued_bytes, LOAD(s->queued_bytes) - f->wire_bytes);
    STORE(s->queued_frames, LOAD(s->queued_frames) - f->wire_frames);
    free(f);
    now = now_ns(CLOCK_MONOTONIC);
  }
}

static void *run_direction(void *arg) {
  struct direction *d = arg;
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* wake at the nanosecond asked, not 50 us later */
  if (rt_priority > 0) {
    struct sched_param p = {.sched_priority = rt_priority};
    int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &p);
    if (err) {
      fprintf(stderr, "vmfl-lab forward: no real-time priority for %s (%s); timing may suffer under load\n",
              d->name, strerror(err));
    }
  }
  struct pollfd in = {.fd = d->in_fd, .events = POLLIN};
  while (!stop_requested) {
    receive(d);
    send_due(d);
    if (!d->head) {
      poll(&in, 1, IDLE_POLL_MS);
      continue;
    }
    int64_t wait = d->head->departure_ns - now_ns(CLOCK_MONOTONIC);
    if (wait > spin_ns) {
      int64_t sleep = wait - spin_ns;
      struct timespec ts = {.tv_sec = sleep / 1000000000L, .tv_nsec = sleep % 1000000000L};
      ppoll(&in, 1, &ts, NULL);
    } else {
      int64_t due = d->head->departure_ns;
      while (now_ns(CLOCK_MONOTONIC) < due) {
        __builtin_ia32_pause();
      }
    }
  }
  return NULL;
}

static void set_int(int fd, int level, int option, int value, const char *what, const char *ifname) {
  if (setsockopt(fd, level, option, &value, sizeof value) != 0) {
    die(what, ifname);
  }
}

/* A packet socket on ifname: receiving (all frames but those we send) or sending only. */
static int packet_socket(const char *ifname, int receiving) {
  int ifindex = (int)if_nametoindex(ifname);
  if (ifindex == 0) {
    die("no interface", ifname);
  }
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0); /* protocol 0: nothing queued before bind */
  if (fd < 0) {
    die("packet socket for", ifname);
  }
  set_int(fd, SOL_PACKET, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR on", ifname);
  if (receiving) {
    set_int(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING on", ifname);
    set_int(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS on", ifname);
    set_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, SOCKET_BUFFER_BYTES, "SO_RCVBUFFORCE on", ifname);
  } else {
    set_int(fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS on", ifname);
    set_int(fd, SOL_SOCKET, SO_SNDBUFFORCE, SOCKET_BUFFER_BYTES, "SO_SNDBUFFORCE on", ifname);
  }
  struct sockaddr_ll at = {.sll_family = AF_PACKET,
                           .sll_protocol = receiving ? htons(ETH_P_ALL) : 0,
                           .sll_ifindex = ifindex};
  if (bind(fd, (struct sockaddr *)&at, sizeof at) != 0) {
    die("bind to", ifname);
  }
  return fd;
}

int forward_main(int argc, char **argv) {
  const char *a = NULL, *b = NULL, *shm_file = NULL;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--a") && i + 1 < argc) {
      a = argv[++i];
    } else if (!strcmp(argv[i], "--b") && i + 1 < argc) {
      b = argv[++i];
    } else if (!strcmp(argv[i], "--shm") && i + 1 < argc) {
      shm_file = argv[++i];
    } else if (!strcmp(argv[i], "--rt-priority") && i + 1 < argc) {
      rt_priority = atoi(argv[++i]);
    } else if (!strcmp(argv[i], "--spin-us") && i + 1 < argc) {
      spin_ns = atol(argv[++i]) * 1000L;
    } else {
      fprintf(stderr, "vmfl-lab forward: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (!a || !b || !shm_file || rt_priority < 0 || rt_priority > 99 || spin_ns < 0) {
    fprintf(stderr, "vmfl-lab forward: needs --a IF --b IF --shm FILE\n");
    return 2;
  }
  pid_t parent = getppid();
  int fd = open(shm_file, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    die("cannot open", shm_file);
  }
  struct link_shm *shm = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (shm == MAP_FAILED) {
    die("cannot map", shm_file);
  }
  close(fd);
  if (shm->magic != SHM_MAGIC || shm->version != 1) {
    fprintf(stderr, "vmfl-lab forward: %s is not a version-1 link file\n", shm_file);
    return 2;
  }
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);

  static struct direction ab, ba;
  ab.name = a;
  ab.in_fd = packet_socket(a, 1);
  ab.out_fd = packet_socket(b, 0);
  ab.shm = &shm->dir[0];
  ba.name = b;
  ba.in_fd = packet_socket(b, 1);
  ba.out_fd = packet_socket(a, 0);
  ba.shm = &shm->dir[1];
  pthread_t threads[2];
  if (pthread_create(&threads[0], NULL, run_direction, &ab) || pthread_create(&threads[1], NULL, run_direction, &ba)) {
    die("cannot start threads", NULL);
  }
  STORE(shm->pid, (int64_t)getpid());
  __atomic_store_n(&shm->state, (int64_t)STATE_RUNNING, __ATOMIC_RELEASE);
  /* the lab stops us (stop flag, SIGTERM); if its JVM dies first, we notice we were orphaned */
  struct timespec tick = {.tv_sec = 0, .tv_nsec = WATCH_INTERVAL_NS};
  while (!stop_requested && !LOAD(shm->stop) && getppid() == parent) {
    nanosleep(&tick, NULL);
  }
  stop_requested = 1;
  pthread_join(threads[0], NULL);
  pthread_join(threads[1], NULL);
  __atomic_store_n(&shm->state, (int64_t)STATE_STOPPED, __ATOMIC_RELEASE);
  return 0;
}
