package org.vmflock.emulate.hypervisors;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The traffic the hypervisors' VMs exchanged, as cumulative counters per (receiver, sender) pair
 * that can be read at any instant of the retained past: the rates are constant between two changes
 * of the world (a boot, a stop, a step of a migration), so each change opens a segment (its start,
 * every pair's counters at that start, every pair's rate from then on) and a counter at {@code t}
 * is its segment's start value plus rate times the time since. Reading the same instant twice gives
 * the same counts, whoever asks and however often: a poller that asks at the ends of its periods,
 * after a restart too, gets each period's traffic exactly once, with nothing lost between polls.
 * Each segment also holds where each VM ran (its site, and the number of its network interface), so
 * that which site reports a VM's period (the one where it was at the period's end) is decided by the
 * instant, not by when each site's poller asks.
 *
 * <p>Plain Java; not thread-safe (the server calls it under its lock).
 */
public final class TrafficMeter {

  /** What {@code receiver} receives from {@code sender} per second, and the sender's address. */
  public record Rate(String receiver, String sender, String senderAddress, double packetsPerSecond, double bytesPerSecond) {}

  /** Where a VM runs: its site, and the number of its network interface. */
  public record Where(String site, int nic) {}

  /** What {@code receiver} received from {@code senderAddress} since the meter started, at some instant. */
  public record Count(String senderAddress, long packets, long bytes) {}

  private record Pair(String receiver, String sender) implements Comparable<Pair> {
    @Override
    public int compareTo(Pair o) {
      int c = receiver.compareTo(o.receiver);
      return c != 0 ? c : sender.compareTo(o.sender);
    }
  }

  /** A pair's counters at its segment's start, and its rate from then on. */
  private record Flow(String senderAddress, double packets, double bytes, double packetsPerSecond, double bytesPerSecond) {
    double packetsAt(double seconds) {
      return packets + packetsPerSecond * seconds;
    }

    double bytesAt(double seconds) {
      return bytes + bytesPerSecond * seconds;
    }
  }

  private final Duration retention;
  /** A segment: every pair whose receiver runs (a pair with no rate keeps its counts), and where each VM runs. */
  private record Segment(TreeMap<Pair, Flow> flows, Map<String, Where> vms) {}

  /** Segments by start. */
  private final NavigableMap<Instant, Segment> segments = new TreeMap<>();

  /** @param retention how far back the counters can be read (older segments are dropped) */
  public TrafficMeter(Duration retention) {
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("the traffic's retention is positive, not " + retention);
    }
    this.retention = retention;
  }

  /** From {@code at} on, the VMs run where {@code vms} says and the pairs exchange at {@code rates} (pairs not named exchange nothing). */
  public void rates(Instant at, Map<String, Where> vms, List<Rate> rates) {
    Map.Entry<Instant, Segment> last = segments.lastEntry();
    if (last != null && at.isBefore(last.getKey())) {
      at = last.getKey(); // a clock that stepped back: the change takes effect at the last one
    }
    TreeMap<Pair, Flow> next = new TreeMap<>();
    if (last != null) {
      double seconds = seconds(last.getKey(), at);
      // the counts of a VM that runs nowhere now are in the segments before (read at instants it ran): not carried on
      last.getValue().flows().forEach((pair, f) -> {
        if (vms.containsKey(pair.receiver())) {
          next.put(pair, new Flow(f.senderAddress(), f.packetsAt(seconds), f.bytesAt(seconds), 0, 0));
        }
      });
    }
    for (Rate r : rates) {
      if (r.packetsPerSecond() < 0 || r.bytesPerSecond() < 0) {
        throw new IllegalArgumentException("a rate is not negative: " + r);
      }
      Pair pair = new Pair(r.receiver(), r.sender());
      Flow before = next.get(pair);
      next.put(pair, new Flow(r.senderAddress(), before == null ? 0 : before.packets(), before == null ? 0 : before.bytes(),
          r.packetsPerSecond(), r.bytesPerSecond()));
    }
    segments.put(at, new Segment(next, Map.copyOf(vms)));
    Instant keepFrom = at.minus(retention);
    Instant floor = segments.floorKey(keepFrom);
    if (floor != null) {
      segments.headMap(floor, false).clear();
    }
  }

  /** The earliest instant the counters can be read at, if any traffic was ever metered. */
  public java.util.Optional<Instant> since() {
    return segments.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(segments.firstKey());
  }

  /**
   * What {@code receiver} received from each sender, cumulative, at {@code at} (whole packets and
   * bytes: the fractions are in the next reading). Before the retained past, or for a VM never
   * metered: nothing.
   */
  public List<Count> received(String receiver, Instant at) {
    Map.Entry<Instant, Segment> segment = segments.floorEntry(at);
    List<Count> out = new ArrayList<>();
    if (segment == null) {
      return out;
    }
    double seconds = seconds(segment.getKey(), at);
    for (Map.Entry<Pair, Flow> e : segment.getValue().flows().subMap(new Pair(receiver, ""), true, new Pair(receiver, "\uffff"), true)
        .entrySet()) {
      Flow f = e.getValue();
      long packets = (long) Math.floor(f.packetsAt(seconds));
      long bytes = (long) Math.floor(f.bytesAt(seconds));
      if (packets > 0 || bytes > 0) {
        out.add(new Count(f.senderAddress(), packets, bytes));
      }
    }
    return out;
  }

  /** The VMs at {@code site} at {@code at}, and their interfaces; none before the retained past. */
  public Map<String, Where> vmsAt(String site, Instant at) {
    Map.Entry<Instant, Segment> segment = segments.floorEntry(at);
    Map<String, Where> out = new TreeMap<>();
    if (segment != null) {
      segment.getValue().vms().forEach((vm, where) -> {
        if (where.site().equals(site)) {
          out.put(vm, where);
        }
      });
    }
    return out;
  }

  private static double seconds(Instant from, Instant to) {
    return Duration.between(from, to).toNanos() / 1e9;
  }
}
