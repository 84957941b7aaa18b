package org.vmflock.analyze;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.vmflock.model.CommunicationRounds;
import org.vmflock.model.CommunicationRounds.Hop;
import org.vmflock.model.CommunicationRounds.Kind;
import org.vmflock.model.CommunicationRounds.RoundClass;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.IpAddress;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.VmEndpoint;
import org.vmflock.monitor.capture.CaptureFileReader;
import org.vmflock.monitor.capture.CaptureFormatException;

/**
 * An application's communication structure read from captures of it running on one site (P1): the
 * VM x VM matrix of frames and bytes on the wire, and its rounds in the order they depend on each
 * other. Only TCP segments that carry data from one VM to another make messages (pure ACKs,
 * connection setup and other hosts do not); a message is one write: its segments up to the one
 * that carries PSH (Linux sets it on the last segment of each write).
 *
 * <p>Rounds follow causality, not the clock: a message is one round deeper than what its sender had
 * received when it started sending it (its <em>depth</em>: 1 + the sender's depth then), and its
 * receiver reaches that depth once it has arrived. Round {@code d} is every message of depth
 * {@code d}: they are concurrent, none waits for another, and each waits for one of round
 * {@code d - 1}. So a halo swap is one round whatever order its messages come in; a pipeline's
 * sweep as many rounds as its chain has hops (its next planes ride in the same rounds: they wait
 * for nothing more); a reduction tree as many as it has levels. Rounds with the same hops form one
 * class; {@link Structure#sequence()} keeps their order, so that a placement's waits can be
 * followed VM by VM along the chains that really depend on each other ({@link #chainLatency}).
 */
public final class CapturedRounds {

  private static final int ETHERNET_HEADER = 14;
  private static final int ETHERTYPE_IPV4 = 0x0800;
  private static final int TCP = 6;
  private static final int PSH = 0x08;
  private static final int TCP_FIXED_HEADER = 14;

  /**
   * What the captures show.
   *
   * @param total frames and bytes on the wire between the VMs over the whole capture (row = sender)
   * @param rounds every round, counted over the whole capture (not yet per work second)
   * @param roundCount how many rounds
   * @param sequence the rounds in their order: each its class in {@code rounds}
   * @param seconds from the first to the last frame between two VMs
   * @param dataSegments TCP segments with data between VMs
   */
  public record Structure(TrafficMatrix total, CommunicationRounds rounds, int roundCount, int[] sequence, double seconds,
      long dataSegments) {

    /** The rounds per second of {@code wallSeconds} (the run's work at CPU speed 1). */
    public CommunicationRounds roundsPer(double wallSeconds) {
      return rounds.scaled(1 / wallSeconds);
    }

    /** The matrix per second of {@code wallSeconds}. */
    public TrafficMatrix perSecond(double wallSeconds) {
      return total.dividedBy(wallSeconds);
    }
  }

  private CapturedRounds() {}

