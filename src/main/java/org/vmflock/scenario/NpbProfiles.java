package org.vmflock.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Objective;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;
import org.vmflock.model.Vm;
import org.vmflock.model.Workload;
import org.vmflock.monitor.export.MatrixCsv;

/**
 * NAS-like application profiles by name ({@code <benchmark>.<class>.<vms>}, e.g. {@code cg.B.16}):
 * benchmarks bt, cg, ep, ft, is, lu, mg, sp; classes A, B, C; one MPI rank per VM.
 *
 * <p>Captured profiles (cg, mg, ep, is at class A on 4 VMs): the traffic of the real NPB 3.4.2 runs of
 * {@code samples/npb} (shipped in the jar) divided by their wall time, taken as their work time;
 * their barriers per work second are the exchange rounds counted in their pcaps, divided the same way.
 *
 * <p>Generated profiles (every other valid name): the messages of the benchmark's NPB 3.4 MPI
 * communication pattern ({@link NpbPattern}) turned into TCP frames the way the captures show them,
 * divided by a work time that scales with NPB's operation count and is anchored to the captured runs.
 * Memory, VM size and dirty rate come from the arrays each rank allocates. Every formula and number
 * is explained in {@code simulations/PROFILES.md}. Generation is deterministic and cached.
 */
public final class NpbProfiles {

  /** The most VMs a profile may have. */
  public static final int MAX_VMS = 1024;
  /** The VM counts {@link #names()} lists for power-of-two benchmarks, and for BT and SP (squares). */
  static final List<Integer> LISTED_POWERS = List.of(4, 8, 16, 32, 64);
  static final List<Integer> LISTED_SQUARES = List.of(4, 9, 16, 36, 64);

  private static final String RESOURCES = "/profiles/npb/";
  private static final int CAPTURED_VMS = 4;
  /** Wall time of each captured run (4 ranks sharing 2 cores), from samples/npb/README.md. */
  static final Map<String, Double> CAPTURED_SECONDS = Map.of("cg", 2.1, "mg", 2.6, "ep", 3.1, "is", 1.6);
  /**
   * Exchange rounds of each captured run: bursts of VM-to-VM data segments in its pcap separated by
   * idle gaps over 250 us with no write half sent. Counted by the test-scope {@code CaptureRounds}
   * from samples/npb/*.pcap.gz; {@code CapturedSyncsTest} recounts them and checks these values.
   */
  static final Map<String, Integer> CAPTURED_ROUNDS = Map.of("cg", 1711, "mg", 732, "ep", 22, "is", 132);
  /**
   * The per-rank operation rate of the benchmarks without a capture (lu, bt, sp, ft): MG's, the
   * captured floating-point benchmark that, like them, sweeps regular 3-D grids.
   */
  private static final NpbBenchmark RATE_STAND_IN = NpbBenchmark.MG;
  /** What a VM needs beside its rank's arrays: guest OS, MPI runtime and its buffers. */
  static final double BASE_MEMORY_BYTES = 1L << 30;
  /** VM sizes by increasing memory (ScenarioFile's defaults). */
  private static final List<String> SIZES = List.of("small", "medium", "large");
  /**
   * The shortest time over which a page rewritten again and again counts once: a pre-copy round
   * sends hundreds of megabytes or more and so lasts about a second at least.
   */
  static final double DIRTY_WINDOW_SECONDS = 1;

  private static final Map<String, Profile> CAPTURED = new TreeMap<>();
  private static final Map<String, Profile> GENERATED = new ConcurrentHashMap<>();

