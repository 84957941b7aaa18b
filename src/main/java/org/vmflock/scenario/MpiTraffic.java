package org.vmflock.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vmflock.model.CommunicationRounds;
import org.vmflock.model.CommunicationRounds.Hop;
import org.vmflock.model.CommunicationRounds.Kind;
import org.vmflock.model.CommunicationRounds.RoundClass;
import org.vmflock.model.TrafficMatrix;

/**
 * What one MPI run puts on the wire between its ranks, built message by message, and how many
 * latency-bound exchange rounds it waits for. A message to oneself stays in memory. Each message
 * becomes TCP frames as Open MPI's TCP transport sends them in the captures of {@code samples/npb}
 * (1500-byte MTU, TCP timestamps): see {@link #send}. Collectives follow Open MPI's small-message
 * algorithms (recursive doubling, binomial trees); an all-to-all posts all its messages at once
 * and counts one round. Rounds are those of the whole application: an exchange step in which every
 * rank sends to its partners and waits for theirs is one round, however many ranks take part.
 */
final class MpiTraffic {

  /** TCP payload of a full frame: 1500 - 20 (IPv4) - 32 (TCP with timestamps); 1448 in samples/npb. */
  static final int MSS = 1448;
  /** Ethernet 14 + IPv4 20 + TCP 32 bytes on every frame: a full frame is 1514 bytes in samples/npb. */
  static final int FRAME_HEADER = 66;
  /** What Open MPI's TCP transport adds to a message: cg.A.4 sends each 8-byte double as a 30-byte write. */
  static final int ENVELOPE = 22;
  /** Open MPI's TCP eager limit: a longer message waits for the receiver's go-ahead (rendezvous). */
  static final long EAGER_LIMIT = 64 * 1024;
  /** Pure ACKs per data frame, sent back by the receiver: mean of cg.A.4 (0.043), mg.A.4 (0.106), is.A.4 (0.171). */
  static final double ACKS_PER_FRAME = 0.107;
  /** A TCP connection's setup and teardown, per direction (ep.A.4: SYN, SYN-ACK, ACK, a 24-byte hello, FINs, ACKs). */
  static final int CONNECTION_FRAMES = 4;
  static final int CONNECTION_BYTES = 284;

  private final int ranks;
  private final double[][] payload;
  private final double[][] messages;
  private final double[][] frames;
  private final double[][] wire;
  private double rounds;
  /** The rounds with their hops: each {@link #rounds} or {@link #sweeps} closes the hops sent since the last one. */
  private final Map<String, RoundClass> classes = new LinkedHashMap<>();
  private final Set<Hop> pending = new LinkedHashSet<>();

  MpiTraffic(int ranks) {
    if (ranks < 1) {
      throw new IllegalArgumentException("an MPI run has at least one rank, not " + ranks);
    }
    this.ranks = ranks;
    payload = new double[ranks][ranks];
    messages = new double[ranks][ranks];
    frames = new double[ranks][ranks];
    wire = new double[ranks][ranks];
  }

  int ranks() {
    return ranks;
  }

  /**
   * Rank {@code from} sends {@code bytes} to rank {@code to}: {@code ceil((bytes + 22) / 1448)} frames
   * of {@code bytes + 22 + 66 * frames} bytes, 0.107 pure ACKs per frame back, and beyond the eager
   * limit one more small message back (the rendezvous go-ahead).
   */
  void send(int from, int to, double bytes) {
    check(from);
    check(to);
    if (!(bytes >= 0)) {
      throw new IllegalArgumentException("a message has a size >= 0, not " + bytes);
    }
    if (from == to) {
      return;
    }
    double data = bytes + ENVELOPE;
    double f = Math.ceil(data / MSS);
    pending.add(new Hop(from, to));
    payload[from][to] += bytes;
    messages[from][to] += 1;
    frames[from][to] += f;
    wire[from][to] += data + f * FRAME_HEADER;
    double acks = f * ACKS_PER_FRAME;
    frames[to][from] += acks;
    wire[to][from] += acks * FRAME_HEADER;
    if (bytes > EAGER_LIMIT) {
      frames[to][from] += 1;
      wire[to][from] += ENVELOPE + FRAME_HEADER;
    }
  }

  /** The run waits {@code n} more times for the network: exchange rounds over the hops sent since the last rounds. */
  void rounds(double n) {
    if (!(n >= 0)) {
      throw new IllegalArgumentException("rounds >= 0, not " + n);
    }
    rounds += n;
    close(Kind.EXCHANGE, n);
  }

  /**
   * The hops sent since the last rounds are {@code n} pipeline sweeps (a wavefront: each hop waits
   * for the one before it on its chain, once a sweep, not once a stage); {@code latencyBound} is
   * what the source's rounds count for them (kept in {@link #rounds()}).
   */
  void sweeps(double n, double latencyBound) {
    rounds += latencyBound;
    close(Kind.PIPELINE, n);
  }

  private void close(Kind kind, double n) {
    if (!pending.isEmpty() && n > 0) {
      List<Hop> hops = new ArrayList<>(pending);
      merge(new RoundClass(kind, n, hops));
    }
    pending.clear();
  }

  private void merge(RoundClass c) {
    String key = c.kind() + c.hops().toString();
    RoundClass old = classes.get(key);
    classes.put(key, old == null ? c : new RoundClass(c.kind(), old.perWork() + c.perWork(), c.hops()));
  }