  /** Reads {@code captures} (pcap or pcapng, gzipped or not, taken as one capture) for the VMs of {@code vms}, in their order. */
  public static Structure read(List<Path> captures, List<VmEndpoint> vms) {
    Map<Integer, Integer> vmOf = new HashMap<>();
    for (int i = 0; i < vms.size(); i++) {
      for (IpAddress a : vms.get(i).addresses()) {
        if (a.isIpv4()) {
          vmOf.put((int) a.low(), i);
        }
      }
    }
    int n = vms.size();
    double[][] frames = new double[n][n];
    double[][] bytes = new double[n][n];
    List<long[]> segments = new ArrayList<>(); // micros, from, to, push
    long[] span = {Long.MAX_VALUE, Long.MIN_VALUE};
    for (Path file : captures) {
      try (CaptureFileReader reader = CaptureFileReader.open(file)) {
        while (reader.read((micros, originalLength, b, off, len) -> {
          if (len < ETHERNET_HEADER + 20 || u16(b, off + 12) != ETHERTYPE_IPV4) {
            return;
          }
          int ip = off + ETHERNET_HEADER;
          Integer from = vmOf.get(u32(b, ip + 12));
          Integer to = vmOf.get(u32(b, ip + 16));
          if (from == null || to == null || from.equals(to)) {
            return;
          }
          frames[from][to]++;
          bytes[from][to] += originalLength;
          span[0] = Math.min(span[0], micros);
          span[1] = Math.max(span[1], micros);
          int ihl = (b[ip] & 0x0f) * 4;
          if ((b[ip + 9] & 0xff) != TCP || len < ETHERNET_HEADER + ihl + TCP_FIXED_HEADER) {
            return;
          }
          int tcp = ip + ihl;
          int ipLength = u16(b, ip + 2);
          int onWire = ipLength > 0 ? ipLength : originalLength - ETHERNET_HEADER; // GSO frames may leave it 0
          int payload = onWire - ihl - ((b[tcp + 12] & 0xf0) >> 4) * 4;
          if (payload > 0) {
            segments.add(new long[] {micros, from, to, (b[tcp + 13] & PSH) != 0 ? 1 : 0});
          }
        }, Long.MAX_VALUE) > 0) {
          // every frame goes to the sink
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      } catch (CaptureFormatException e) {
        throw new InvalidInputException(file.toString(), e.getMessage());
      }
    }
    if (segments.isEmpty()) {
      throw new InvalidInputException(captures.get(0).toString(), "no TCP data between the VMs of the address plan ("
          + vms.size() + " VMs): wrong capture or wrong VMS.csv?");
    }
    segments.sort((x, y) -> Long.compare(x[0], y[0]));
    List<String> names = vms.stream().map(VmEndpoint::vm).toList();
    Rounds r = rounds(segments, n);
    return new Structure(new TrafficMatrix(names, frames, bytes), r.structure, r.count, r.sequence, (span[1] - span[0]) / 1e6,
        segments.size());
  }


  private record Rounds(CommunicationRounds structure, int count, int[] sequence) {}

  /** Gives each message its depth, then makes each depth a round and groups the rounds by hops. */
  private static Rounds rounds(List<long[]> segments, int vms) {
    long[] depth = new long[vms];
    long[][] open = new long[vms][vms];
    for (long[] o : open) {
      Arrays.fill(o, -1);
    }
    TreeMap<Long, TreeSet<Long>> levels = new TreeMap<>();
    for (long[] s : segments) {
      int from = (int) s[1];
      int to = (int) s[2];
      if (open[from][to] < 0) {
        open[from][to] = depth[from] + 1;
      }
      if (s[3] == 1) {
        long d = open[from][to];
        depth[to] = Math.max(depth[to], d);
        levels.computeIfAbsent(d, k -> new TreeSet<>()).add(((long) from << 32) | to);
        open[from][to] = -1;
      }
    }
    Map<String, Integer> classOf = new HashMap<>();
    List<double[]> counts = new ArrayList<>();
    List<List<Hop>> hopsOf = new ArrayList<>();
    int[] sequence = new int[levels.size()];
    int i = 0;
    for (TreeSet<Long> pairs : levels.values()) {
      String key = pairs.toString();
      Integer c = classOf.get(key);
      if (c == null) {
        c = counts.size();
        classOf.put(key, c);
        counts.add(new double[1]);
        hopsOf.add(pairs.stream().map(p -> new Hop((int) (p >>> 32), (int) (p & 0xffffffffL))).toList());
      }
      counts.get(c)[0]++;
      sequence[i++] = c;
    }
    List<RoundClass> classes = new ArrayList<>();
    for (int c = 0; c < counts.size(); c++) {
      classes.add(new RoundClass(Kind.EXCHANGE, counts.get(c)[0], hopsOf.get(c)));
    }
    return new Rounds(new CommunicationRounds(classes), levels.size(), sequence);
  }

  /**
   * The waits of the rounds of {@code s} in their order, followed VM by VM: a VM's chain is as late
   * as the latest message it received (its sender's chain plus the hop's latency); the run waits for
   * the longest chain. {@code latency[a][b]}: one way from VM a to VM b.
   *
   * @return the longest chain's seconds and how many of its hops cross sites ({@code crosses[a][b]})
   */
  public static double[] chainLatency(Structure s, double[][] latency, boolean[][] crosses) {
    int n = s.total().size();
    double[] at = new double[n];
    double[] crossings = new double[n];
    double[] nextAt = new double[n];
    double[] nextCrossings = new double[n];
    List<RoundClass> classes = s.rounds().classes();
    for (int c : s.sequence()) {
      System.arraycopy(at, 0, nextAt, 0, n);
      System.arraycopy(crossings, 0, nextCrossings, 0, n);
      for (Hop h : classes.get(c).hops()) {
        double reach = at[h.from()] + latency[h.from()][h.to()];
        if (reach > nextAt[h.to()]) {
          nextAt[h.to()] = reach;
          nextCrossings[h.to()] = crossings[h.from()] + (crosses[h.from()][h.to()] ? 1 : 0);
        }
      }
      System.arraycopy(nextAt, 0, at, 0, n);
      System.arraycopy(nextCrossings, 0, crossings, 0, n);
    }
    int worst = 0;
    for (int v = 1; v < n; v++) {
      if (at[v] > at[worst]) {
        worst = v;
      }
    }
    return new double[] {at[worst], crossings[worst]};
  }

  private static int u16(byte[] b, int at) {
    return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
  }

  private static int u32(byte[] b, int at) {
    return (u16(b, at) << 16) | u16(b, at + 2);
  }
}
