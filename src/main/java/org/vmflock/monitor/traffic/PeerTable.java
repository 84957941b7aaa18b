package org.vmflock.monitor.traffic;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.vmflock.model.IpAddress;

/**
 * Packets and bytes per peer address, keyed by the two longs of {@link IpAddress} in an
 * open-addressing table: the capture path adds to it without allocating.
 */
final class PeerTable {

  private static final int INITIAL_CAPACITY = 16;

  private long[] highs = new long[INITIAL_CAPACITY];
  private long[] lows = new long[INITIAL_CAPACITY];
  private boolean[] used = new boolean[INITIAL_CAPACITY];
  private long[] packets = new long[INITIAL_CAPACITY];
  private long[] bytes = new long[INITIAL_CAPACITY];
  private int size;

  void add(long high, long low, long frameCount, long byteCount) {
    int mask = used.length - 1;
    int i = slot(high, low) & mask;
    while (used[i]) {
      if (highs[i] == high && lows[i] == low) {
        packets[i] += frameCount;
        bytes[i] += byteCount;
        return;
      }
      i = (i + 1) & mask;
    }
    used[i] = true;
    highs[i] = high;
    lows[i] = low;
    packets[i] = frameCount;
    bytes[i] = byteCount;
    if (++size * 2 > used.length) {
      grow();
    }
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The peers sorted by address, for reproducible reports. */
  List<PeerTraffic> toList() {
    List<IpAddress> keys = new ArrayList<>(size);
    List<PeerTraffic> out = new ArrayList<>(size);
    for (int i = 0; i < used.length; i++) {
      if (used[i]) {
        keys.add(new IpAddress(highs[i], lows[i]));
      }
    }
    keys.sort(Comparator.naturalOrder());
    for (IpAddress k : keys) {
      int i = find(k.high(), k.low());
      out.add(new PeerTraffic(k.toString(), packets[i], bytes[i]));
    }
    return out;
  }

  private int find(long high, long low) {
    int mask = used.length - 1;
    int i = slot(high, low) & mask;
    while (!(highs[i] == high && lows[i] == low && used[i])) {
      i = (i + 1) & mask;
    }
    return i;
  }

  private static int slot(long high, long low) {
    long h = (high * 0x9E37_79B9_7F4A_7C15L) ^ low;
    h ^= h >>> 33;
    h *= 0xFF51_AFD7_ED55_8CCDL;
    return (int) (h ^ (h >>> 29));
  }

  private void grow() {
    long[] oh = highs;
    long[] ol = lows;
    boolean[] ou = used;
    long[] op = packets;
    long[] ob = bytes;
    int capacity = ou.length * 2;
    highs = new long[capacity];
    lows = new long[capacity];
    used = new boolean[capacity];
    packets = new long[capacity];
    bytes = new long[capacity];
    size = 0;
    for (int i = 0; i < ou.length; i++) {
      if (ou[i]) {
        add(oh[i], ol[i], op[i], ob[i]);
      }
    }
  }
}
