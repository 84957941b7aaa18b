package org.vmflock.emulate.apps;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.emulate.lab.WanLink;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.TrafficMatrix;

/**
 * The measured dataset (issue 12's {@code emulate --measure}): each program on two sites in static
 * placements (all on one site; split along its communication groups; split against them), over
 * WAN levels (one-way delay x rate), repeated; one CSV row per run. One lab of two sites for the
 * whole campaign: between runs the link is reconfigured and the VMs moved. Each repetition runs
 * every condition (level x program x placement) once, in an order shuffled with the seed, so that
 * the machine's load falls on all conditions alike.
 *
 * <p>The two splits are the balanced bisections of the ranks with the least and the most bytes
 * between the halves in the program's measured profile ({@link EmulationProfiles}): the least cut
 * keeps each communication group on one site, the most cut puts every group across the link.
 */
public final class MeasurementCampaign {

  /** The CSV header. */
  public static final String HEADER = "application,ranks,placement_kind,placement,delay_ms,rate_bps,repetition,seconds,wan_bytes,"
      + "verified,reason,load_start";
  static final List<String> SITES = List.of("a", "b");

  /** How the ranks are placed on the two sites. */
  public enum PlacementKind {
    ONE_SITE("one-site"), ALONG("along"), AGAINST("against");

    private final String label;

    PlacementKind(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    public static PlacementKind parse(String text) {
      for (PlacementKind k : values()) {
        if (k.label.equals(text.trim())) {
          return k;
        }
      }
      throw new InvalidInputException("placement kind '" + text + "'", "one of one-site, along, against");
    }
  }

  /** What to measure. */
  public record Plan(List<MpiProgram> programs, int ranks, List<Duration> delays, List<Long> bitsPerSecond, List<PlacementKind> placements,
      int repetitions, int firstRepetition, long seed, Duration timeout) {
    public Plan {
      if (programs.isEmpty() || delays.isEmpty() || bitsPerSecond.isEmpty() || placements.isEmpty() || repetitions < 1) {
        throw new InvalidInputException("campaign", "at least one program, delay, rate, placement and repetition");
      }
      if (firstRepetition < 1) {
        throw new InvalidInputException("campaign", "repetitions are numbered from 1, not " + firstRepetition);
      }
      if (ranks < 2 || ranks % 2 != 0) {
        throw new InvalidInputException("campaign", "an even number of ranks (two halves), not " + ranks);
      }
      for (MpiProgram p : programs) {
        if (!p.supports(ranks)) {
          throw new InvalidInputException("program " + p.name(), "runs on " + p.supportedRanks() + " ranks, not " + ranks);
        }
      }
    }

    int runs() {
      return programs.size() * delays.size() * bitsPerSecond.size() * placements.size() * repetitions;
    }
  }

  private record Condition(WanLinkSpec link, MpiProgram program, PlacementKind kind, Map<String, String> placement) {}

  private MeasurementCampaign() {}

  /** The site of each VM ({@code vm1..vmN}) for a placement kind of {@code program} on {@code ranks}. */
  public static Map<String, String> placement(MpiProgram program, int ranks, PlacementKind kind) {
    Map<String, String> sites = new LinkedHashMap<>();
    boolean[] second = kind == PlacementKind.ONE_SITE ? new boolean[ranks] : bisection(traffic(program, ranks), kind == PlacementKind.AGAINST);
    for (int i = 0; i < ranks; i++) {
      sites.put("vm" + (i + 1), SITES.get(second[i] ? 1 : 0));
    }
    return sites;
  }

  private static TrafficMatrix traffic(MpiProgram program, int ranks) {
    return EmulationProfiles.lookup(program.name() + "." + ranks).orElseThrow(() -> new InvalidInputException("program " + program.name(),
        "no measured profile on " + ranks + " ranks to split it by (bin/vmflock bench apps --profiles)")).traffic();
  }

