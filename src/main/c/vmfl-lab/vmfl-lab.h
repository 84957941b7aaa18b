/*
 * vmfl-lab: the native part of vmflock's emulated federation (org.vmflock.emulate.lab).
 *
 *   vmfl-lab [--netns FILE] [--cgroup DIR]... exec -- COMMAND [ARG]...
 *   vmfl-lab [--netns FILE] [--cgroup DIR]... forward --a IF --b IF --shm FILE [--rt-priority N] [--spin-us N]
 *   vmfl-lab [--netns FILE] [--cgroup DIR]... garp --interface IF --ip A.B.C.D [--count N]
 *   vmfl-lab [--netns FILE] [--cgroup DIR]... dirty --bytes N --rate BYTES_PER_SECOND [--counter FILE]
 *
 * The common options first move the process into cgroups (its pid written to DIR/cgroup.procs)
 * and into a network namespace (setns on FILE, e.g. /var/run/netns/NAME), then the subcommand
 * runs there: exec replaces itself with COMMAND; forward joins two interfaces through a delayed,
 * rate-limited queue per direction (wanlink.c); garp sends a gratuitous ARP; dirty holds memory
 * and dirties it at a set rate (dirty.c: a workload for migrations).
 */
#ifndef VMFL_LAB_H
#define VMFL_LAB_H

#include <stdint.h>

/*
 * The forwarder's shared file (--shm), 4096 bytes, little-endian 64-bit fields. The Java side
 * (WanLink) creates it with the configuration filled in; the forwarder maps it, reads the
 * configuration of a direction at every frame (so it can be changed while running) and keeps
 * the counters there, each written atomically. Mirrored in WanLink.java: change both.
 */
#define SHM_MAGIC 0x314e41574c464d56ULL /* "VMFLWAN1" */
#define SHM_SIZE 4096

enum { STATE_STARTING = 0, STATE_RUNNING = 1, STATE_STOPPED = 2, STATE_FAILED = 3 };

struct direction_shm {
  /* configuration, written by Java */
  int64_t delay_ns;        /* one-way delay added to every frame */
  int64_t rate_bps;        /* bits per second; 0 = no rate limit */
  int64_t limit_bytes;     /* most wire bytes held (delayed or waiting) at once */
  int64_t reserved_config[5];
  /* counters, written by the forwarder */
  uint64_t frames;         /* frames sent on, counted as on the wire (a GSO frame as its segments) */
  uint64_t bytes;          /* their wire bytes (Ethernet header to payload, no preamble or FCS) */
  uint64_t drops;          /* frames dropped because the queue was full */
  uint64_t drop_bytes;
  uint64_t queued_bytes;   /* wire bytes held now */
  uint64_t queued_frames;
  uint64_t max_queued_bytes;
  uint64_t arrivals;       /* frames read from the input (as the kernel hands them, GSO frames as one) */
  uint64_t send_errors;    /* frames the output refused */
  uint64_t late_sum_ns;    /* sum over sent frames of (send time - departure time) */
  uint64_t late_max_ns;
  uint64_t sent;           /* frames sent on as handed to the kernel (a GSO frame as one) */
  uint64_t reserved_counters[4];
};

struct link_shm {
  uint64_t magic;
  uint64_t version;        /* 1 */
  int64_t pid;             /* the forwarder's, once running */
  int64_t state;           /* STATE_* */
  int64_t stop;            /* Java sets 1: the forwarder exits */
  uint64_t reserved[3];
  struct direction_shm dir[2]; /* [0]: a -> b, [1]: b -> a */
};

_Static_assert(sizeof(struct direction_shm) == 192, "direction_shm layout");
_Static_assert(sizeof(struct link_shm) == 64 + 2 * 192, "link_shm layout");

int forward_main(int argc, char **argv);
int dirty_main(int argc, char **argv);

#endif
