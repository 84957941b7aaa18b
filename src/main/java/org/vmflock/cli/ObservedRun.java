package org.vmflock.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.vmflock.analyze.CapturedRounds;
import org.vmflock.model.CommunicationRounds;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;
import org.vmflock.model.VmInventory;
import org.vmflock.monitor.export.MatrixCsv;
import org.vmflock.plan.RuntimeForecast;
import org.vmflock.plan.TrafficLayout;

/**
 * An application's run observed on one site, as {@code predict runtime} and {@code plan} take it:
 * captures of it (its rounds read from them), or only its VM x VM matrices over a known duration
 * (its rounds then assumed, and said so).
 *
 * @param seconds the run's wall time on one site
 * @param perSecond its traffic per second of that run (bytes and frames)
 * @param rounds its rounds per second
 * @param order the rounds in their order, when captured
 * @param assumptions what had to be assumed, one sentence each
 */
record ObservedRun(double seconds, TrafficMatrix perSecond, CommunicationRounds rounds, Optional<RuntimeForecast.RoundOrder> order,
    List<String> assumptions) {

  /** From captures of the run and its VMs' address plan; {@code duration} overrides the capture's span. */
  static ObservedRun captured(List<Path> captures, Path vms, Optional<Duration> duration) {
    if (vms == null) {
      throw new InvalidInputException("--capture", "needs --vms VMS.csv (the VMs' addresses, as replay takes it)");
    }
    CapturedRounds.Structure s = CapturedRounds.read(captures, VmInventory.read(vms).vms());
    List<String> assumptions = new ArrayList<>();
    double seconds = duration.map(d -> d.toNanos() / 1e9).orElse(s.seconds());
    if (duration.isEmpty()) {
      assumptions.add(String.format(Locale.ROOT, "the run's time on one site is the capture's span, %.3f s (first to last frame between"
          + " its VMs; --duration gives the measured one)", s.seconds()));
    }
    positive("--duration", seconds);
    return new ObservedRun(seconds, s.perSecond(seconds), s.roundsPer(seconds),
        Optional.of((latency, crosses) -> CapturedRounds.chainLatency(s, latency, crosses)), assumptions);
  }

  /**
   * From a bytes matrix (and a frames matrix) over {@code duration}: no capture, so the rounds are
   * assumed: exchange rounds among every pair that talks, as many as half the frames (a message
   * and its acknowledgement) over the talking ordered pairs; without frames, none.
   */
  static ObservedRun matrices(Path bytes, Optional<Path> packets, Duration duration) {
    if (duration == null) {
      throw new InvalidInputException("--traffic", "needs --duration (the time the matrix covers: the run's time on one site)");
    }
    double seconds = duration.toNanos() / 1e9;
    positive("--duration", seconds);
    TrafficMatrix b = MatrixCsv.read(bytes, TrafficMetric.BYTES);
    double[][] frames = new double[b.size()][b.size()];
    List<String> assumptions = new ArrayList<>();
    if (packets.isPresent()) {
      TrafficMatrix p = MatrixCsv.read(packets.get(), TrafficMetric.PACKETS);
      if (!p.vms().equals(b.vms())) {
        throw new InvalidInputException(packets.get().toString(), "names VMs " + p.vms() + ", not those of " + bytes + " " + b.vms());
      }
      for (int i = 0; i < b.size(); i++) {
        for (int j = 0; j < b.size(); j++) {
          frames[i][j] = p.packets(i, j);
        }
      }
    }
    TrafficMatrix perSecond = new TrafficMatrix(b.vms(), frames, b.bytes()).dividedBy(seconds);
    double rounds = assumedRoundsPerSecond(perSecond);
    if (packets.isEmpty()) {
      assumptions.add("no capture and no --packets: no round is known");
      return new ObservedRun(seconds, perSecond, CommunicationRounds.UNKNOWN, Optional.empty(), assumptions);
    } else {
      assumptions.add(String.format(Locale.ROOT, "no capture: %.1f exchange rounds a second among every pair that talks (half the frames,"
          + " a message and its acknowledgement, over the pairs that talk), each waiting for the slowest of them; a capture tells"
          + " which pairs each round involves", rounds));
    }
    assumptions.add("no capture: the rounds' order is not known, so each round waits for its slowest hop");
    return new ObservedRun(seconds, perSecond, CommunicationRounds.allTalking(perSecond, rounds, TrafficLayout.NEGLIGIBLE_BYTES),
        Optional.empty(), assumptions);
  }

  /** Half the frames per second over the ordered pairs that exchange any. */
  static double assumedRoundsPerSecond(TrafficMatrix perSecond) {
    int talking = 0;
    for (int i = 0; i < perSecond.size(); i++) {
      for (int j = 0; j < perSecond.size(); j++) {
        if (i != j && perSecond.bytes(i, j) > TrafficLayout.NEGLIGIBLE_BYTES) {
          talking++;
        }
      }
    }
    return talking == 0 ? 0 : perSecond.totalPackets() / 2 / talking;
  }

  private static void positive(String option, double seconds) {
    if (!(seconds > 0) || Double.isInfinite(seconds)) {
      throw new InvalidInputException(option, "the run's time must be positive, not " + seconds + " s");
    }
  }
}
