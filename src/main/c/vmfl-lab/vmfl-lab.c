/* vmfl-lab: entering a VM (cgroups + network namespace), and gratuitous ARP. See vmfl-lab.h. */
#define _GNU_SOURCE
#include "vmfl-lab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CGROUPS 8
#define EXIT_USAGE 2
#define EXIT_ENTER 125 /* like env(1) and nsenter: could not set up before the command */

static void usage(void) {
  fprintf(stderr,
          "usage: vmfl-lab [--netns FILE] [--cgroup DIR]... exec -- COMMAND [ARG]...\n"
          "       vmfl-lab [--netns FILE] [--cgroup DIR]... forward --a IF --b IF --shm FILE"
          " [--rt-priority N] [--spin-us N]\n"
          "       vmfl-lab [--netns FILE] [--cgroup DIR]... garp --interface IF --ip A.B.C.D"
          " [--count N]\n"
          "       vmfl-lab [--netns FILE] [--cgroup DIR]... dirty --bytes N --rate BYTES_PER_SECOND [--counter FILE]\n");
  exit(EXIT_USAGE);
}

static void join_cgroup(const char *dir) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= (int)sizeof path) {
    fprintf(stderr, "vmfl-lab: cgroup path too long: %s\n", dir);
    exit(EXIT_ENTER);
  }
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  char pid[32];
  int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  if (fd < 0 || write(fd, pid, (size_t)n) != n) {
    fprintf(stderr, "vmfl-lab: cannot join cgroup %s: %s\n", dir, strerror(errno));
    exit(EXIT_ENTER);
  }
  close(fd);
}

static void enter_netns(const char *file) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
    fprintf(stderr, "vmfl-lab: cannot enter network namespace %s: %s\n", file, strerror(errno));
    exit(EXIT_ENTER);
  }
  close(fd);
}

/* An ARP request for our own address (sender = target = ip): every bridge on the way learns
 * where our MAC is now, and every neighbour refreshes its cache. */
static int garp_main(int argc, char **argv) {
  const char *ifname = NULL, *ip = NULL;
  int count = 1;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--interface") && i + 1 < argc) {
      ifname = argv[++i];
    } else if (!strcmp(argv[i], "--ip") && i + 1 < argc) {
      ip = argv[++i];
    } else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
      count = atoi(argv[++i]);
    } else {
      usage();
    }
  }
  struct in_addr addr;
  if (!ifname || !ip || inet_pton(AF_INET, ip, &addr) != 1 || count < 1 || count > 100) {
    usage();
  }
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (strlen(ifname) >= sizeof ifr.ifr_name) {
    usage();
  }
  strcpy(ifr.ifr_name, ifname);
  if (fd < 0 || ioctl(fd, SIOCGIFINDEX, &ifr) != 0) {
    fprintf(stderr, "vmfl-lab garp: no interface %s: %s\n", ifname, strerror(errno));
    return 1;
  }
  int ifindex = ifr.ifr_ifindex;
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
    fprintf(stderr, "vmfl-lab garp: no MAC on %s: %s\n", ifname, strerror(errno));
    return 1;
  }
  unsigned char frame[60];
  memset(frame, 0, sizeof frame);
  memset(frame, 0xff, 6);                         /* broadcast */
  memcpy(frame + 6, ifr.ifr_hwaddr.sa_data, 6);   /* our MAC */
  frame[12] = 0x08, frame[13] = 0x06;             /* ARP */
  unsigned char *arp = frame + 14;
  arp[1] = 1;                                     /* Ethernet */
  arp[2] = 0x08;                                  /* IPv4 */
  arp[4] = 6, arp[5] = 4, arp[7] = 1;             /* lengths; request */
  memcpy(arp + 8, ifr.ifr_hwaddr.sa_data, 6);     /* sender MAC */
  memcpy(arp + 14, &addr, 4);                     /* sender IP */
  memcpy(arp + 24, &addr, 4);                     /* target IP = sender IP; target MAC 0 */
  struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6};
  memset(to.sll_addr, 0xff, 6);
  for (int i = 0; i < count; i++) {
    if (sendto(fd, frame, sizeof frame, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)sizeof frame) {
      fprintf(stderr, "vmfl-lab garp: send on %s failed: %s\n", ifname, strerror(errno));
      return 1;
    }
  }
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  const char *netns = NULL;
  const char *cgroups[MAX_CGROUPS];
  int ncgroups = 0;
  int i = 1;
  for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
    if (!strcmp(argv[i], "--netns") && i + 1 < argc) {
      netns = argv[++i];
    } else if (!strcmp(argv[i], "--cgroup") && i + 1 < argc && ncgroups < MAX_CGROUPS) {
      cgroups[ncgroups++] = argv[++i];
    } else {
      usage();
    }
  }
  if (i >= argc) {
    usage();
  }
  const char *command = argv[i++];
  setsid(); /* a VM's processes and the forwarders are not the terminal's: Ctrl-C reaches the lab, which stops them */
  for (int c = 0; c < ncgroups; c++) {
    join_cgroup(cgroups[c]);
  }
  if (netns) {
    enter_netns(netns);
  }
  if (!strcmp(command, "exec")) {
    if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc) {
      usage();
    }
    execvp(argv[i + 1], argv + i + 1);
    fprintf(stderr, "vmfl-lab: cannot run %s: %s\n", argv[i + 1], strerror(errno));
    return errno == ENOENT ? 127 : 126;
  }
  if (!strcmp(command, "forward")) {
    return forward_main(argc - i, argv + i);
  }
  if (!strcmp(command, "garp")) {
    return garp_main(argc - i, argv + i);
  }
  if (!strcmp(command, "dirty")) {
    return dirty_main(argc - i, argv + i);
  }
  usage();
  return EXIT_USAGE;
}
