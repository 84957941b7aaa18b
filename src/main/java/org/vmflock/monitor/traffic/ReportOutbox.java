package org.vmflock.monitor.traffic;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reports waiting for the collector's acknowledgement, keyed by period. A report is sent again until
 * it is acknowledged (the collector ignores duplicates), at most {@code maxInFlight} at a time, and at
 * most {@code capacity} are kept: beyond that the oldest is given up, and counted.
 */
public final class ReportOutbox<R> {

  private final int capacity;
  private final int maxInFlight;
  private final TreeMap<Long, R> pending = new TreeMap<>();
  private final Set<Long> inFlight = new HashSet<>();
  private long dropped;

  public ReportOutbox(int capacity, int maxInFlight) {
    if (capacity < 1 || maxInFlight < 1) {
      throw new IllegalArgumentException("capacity and maxInFlight must be positive");
    }
    this.capacity = capacity;
    this.maxInFlight = maxInFlight;
  }

  /** Queues a report; returns the periods given up to stay within capacity. */
  public List<Long> add(long period, R report) {
    pending.put(period, report);
    List<Long> givenUp = new ArrayList<>();
    while (pending.size() > capacity) {
      long oldest = pending.firstKey();
      pending.remove(oldest);
      inFlight.remove(oldest);
      givenUp.add(oldest);
      dropped++;
    }
    return givenUp;
  }

  /** Reports to send now, oldest first, marked in flight. */
  public List<Map.Entry<Long, R>> toSend() {
    List<Map.Entry<Long, R>> out = new ArrayList<>();
    for (Map.Entry<Long, R> e : pending.entrySet()) {
      if (inFlight.size() >= maxInFlight) {
        break;
      }
      if (inFlight.add(e.getKey())) {
        out.add(Map.entry(e.getKey(), e.getValue()));
      }
    }
    return out;
  }

  /** The collector has it (recorded, duplicate, or refused for good). */
  public void done(long period) {
    pending.remove(period);
    inFlight.remove(period);
  }

  /** No answer: send it again later. */
  public void failed(long period) {
    inFlight.remove(period);
  }

  public boolean isEmpty() {
    return pending.isEmpty();
  }

  public int size() {
    return pending.size();
  }

  public long dropped() {
    return dropped;
  }
}
