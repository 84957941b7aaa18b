package org.vmflock.monitor.traffic;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.vmflock.model.IpAddress;
import org.vmflock.model.MacAddress;
import org.vmflock.model.PeriodGrid;
import org.vmflock.model.VmEndpoint;
import org.vmflock.monitor.capture.FrameSink;

/**
 * Counts the frames of one capture (one per physical host, M3) into per-VM, per-period, per-peer
 * counters (M1). A frame whose destination MAC is a VM of the host counts as received by that VM
 * from the frame's source IP address; a frame a VM sends to a configured file server counts as sent
 * by that VM to the server; everything else is counted per host (unknown destination, multicast,
 * malformed), never dropped silently. Bytes are the frame's length on the wire.
 *
 * <p>Not thread-safe: a live capture guards it with a lock, a replay uses it from one thread.
 */
public final class TrafficCounter implements FrameSink {

  private static final int ETHERNET_HEADER = 14;
  private static final int VLAN_TAG = 4;
  private static final int ETHERTYPE_IPV4 = 0x0800;
  private static final int ETHERTYPE_IPV6 = 0x86DD;
  private static final int ETHERTYPE_VLAN = 0x8100;
  private static final int ETHERTYPE_QINQ = 0x88A8;
  private static final int IPV4_MIN_HEADER = 20;
  private static final int IPV4_SOURCE = 12;
  private static final int IPV4_DESTINATION = 16;
  private static final int IPV6_HEADER = 40;
  private static final int IPV6_SOURCE = 8;
  private static final int IPV6_DESTINATION = 24;

  private final String host;
  private final PeriodGrid periods;
  private final String[] vmNames;
  private final MacIndex macs;
  private final List<IpAddress> fileServers;
  private final long[] fileServerHighs;
  private final long[] fileServerLows;

  private final Map<Long, PeriodCounts> open = new HashMap<>();
  private long currentPeriod = Long.MIN_VALUE;
  private PeriodCounts current;
  private long frames;
  private long lastTimestampMicros = Long.MIN_VALUE;

  public TrafficCounter(String host, PeriodGrid periods, List<VmEndpoint> vms, Collection<IpAddress> fileServers) {
    this.host = host;
    this.periods = periods;
    this.vmNames = vms.stream().map(VmEndpoint::vm).toArray(String[]::new);
    this.macs = new MacIndex(vms.stream().mapToLong(v -> v.mac().value()).toArray());
    this.fileServers = List.copyOf(fileServers);
    this.fileServerHighs = this.fileServers.stream().mapToLong(IpAddress::high).toArray();
    this.fileServerLows = this.fileServers.stream().mapToLong(IpAddress::low).toArray();
  }

  public String host() {
    return host;
  }

  public PeriodGrid periods() {
    return periods;
  }

  /** Timestamp of the newest frame counted so far, or {@code Long.MIN_VALUE}. */
  public long lastTimestampMicros() {
    return lastTimestampMicros;
  }

  /** Frames counted since the last drain. */
  public long pendingFrames() {
    return frames;
  }

  @Override
  public void frame(long timestampMicros, int originalLength, byte[] buf, int off, int capturedLength) {
    frames++;
    if (timestampMicros > lastTimestampMicros) {
      lastTimestampMicros = timestampMicros;
    }
    PeriodCounts counts = countsFor(periods.periodOfMicros(timestampMicros));
    if (capturedLength < ETHERNET_HEADER) {
      counts.malformed(originalLength);
      return;
    }
    long destination = MacAddress.read(buf, off);
    int end = off + capturedLength;
    int p = off + ETHERNET_HEADER - 2;
    int etherType = u16(buf, p);
    p += 2;
    while (etherType == ETHERTYPE_VLAN || etherType == ETHERTYPE_QINQ) {
      if (p + VLAN_TAG > end) {
        counts.malformed(originalLength);
        return;
      }
      etherType = u16(buf, p + 2);
      p += VLAN_TAG;
    }
    int vm = macs.indexOf(destination);
    if (vm >= 0) {
      receivedBy(counts, vm, etherType, buf, p, end, originalLength);
    } else if (!sentToFileServer(counts, buf, off, etherType, p, end, originalLength)) {
      if (MacAddress.isGroup(destination)) {
        counts.multicast(originalLength);
      } else {
        counts.unknownDestination(originalLength);
      }
    }
  }

  private void receivedBy(PeriodCounts counts, int vm, int etherType, byte[] buf, int p, int end, int length) {
    if (etherType == ETHERTYPE_IPV4) {
      if (p + IPV4_MIN_HEADER > end) {
        counts.malformed(length);
        return;
      }
      counts.received(vm).add(0, IpAddress.mappedLow(i32(buf, p + IPV4_SOURCE)), 1, length);
    } else if (etherType == ETHERTYPE_IPV6) {
      if (p + IPV6_HEADER > end) {
        counts.malformed(length);
        return;
      }
      counts.received(vm).add(i64(buf, p + IPV6_SOURCE), i64(buf, p + IPV6_SOURCE + 8), 1, length);
    } else {
      counts.nonIp(vm, length);
    }
  }

