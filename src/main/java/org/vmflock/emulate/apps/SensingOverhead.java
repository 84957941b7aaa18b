package org.vmflock.emulate.apps;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.emulate.lab.WanLinkSpec;

/**
 * What sensing costs an application: its completion time with the sites' live captures running
 * (one Pcap4J capture per site bridge, the project's default settings, drained every second as a
 * sensor does) against without, in alternating pairs (on-off, then off-on, ...) so that a drift of
 * the machine's load falls on both alike. Two sites, half of the VMs on each (ranks in order), a
 * link of 1 ms one way and 1 Gbit/s.
 */
public final class SensingOverhead {

  private static final WanLinkSpec LINK = WanLinkSpec.of(Duration.ofMillis(1), 1_000_000_000L);
  private static final Duration DRAIN = Duration.ofSeconds(1);

  /**
   * One program's figures: wall seconds with and without the captures, this JVM's CPU seconds
   * during each run (with the captures: their threads' work on top of the run's polling), and the
   * capture threads' own CPU seconds in each run with them.
   */
  public record Result(String program, double[] withCapture, double[] without, double[] cpuWith, double[] cpuWithout,
      double[] captureThreadsCpu) {
    public double medianWith() {
      return median(withCapture);
    }

    public double medianWithout() {
      return median(without);
    }

    /** The overhead: the median of the pairs' (with / without - 1). */
    public double medianOverhead() {
      return median(ratios());
    }

    /** The pairs' overheads, sorted. */
    /** The capture threads' CPU over the run's wall time, per run with the captures: the share of one core they took. */
    public double[] captureCoreShares() {
      double[] r = new double[withCapture.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = captureThreadsCpu[i] / withCapture[i];
      }
      return r;
    }

    public double[] ratios() {
      double[] r = new double[withCapture.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = withCapture[i] / without[i] - 1;
      }
      Arrays.sort(r);
      return r;
    }
  }

  private SensingOverhead() {}

  public static List<Result> run(List<MpiProgram> programs, int ranks, int pairs, Duration timeout, Path workDir, Consumer<String> progress)
      throws InterruptedException {
    List<Result> results = new ArrayList<>();
    try (EmulatedFederation lab = EmulatedFederation.create(FederationSpec.builder().site("a").site("b").linkAll(LINK).build())) {
      List<EmulatedVm> vms = new ArrayList<>();
      for (int i = 1; i <= ranks; i++) {
        vms.add(lab.addVm("vm" + i, i <= ranks / 2 ? "a" : "b"));
      }
      for (MpiProgram p : programs) {
        double[] with = new double[pairs];
        double[] without = new double[pairs];
        double[] cpuWith = new double[pairs];
        double[] cpuWithout = new double[pairs];
        double[] captureCpu = new double[pairs];
        boolean[] complete = new boolean[pairs];
        for (int i = 0; i < pairs; i++) {
          boolean captureFirst = i % 2 == 0;
          complete[i] = true;
          for (boolean capture : captureFirst ? new boolean[] {true, false} : new boolean[] {false, true}) {
            double load = Machine.loadAverage();
            double cpu0 = jvmCpuSeconds();
            double[] run;
            try {
              run = once(lab, p, vms, capture, timeout, workDir.resolve(p.name()));
            } catch (IllegalStateException e) {
              // a run that failed (e.g. an MPI launch that never completed): its pair is left out, the series goes on
              progress.accept(String.format(Locale.ROOT, "overhead %s pair %d/%d left out: %s", p.name(), i + 1, pairs, e.getMessage()));
              complete[i] = false;
              break;
            }
            double s = run[0];
            double cpu = jvmCpuSeconds() - cpu0;
            (capture ? with : without)[i] = s;
            (capture ? cpuWith : cpuWithout)[i] = cpu;
            if (capture) {
              captureCpu[i] = run[1];
            }
            progress.accept(String.format(Locale.ROOT, "overhead %s pair %d/%d, capture %s: %.3f s, vmflock's CPU %.3f s%s (load %.2f)", p.name(),
                i + 1, pairs, capture ? "on " : "off", s, cpu, capture ? String.format(Locale.ROOT, ", capture threads %.3f s", run[1]) : "", load));
          }
        }
        if (!java.util.stream.IntStream.range(0, pairs).anyMatch(i -> complete[i])) {
          throw new IllegalStateException("overhead of " + p.name() + ": no pair completed");
        }
        Result r = new Result(p.name(), kept(with, complete), kept(without, complete), kept(cpuWith, complete), kept(cpuWithout, complete),
            kept(captureCpu, complete));
        double[] ratios = r.ratios();
        double[] shares = r.captureCoreShares();
        Arrays.sort(shares);
        progress.accept(String.format(Locale.ROOT,
            "overhead %s: median with %.3f s, without %.3f s; paired overhead median %+.2f %% (min %+.2f %%, max %+.2f %%, %d pairs);"
                + " the JVM's CPU: %.3f s a run more with the captures (median with - without);"
                + " the capture threads' CPU: median %.3f s a run, %.3f %% of one core over the run (min %.3f %%, max %.3f %%)",
            p.name(), r.medianWith(), r.medianWithout(), r.medianOverhead() * 100, ratios[0] * 100, ratios[ratios.length - 1] * 100, ratios.length,
            median(r.cpuWith()) - median(r.cpuWithout()), median(r.captureThreadsCpu()), median(shares) * 100, shares[0] * 100, shares[shares.length - 1] * 100));
        results.add(r);
      }
    }
    return results;
  }

  /** One run: its wall seconds and the capture threads' CPU seconds (0 without captures). */
  private static double[] once(EmulatedFederation lab, MpiProgram p, List<EmulatedVm> vms, boolean capture, Duration timeout, Path dir)
      throws InterruptedException {
    SiteCaptures captures = capture ? SiteCaptures.start(lab, vms, SiteCaptures.DEFAULT_SETTINGS) : null;
    try (MpiRun run = MpiRun.start(lab, p, vms, dir)) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!run.waitFor(DRAIN) && System.nanoTime() < deadline) {
        if (captures != null) {
          captures.drain();
        }
      }
      MpiOutcome o = run.await(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (!o.verified()) {
        throw new IllegalStateException("overhead run of " + p.name() + ": " + o.reason());
      }
      double cpu = 0;
      if (captures != null) {
        captures.close();
        cpu = captures.cpuSeconds();
      }
      return new double[] {o.wallSeconds(), cpu};
    } finally {
      if (captures != null) {
        captures.close();
      }
    }
  }

  private static double[] kept(double[] values, boolean[] complete) {
    return java.util.stream.IntStream.range(0, values.length).filter(i -> complete[i]).mapToDouble(i -> values[i]).toArray();
  }

  /** CPU seconds this JVM has used (all its threads, the capture threads among them). */
  static double jvmCpuSeconds() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime() / 1e9;
    }
    return Double.NaN;
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
}
