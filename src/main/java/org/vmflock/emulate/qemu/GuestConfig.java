package org.vmflock.emulate.qemu;

/**
 * What one QEMU guest is: its RAM, its address on the federation's subnet, and its workload (the
 * non-zero memory it fills once, the working set it keeps dirtying, how fast).
 *
 * @param memoryMiB guest RAM; the guest gets this plus 8 KiB (QEMU 7.2 under TCG loses dirty pages
 *     of a RAM of exactly N MiB)
 * @param ipWithPrefix eth0's address, e.g. {@code 10.77.200.1/16}
 * @param mac eth0's MAC, e.g. {@code 02:00:0a:4d:c8:01}
 * @param fillMiB memory the workload fills with non-zero data once
 * @param workingSetMiB memory the workload dirties over and over
 * @param dirtyMiBPerSecond how fast it dirties it (4 KiB pages)
 * @param port the TCP port the workload answers on
 */
public record GuestConfig(int memoryMiB, String ipWithPrefix, String mac, double fillMiB, double workingSetMiB, double dirtyMiBPerSecond,
    int port, long seed) {

  /** Smallest RAM the guest's kernel (Debian's) boots in. */
  public static final int MIN_MEMORY_MIB = 128;
  static final int EXTRA_KIB = 8;

  public GuestConfig {
    if (memoryMiB < MIN_MEMORY_MIB) {
      throw new IllegalArgumentException("a QEMU guest needs at least " + MIN_MEMORY_MIB + " MiB of RAM, not " + memoryMiB);
    }
    if (fillMiB < 0 || workingSetMiB <= 0 || dirtyMiBPerSecond < 0 || fillMiB + workingSetMiB > memoryMiB - 64) {
      throw new IllegalArgumentException("guest workload: fill " + fillMiB + " MiB + working set " + workingSetMiB + " MiB must leave 64 MiB of "
          + memoryMiB + " MiB to the kernel, and rates are not negative");
    }
    if (!ipWithPrefix.matches("\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+") || !mac.matches("([0-9a-f]{2}:){5}[0-9a-f]{2}") || port < 1 || port > 65535) {
      throw new IllegalArgumentException("guest network: address/prefix, lower-case MAC, port 1-65535: " + ipWithPrefix + " " + mac + " " + port);
    }
  }

  /** The address without its prefix length. */
  public String ip() {
    return ipWithPrefix.substring(0, ipWithPrefix.indexOf('/'));
  }

  /** The guest's RAM in KiB, as given to QEMU. */
  public long memoryKiB() {
    return memoryMiB * 1024L + EXTRA_KIB;
  }

  public long memoryBytes() {
    return memoryKiB() * 1024L;
  }

  /** What the guest's init reads from the kernel command line. */
  public String kernelArguments() {
    return "console=ttyS0 quiet panic=-1 vmfl.ip=" + ipWithPrefix + " vmfl.fill=" + fmt(fillMiB) + " vmfl.ws=" + fmt(workingSetMiB)
        + " vmfl.rate=" + fmt(dirtyMiBPerSecond) + " vmfl.port=" + port + " vmfl.seed=" + seed;
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