  private boolean sentToFileServer(PeriodCounts counts, byte[] buf, int off, int etherType, int p, int end, int length) {
    if (fileServerHighs.length == 0) {
      return false;
    }
    long high;
    long low;
    if (etherType == ETHERTYPE_IPV4 && p + IPV4_MIN_HEADER <= end) {
      high = 0;
      low = IpAddress.mappedLow(i32(buf, p + IPV4_DESTINATION));
    } else if (etherType == ETHERTYPE_IPV6 && p + IPV6_HEADER <= end) {
      high = i64(buf, p + IPV6_DESTINATION);
      low = i64(buf, p + IPV6_DESTINATION + 8);
    } else {
      return false;
    }
    for (int i = 0; i < fileServerHighs.length; i++) {
      if (fileServerHighs[i] == high && fileServerLows[i] == low) {
        int vm = macs.indexOf(MacAddress.read(buf, off + 6));
        if (vm < 0) {
          return false;
        }
        counts.sentToFileServer(vm).add(high, low, 1, length);
        return true;
      }
    }
    return false;
  }

  private PeriodCounts countsFor(long period) {
    if (period == currentPeriod) {
      return current;
    }
    currentPeriod = period;
    current = open.computeIfAbsent(period, p -> new PeriodCounts(vmNames.length));
    return current;
  }

  /**
   * Hands over everything counted since the last drain and starts afresh. VMs with no traffic in a
   * period are left out: their sensors learn that the period passed from the watermark.
   */
  public CountedTraffic drain() {
    if (frames == 0) {
      return CountedTraffic.none();
    }
    List<VmTraffic> vms = new ArrayList<>();
    List<HostTraffic> hosts = new ArrayList<>();
    for (Map.Entry<Long, PeriodCounts> e : new TreeMap<>(open).entrySet()) {
      e.getValue().export(host, e.getKey(), vmNames, vms, hosts);
    }
    CountedTraffic out = new CountedTraffic(vms, hosts, frames);
    open.clear();
    currentPeriod = Long.MIN_VALUE;
    current = null;
    frames = 0;
    return out;
  }

  private static int u16(byte[] b, int i) {
    return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
  }

  private static int i32(byte[] b, int i) {
    return ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
  }

  private static long i64(byte[] b, int i) {
    return ((long) i32(b, i) << 32) | (i32(b, i + 4) & 0xFFFF_FFFFL);
  }

  /** The counters of one period. */
  private static final class PeriodCounts {
    private final PeerTable[] received;
    private final PeerTable[] sentToFileServers;
    private final long[] nonIpFrames;
    private final long[] nonIpBytes;
    private long unknownFrames;
    private long unknownBytes;
    private long multicastFrames;
    private long multicastBytes;
    private long malformedFrames;
    private long malformedBytes;

    PeriodCounts(int vms) {
      received = new PeerTable[vms];
      sentToFileServers = new PeerTable[vms];
      nonIpFrames = new long[vms];
      nonIpBytes = new long[vms];
    }

    PeerTable received(int vm) {
      PeerTable t = received[vm];
      return t != null ? t : (received[vm] = new PeerTable());
    }

    PeerTable sentToFileServer(int vm) {
      PeerTable t = sentToFileServers[vm];
      return t != null ? t : (sentToFileServers[vm] = new PeerTable());
    }

    void nonIp(int vm, int length) {
      nonIpFrames[vm]++;
      nonIpBytes[vm] += length;
    }

    void unknownDestination(int length) {
      unknownFrames++;
      unknownBytes += length;
    }

    void multicast(int length) {
      multicastFrames++;
      multicastBytes += length;
    }

    void malformed(int length) {
      malformedFrames++;
      malformedBytes += length;
    }

    void export(String host, long period, String[] names, List<VmTraffic> vms, List<HostTraffic> hosts) {
      for (int vm = 0; vm < names.length; vm++) {
        boolean any = received[vm] != null || sentToFileServers[vm] != null || nonIpFrames[vm] != 0;
        if (any) {
          vms.add(new VmTraffic(
              names[vm],
              period,
              received[vm] == null ? List.of() : received[vm].toList(),
              sentToFileServers[vm] == null ? List.of() : sentToFileServers[vm].toList(),
              nonIpFrames[vm],
              nonIpBytes[vm]));
        }
      }
      if (unknownFrames + multicastFrames + malformedFrames > 0) {
        hosts.add(new HostTraffic(host, period, unknownFrames, unknownBytes, multicastFrames, multicastBytes, malformedFrames, malformedBytes));
      }
    }
  }

  /** MAC address to VM index; built once, read on every frame. */
  private static final class MacIndex {
    private static final long EMPTY = -1L; // not a 48-bit value
    private final long[] keys;
    private final int[] values;

    MacIndex(long[] macs) {
      int capacity = Integer.highestOneBit(Math.max(4, macs.length * 4) - 1) << 1;
      keys = new long[capacity];
      values = new int[capacity];
      java.util.Arrays.fill(keys, EMPTY);
      for (int i = 0; i < macs.length; i++) {
        int s = slot(macs[i]);
        while (keys[s] != EMPTY) {
          s = (s + 1) & (capacity - 1);
        }
        keys[s] = macs[i];
        values[s] = i;
      }
    }

    int indexOf(long mac) {
      int s = slot(mac);
      while (true) {
        long k = keys[s];
        if (k == mac) {
          return values[s];
        }
        if (k == EMPTY) {
          return -1;
        }
        s = (s + 1) & (keys.length - 1);
      }
    }

    private int slot(long mac) {
      long h = mac * 0x9E37_79B9_7F4A_7C15L;
      return (int) (h >>> 40) & (keys.length - 1);
    }
  }
}