  /** The run's rounds with their hops (counts over the whole run). */
  CommunicationRounds structure() {
    return new CommunicationRounds(List.copyOf(classes.values()));
  }

  /** Adds {@code times} repetitions of {@code other} (an iteration) to this run. */
  void add(MpiTraffic other, double times) {
    if (other.ranks != ranks) {
      throw new IllegalArgumentException("cannot add a " + other.ranks + "-rank run to a " + ranks + "-rank one");
    }
    for (int i = 0; i < ranks; i++) {
      for (int j = 0; j < ranks; j++) {
        payload[i][j] += times * other.payload[i][j];
        messages[i][j] += times * other.messages[i][j];
        frames[i][j] += times * other.frames[i][j];
        wire[i][j] += times * other.wire[i][j];
      }
    }
    rounds += times * other.rounds;
    if (times > 0) {
      other.classes.values().forEach(c -> merge(c.scaled(times)));
    }
  }

  // ---------------------------------------------------------------- collectives

  /** Recursive doubling on a power of two, dissemination otherwise; empty messages. */
  void barrier() {
    if (ranks == 1) {
      return;
    }
    if (Integer.bitCount(ranks) == 1) {
      for (int mask = 1; mask < ranks; mask <<= 1) {
        for (int r = 0; r < ranks; r++) {
          send(r, r ^ mask, 0);
        }
      }
    } else {
      for (int distance = 1; distance < ranks; distance <<= 1) {
        for (int r = 0; r < ranks; r++) {
          send(r, (r + distance) % ranks, 0);
        }
      }
    }
    rounds(ceilLog2(ranks));
  }

  /** Binomial tree from {@code root}. */
  void bcast(int root, double bytes) {
    for (int mask = 1; mask < ranks; mask <<= 1) {
      for (int v = 0; v < mask && v + mask < ranks; v++) {
        send((v + root) % ranks, (v + mask + root) % ranks, bytes);
      }
    }
    rounds(ceilLog2(ranks));
  }

  /** Binomial tree to {@code root}. */
  void reduce(int root, double bytes) {
    for (int mask = 1; mask < ranks; mask <<= 1) {
      for (int v = 0; v < mask && v + mask < ranks; v++) {
        send((v + mask + root) % ranks, (v + root) % ranks, bytes);
      }
    }
    rounds(ceilLog2(ranks));
  }

  /**
   * Recursive doubling among the largest power of two of ranks; the others first hand their data
   * to a partner among them and get the result back at the end.
   */
  void allreduce(double bytes) {
    if (ranks == 1) {
      return;
    }
    int p2 = Integer.highestOneBit(ranks);
    if (p2 < ranks) {
      for (int r = p2; r < ranks; r++) {
        send(r, r - p2, bytes);
      }
      rounds(1);
    }
    for (int mask = 1; mask < p2; mask <<= 1) {
      for (int r = 0; r < p2; r++) {
        send(r, r ^ mask, bytes);
      }
    }
    rounds(Integer.numberOfTrailingZeros(p2));
    if (p2 < ranks) {
      for (int r = p2; r < ranks; r++) {
        send(r - p2, r, bytes);
      }
      rounds(1);
    }
  }

  /** Every rank sends {@code bytesPerPair} to every other; one round. */
  void alltoall(double bytesPerPair) {
    for (int r = 0; r < ranks; r++) {
      for (int s = 0; s < ranks; s++) {
        send(r, s, bytesPerPair);
      }
    }
    rounds(ranks > 1 ? 1 : 0);
  }

  // ---------------------------------------------------------------- results

  double rounds() {
    return rounds;
  }

  double payloadBytes(int from, int to) {
    return payload[from][to];
  }

  double messages(int from, int to) {
    return messages[from][to];
  }

  /**
   * Bytes and frames on the wire per second when the run lasts {@code seconds}, VMs {@code vm1..vmN}
   * in rank order; each pair that exchanged anything also pays its TCP connection's setup.
   */
  TrafficMatrix perSecond(double seconds) {
    if (!(seconds > 0) || Double.isInfinite(seconds)) {
      throw new IllegalArgumentException("a run lasts a finite time > 0, not " + seconds);
    }
    double[][] p = new double[ranks][ranks];
    double[][] b = new double[ranks][ranks];
    for (int i = 0; i < ranks; i++) {
      for (int j = 0; j < ranks; j++) {
        if (i == j) {
          continue;
        }
        boolean connected = messages[i][j] > 0 || messages[j][i] > 0;
        p[i][j] = (frames[i][j] + (connected ? CONNECTION_FRAMES : 0)) / seconds;
        b[i][j] = (wire[i][j] + (connected ? CONNECTION_BYTES : 0)) / seconds;
      }
    }
    return new TrafficMatrix(vmNames(ranks), p, b);
  }

  static List<String> vmNames(int n) {
    List<String> names = new ArrayList<>(n);
    for (int i = 1; i <= n; i++) {
      names.add("vm" + i);
    }
    return names;
  }

  static int ceilLog2(int n) {
    return n <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(n - 1);
  }

  private void check(int rank) {
    if (rank < 0 || rank >= ranks) {
      throw new IllegalArgumentException("rank " + rank + " is not one of the run's " + ranks + " ranks");
    }
  }
}