  /** The balanced bisection (rank 0 in the first half) with the least bytes across, or the most. */
  static boolean[] bisection(TrafficMatrix t, boolean most) {
    int n = t.size();
    boolean[] best = null;
    double bestCut = most ? -1 : Double.MAX_VALUE;
    for (int mask = 0; mask < (1 << n); mask++) {
      if ((mask & 1) != 0 || Integer.bitCount(mask) != n / 2) {
        continue;
      }
      double cut = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          if (((mask >> i) & 1) != ((mask >> j) & 1)) {
            cut += t.bytes(i, j);
          }
        }
      }
      if (most ? cut > bestCut : cut < bestCut) {
        bestCut = cut;
        best = new boolean[n];
        for (int i = 0; i < n; i++) {
          best[i] = ((mask >> i) & 1) != 0;
        }
      }
    }
    return best;
  }

  /** Runs the plan, writing {@code csv} (one row per run, flushed as it goes); progress lines to {@code progress}. */
  public static void run(Plan plan, Path csv, Path workDir, Consumer<String> progress) throws IOException, InterruptedException {
    if (plan.ranks() > 20) {
      throw new InvalidInputException("campaign", "at most 20 ranks");
    }
    List<Condition> conditions = new ArrayList<>();
    for (Duration d : plan.delays()) {
      for (long rate : plan.bitsPerSecond()) {
        WanLinkSpec link = WanLinkSpec.of(d, rate);
        for (MpiProgram p : plan.programs()) {
          for (PlacementKind k : plan.placements()) {
            conditions.add(new Condition(link, p, k, placement(p, plan.ranks(), k)));
          }
        }
      }
    }
    Random random = new Random(plan.seed());
    if (csv.toAbsolutePath().getParent() != null) {
      Files.createDirectories(csv.toAbsolutePath().getParent());
    }
    int done = 0;
    long campaignStart = System.nanoTime();
    try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8);
        EmulatedFederation lab = EmulatedFederation.create(FederationSpec.builder().site(SITES.get(0)).site(SITES.get(1))
            .linkAll(conditions.get(0).link()).build())) {
      w.write(HEADER + "\n");
      w.flush();
      List<EmulatedVm> vms = new ArrayList<>();
      for (int i = 1; i <= plan.ranks(); i++) {
        vms.add(lab.addVm("vm" + i, SITES.get(0)));
      }
      WanLink link = lab.link(SITES.get(0), SITES.get(1));
      for (int rep = plan.firstRepetition(); rep < plan.firstRepetition() + plan.repetitions(); rep++) {
        List<Condition> order = new ArrayList<>(conditions);
        Collections.shuffle(order, random);
        for (Condition c : order) {
          if (!link.spec().equals(c.link())) {
            link.reconfigure(c.link());
          }
          for (EmulatedVm vm : vms) {
            String site = c.placement().get(vm.name());
            if (!vm.site().equals(site)) {
              vm.moveTo(site);
            }
          }
          double load = Machine.loadAverage();
          long wanBefore = link.counters().bytes();
          Path dir = workDir.resolve("run-" + (done + 1));
          MpiOutcome o;
          try (MpiRun run = MpiRun.start(lab, c.program(), vms, dir)) {
            o = run.await(plan.timeout());
          }
          long wan = link.counters().bytes() - wanBefore;
          done++;
          String placement = String.join(";", c.placement().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
          w.write(String.format(Locale.ROOT, "%s,%d,%s,%s,%s,%d,%d,%.3f,%d,%s,%s,%.2f%n", c.program().name(), plan.ranks(), c.kind().label(),
              placement, millis(c.link().oneWayDelay()), c.link().bitsPerSecond(), rep, o.wallSeconds(), wan, o.verified(),
              csvText(o.reason()), load));
          w.flush();
          double elapsed = (System.nanoTime() - campaignStart) / 1e9;
          progress.accept(String.format(Locale.ROOT, "[%d/%d] rep %d %s %s (%s) %s ms %s Mbit/s: %.2f s, %.1f MB over the WAN, %s, load %.2f; ~%.0f min left",
              done, plan.runs(), rep, c.program().name(), c.kind().label(), placement, millis(c.link().oneWayDelay()),
              c.link().bitsPerSecond() / 1_000_000, o.wallSeconds(), wan / 1e6, o.verified() ? "verified" : "ERROR " + o.reason(), load,
              elapsed / done * (plan.runs() - done) / 60));
          if (o.verified()) {
            WorkDirs.deleteTree(dir);
          }
        }
      }
    }
  }

  private static String millis(Duration d) {
    return new java.math.BigDecimal(d.toNanos()).movePointLeft(6).stripTrailingZeros().toPlainString();
  }

  private static String csvText(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }
}