  static {
    for (String b : new TreeMap<>(CAPTURED_SECONDS).keySet()) {
      String name = b + ".A." + CAPTURED_VMS;
      TrafficMatrix bytes = read(name + ".bytes.csv", TrafficMetric.BYTES);
      TrafficMatrix packets = read(name + ".packets.csv", TrafficMetric.PACKETS);
      double seconds = CAPTURED_SECONDS.get(b);
      int n = bytes.size();
      double[][] p = new double[n][n];
      double[][] by = new double[n][n];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          p[i][j] = packets.packets(i, j) / seconds;
          by[i][j] = bytes.bytes(i, j) / seconds;
        }
      }
      NpbBenchmark benchmark = NpbBenchmark.parse(b).orElseThrow();
      Memory memory = memory(benchmark, NpbClass.A, n, seconds, name);
      int rounds = CAPTURED_ROUNDS.get(b);
      CAPTURED.put(name, new Profile(name, b, NpbClass.A.name(), n, new TrafficMatrix(bytes.vms(), p, by), rounds / seconds,
          memory.dirtyBytesPerSecond, memory.size, seconds,
          "captured: samples/npb/" + name + " (NPB 3.4.2 MPI, " + seconds + " s wall time); syncs: " + rounds
              + " exchange rounds counted in its pcap; memory from the " + b + " pattern"));
    }
  }

  private NpbProfiles() {}

  /** The profile of that name: the captured one if there is one, else a generated one; empty for an unknown or invalid name. */
  public static Optional<Profile> lookup(String name) {
    try {
      return Optional.of(lookupOrThrow(name));
    } catch (InvalidInputException e) {
      return Optional.empty();
    }
  }

  /**
   * The profile of that name, as {@link #lookup}; the benchmark and class may be in either case.
   *
   * @throws InvalidInputException naming what is wrong: the form, the benchmark, the class, or the
   *     VM count (with the counts that are valid)
   */
  public static Profile lookupOrThrow(String name) {
    Key key = parse(name);
    Profile captured = CAPTURED.get(key.name());
    if (captured != null) {
      return copy(captured);
    }
    return copy(GENERATED.computeIfAbsent(key.name(), n -> generate(key.benchmark, key.problemClass, key.vms)));
  }

  /**
   * The names of the profiles offered: the captured ones and every benchmark x class A, B, C x 4, 8,
   * 16, 32, 64 VMs (BT and SP: 4, 9, 16, 36, 64) that the benchmark runs on; sorted by benchmark,
   * class, then VMs. {@link #lookup} also accepts any other valid count up to {@link #MAX_VMS}.
   */
  public static List<String> names() {
    List<String> names = new ArrayList<>();
    for (NpbBenchmark b : NpbBenchmark.values()) {
      for (NpbClass c : NpbClass.values()) {
        for (int n : b.onSquares() ? LISTED_SQUARES : LISTED_POWERS) {
          if (b.pattern().runsOn(c, n)) {
            names.add(b.label() + "." + c + "." + n);
          }
        }
      }
    }
    for (String captured : CAPTURED.keySet()) {
      if (!names.contains(captured)) {
        throw new IllegalStateException("captured profile " + captured + " is not among the listed sizes");
      }
    }
    return names;
  }

  /** The VM counts benchmark {@code b} runs class {@code c} on, up to {@link #MAX_VMS}. */
  static List<Integer> validVms(NpbBenchmark b, NpbClass c) {
    List<Integer> valid = new ArrayList<>();
    for (int n = 1; n <= MAX_VMS; n++) {
      if (b.pattern().runsOn(c, n)) {
        valid.add(n);
      }
    }
    return valid;
  }

  /**
   * An application running profile {@code p}: VMs {@code <appName>-vm1 .. -vmN} of the profile's
   * size (a scenario's default sizes: small = 1 core and 2 GiB, medium = 2 and 4, large = 4 and 8)
   * and dirty rate, the profile's traffic and barriers, {@code workSeconds} of work, none done yet.
   */
  public static Application application(Profile p, String appName, double workSeconds, Objective objective,
      Optional<Instant> deadline, Optional<Double> budget) {
    Capacity size = ScenarioFile.defaultSizes().get(p.size());
    if (size == null) {
      throw new InvalidInputException("profile " + p.name(),
          "unknown VM size '" + p.size() + "' (known: " + new TreeMap<>(ScenarioFile.defaultSizes()).keySet() + ")");
    }
    List<String> names = new ArrayList<>();
    List<Vm> vms = new ArrayList<>();
    for (int i = 1; i <= p.vms(); i++) {
      String vm = appName + "-vm" + i;
      names.add(vm);
      vms.add(new Vm(vm, p.size(), size.cores(), size.memoryBytes(), p.dirtyBytesPerSecond()));
    }
    TrafficMatrix t = p.trafficPerWork();
    TrafficMatrix traffic = new TrafficMatrix(names, deepCopy(t.packets()), deepCopy(t.bytes()));
    return new Application(appName, vms, new Workload(workSeconds, 0, p.syncsPerWork(), traffic, p.rounds()), objective, deadline, budget, 0);
  }

  // ---------------------------------------------------------------- generation

  /** The profile generated from the benchmark's pattern, even where a capture exists (to compare the two). */
  static Profile generate(NpbBenchmark b, NpbClass c, int vms) {
    String name = b.label() + "." + c + "." + vms;
    NpbPattern pattern = b.pattern();
    MpiTraffic run = pattern.run(c, vms);
    double work = workSeconds(b, c, vms);
    Memory memory = memory(b, c, vms, work, name);
    String origin = String.format(Locale.ROOT,
        "generated: NPB 3.4 MPI %s pattern, class %s, %d ranks: %.4g MB and %.0f rounds a run of %.4g work seconds"
            + " (work anchored to %s.A.4's wall time; simulations/PROFILES.md)",
        b.label(), c, vms, total(run) / 1e6, run.rounds(), work, anchor(b).label());
    return new Profile(name, b.label(), c.name(), vms, run.perSecond(work), run.rounds() / work, memory.dirtyBytesPerSecond,
        memory.size, work, origin, run.structure().scaled(1 / work));
  }

  /**
   * A run's work seconds: its operations (NPB's own count for the class) over the VMs at the
   * anchor's per-rank rate, the rate of the captured class-A run on 4 VMs (MG's for the benchmarks
   * without a capture). The captured runs keep their wall time.
   */
  static double workSeconds(NpbBenchmark b, NpbClass c, int vms) {
    NpbBenchmark anchor = anchor(b);
    double perRankRate = anchor.pattern().operations(NpbClass.A) / (CAPTURED_VMS * CAPTURED_SECONDS.get(anchor.label()));
    return b.pattern().operations(c) / (vms * perRankRate);
  }

  private static NpbBenchmark anchor(NpbBenchmark b) {
    return CAPTURED_SECONDS.containsKey(b.label()) ? b : RATE_STAND_IN;
  }

  private record Memory(String size, double dirtyBytesPerSecond) {}

  /**
   * The smallest VM size whose memory holds a rank's arrays plus {@link #BASE_MEMORY_BYTES}; the
   * dirty rate is the writable arrays once per iteration, an iteration lasting at least
   * {@link #DIRTY_WINDOW_SECONDS}.
   */
  private static Memory memory(NpbBenchmark b, NpbClass c, int vms, double workSeconds, String name) {
    NpbPattern pattern = b.pattern();
    double needed = pattern.memoryBytesPerRank(c, vms) + BASE_MEMORY_BYTES;
    Map<String, Capacity> sizes = ScenarioFile.defaultSizes();
    String size = SIZES.stream().filter(s -> sizes.get(s).memoryBytes() >= needed).findFirst()
        .orElseThrow(() -> new InvalidInputException(name, String.format(Locale.ROOT,
            "a rank needs %.1f GiB with the guest, more than a large VM (%d GiB); use more VMs",
            needed / (1L << 30), sizes.get("large").memoryBytes() >> 30)));
    double iteration = Math.max(workSeconds / pattern.iterations(c, vms), DIRTY_WINDOW_SECONDS);
    return new Memory(size, pattern.writableBytesPerRank(c, vms) / iteration);
  }

  private static double total(MpiTraffic run) {
    double sum = 0;
    for (int i = 0; i < run.ranks(); i++) {
      for (int j = 0; j < run.ranks(); j++) {
        sum += run.payloadBytes(i, j);
      }
    }
    return sum;
  }

  // ---------------------------------------------------------------- names

  private record Key(NpbBenchmark benchmark, NpbClass problemClass, int vms) {
    String name() {
      return benchmark.label() + "." + problemClass + "." + vms;
    }
  }

  private static Key parse(String name) {
    String where = "profile '" + name + "'";
    String[] parts = name.split("\\.", -1);
    if (parts.length != 3) {
      throw new InvalidInputException(where, "expected <benchmark>.<class>.<vms>, e.g. cg.B.16");
    }
    NpbBenchmark b = NpbBenchmark.parse(parts[0]).orElseThrow(() -> new InvalidInputException(where,
        "unknown benchmark '" + parts[0] + "' (known: "
            + Arrays.stream(NpbBenchmark.values()).map(NpbBenchmark::label).collect(Collectors.joining(", ")) + ")"));
    NpbClass c = NpbClass.parse(parts[1]).orElseThrow(() -> new InvalidInputException(where,
        "unknown class '" + parts[1] + "' (known: A, B, C)"));
    int vms;
    try {
      vms = Integer.parseInt(parts[2]);
    } catch (NumberFormatException e) {
      throw new InvalidInputException(where, "the VM count '" + parts[2] + "' is not a whole number");
    }
    if (vms > MAX_VMS || !b.pattern().runsOn(c, vms)) {
      List<Integer> valid = validVms(b, c);
      throw new InvalidInputException(where, String.format(Locale.ROOT,
          "%s class %s does not run on %d VMs: the VM count must be %s from %d to %d (valid: %s)",
          b.label(), c, vms, b.pattern().shape(), valid.get(0), valid.get(valid.size() - 1),
          valid.stream().map(String::valueOf).collect(Collectors.joining(", "))));
    }
    return new Key(b, c, vms);
  }

  // ---------------------------------------------------------------- helpers

  private static Profile copy(Profile p) {
    TrafficMatrix t = p.trafficPerWork();
    return new Profile(p.name(), p.benchmark(), p.problemClass(), p.vms(),
        new TrafficMatrix(t.vms(), deepCopy(t.packets()), deepCopy(t.bytes())), p.syncsPerWork(), p.dirtyBytesPerSecond(),
        p.size(), p.defaultWorkSeconds(), p.origin(), p.rounds());
  }

  private static double[][] deepCopy(double[][] a) {
    double[][] c = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }

  private static TrafficMatrix read(String file, TrafficMetric metric) {
    try (InputStream in = NpbProfiles.class.getResourceAsStream(RESOURCES + file)) {
      if (in == null) {
        throw new IllegalStateException("missing profile data " + RESOURCES + file + " in the jar");
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return MatrixCsv.parse(RESOURCES + file, text.lines().toList(), metric);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read profile data " + RESOURCES + file, e);
    }
  }
}
