/* vmfl-lab dirty: a workload that holds memory and dirties it at a set rate (the emulated
 * actuator's tests and bench migrate). See vmfl-lab.h. */
#define _GNU_SOURCE
#include "vmfl-lab.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096L
#define TICK_NS 1000000L    /* 1 ms between bursts of writes */
#define REPORT_TICKS 10     /* the counter file is rewritten every 10 ticks */
#define NS 1000000000L

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * NS + t.tv_nsec;
}

/* Holds BYTES of private memory, all touched (resident), then writes one 8-byte word in
 * successive pages, cycling, RATE bytes' worth of pages per second (a page counts whole: it must
 * be copied again). Every 10 ms it writes the number of pages written so far to FILE (pwrite at
 * offset 0, padded), so that another process can see it progress. Runs until killed. */
int dirty_main(int argc, char **argv) {
  long bytes = -1, rate = 0;
  const char *counter = NULL;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--bytes") && i + 1 < argc) {
      bytes = atol(argv[++i]);
    } else if (!strcmp(argv[i], "--rate") && i + 1 < argc) {
      rate = atol(argv[++i]);
    } else if (!strcmp(argv[i], "--counter") && i + 1 < argc) {
      counter = argv[++i];
    } else {
      fprintf(stderr, "usage: vmfl-lab dirty --bytes N --rate BYTES_PER_SECOND [--counter FILE]\n");
      return 2;
    }
  }
  if (bytes < PAGE || rate < 0) {
    fprintf(stderr, "vmfl-lab dirty: --bytes at least %ld and --rate not negative\n", PAGE);
    return 2;
  }
  long pages = bytes / PAGE;
  volatile unsigned char *memory = mmap(NULL, (size_t)(pages * PAGE), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    fprintf(stderr, "vmfl-lab dirty: cannot map %ld bytes: %s\n", bytes, strerror(errno));
    return 1;
  }
  for (long p = 0; p < pages; p++) {
    memory[p * PAGE] = 1;
  }
  int fd = -1;
  if (counter) {
    fd = open(counter, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      fprintf(stderr, "vmfl-lab dirty: cannot open %s: %s\n", counter, strerror(errno));
      return 1;
    }
  }
  double pages_per_ns = (double)rate / PAGE / NS;
  long start = now_ns(), written = 0, next = 0, ticks = 0;
  for (;;) {
    long due = (long)((now_ns() - start) * pages_per_ns);
    for (; written < due; written++) {
      *(volatile long *)(memory + next * PAGE) = written + 1;
      next = next + 1 == pages ? 0 : next + 1;
    }
    if (fd >= 0 && ++ticks % REPORT_TICKS == 0) {
      char line[32];
      int n = snprintf(line, sizeof line, "%20ld\n", written);
      if (pwrite(fd, line, (size_t)n, 0) != n) {
        fprintf(stderr, "vmfl-lab dirty: cannot write %s: %s\n", counter, strerror(errno));
        return 1;
      }
    }
    struct timespec tick = {0, TICK_NS};
    nanosleep(&tick, NULL);
  }
}
