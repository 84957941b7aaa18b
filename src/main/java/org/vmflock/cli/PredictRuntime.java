package org.vmflock.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.vmflock.model.CsvRows;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Placement;
import org.vmflock.model.Site;
import org.vmflock.model.TextFiles;
import org.vmflock.plan.BspExecutionModel;
import org.vmflock.plan.PlannerConfig;
import org.vmflock.plan.RuntimeCalibration;
import org.vmflock.plan.RuntimeForecast;
import org.vmflock.scenario.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vmflock predict runtime}: how long an application observed on one site runs on another placement (P1). */
@Command(name = "runtime", mixinStandardHelpOptions = true,
    description = {
      "Predict the run time of an application observed on one site, for any placement of its VMs.",
      "From captures of its run on one site (--capture PCAP... --vms VMS.csv): its traffic and its rounds in their",
      "order; or from its matrices (--traffic BYTES.csv [--packets PACKETS.csv] --duration D), its rounds then assumed",
      "(said in \"assumptions\"). JSON: one_site_s, predicted_s, slowdown, interval95, breakdown (compute_s, bandwidth_s,",
      "latency_s), wan_rounds (hops between sites on the longest chain of rounds), assumptions."
    })
final class PredictRuntime implements Callable<Integer> {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Mixin ObservedRunOptions observed;

  @Option(names = "--placement", required = true, paramLabel = "PLACEMENT.csv", description = "vm,site: where each VM runs.")
  Path placement;

  @Option(names = "--link", paramLabel = "A-B:latency=D,bandwidth=R", description = "The path between two sites, e.g. a-b:latency=10ms,bandwidth=1Gbit/s.")
  List<String> links = new ArrayList<>();

  @Option(names = "--lan-bandwidth", paramLabel = "RATE", defaultValue = "10Gbit/s",
      description = "Each VM's interface inside a site (default ${DEFAULT-VALUE}).")
  String lanBandwidth;

  @Option(names = "--lan-latency", paramLabel = "DURATION", defaultValue = "50us", converter = DurationConverter.class,
      description = "One way between two VMs of a site (default ${DEFAULT-VALUE}).")
  Duration lanLatency;

  @Option(names = "--site", paramLabel = "SITE:cpu-speed=X", description = "A site's CPU speed relative to the one observed (default 1).")
  List<String> siteOptions = new ArrayList<>();

  @Option(names = "--latency-factor", paramLabel = "F", defaultValue = "1",
      description = "With a capture: the share of its chained waits between sites a run pays (default ${DEFAULT-VALUE}: all;"
          + " the lab's measured runs fit 0.66 to 0.72, README \"The estimator against measured runs\").")
  double latencyFactor;

  @Mixin OutputFormat output;

  @Mixin NodeOptions node;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    boolean json = output.json();
    ObservedRun run = observed.read().orElseThrow(() -> new InvalidInputException("predict runtime",
        "give either --capture PCAP... --vms VMS.csv or --traffic BYTES.csv --duration D"));
    if (!run.rounds().known()) {
      run.assumptions().add("so no latency is charged (latency_s 0): give --packets, or better a capture");
    }
    NetworkPath lan = new NetworkPath(lanLatency, rate("--lan-bandwidth", lanBandwidth));
    Placement where = placement(run.perSecond().vms());
    Infrastructure infra = infrastructure(where, lan);
    double sigma = PlannerConfig.from(node.load(Map.of())).priorSigma();
    if (!(latencyFactor >= 0) || Double.isInfinite(latencyFactor)) {
      throw new InvalidInputException("--latency-factor", "must be a finite number >= 0, not " + latencyFactor);
    }
    BspExecutionModel model = new BspExecutionModel();
    RuntimeForecast f = run.order().isPresent()
        ? RuntimeForecast.parts(run.seconds(), run.perSecond(), run.rounds(), run.order().get(), lan, infra, where, model)
            .forecast(new RuntimeCalibration(latencyFactor, sigma))
        : RuntimeForecast.predict(run.seconds(), run.perSecond(), run.rounds(), run.rounds().roundsPerWork(), lan, infra, where, model, sigma);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(json(f, run.assumptions()));
    } else {
      out.printf(Locale.ROOT, "%-12s %.3f s%n", "one site", f.oneSiteSeconds());
      out.printf(Locale.ROOT, "%-12s %.3f s (95 %%: %.3f-%.3f)%n", "predicted", f.predictedSeconds(), f.low(), f.high());
      out.printf(Locale.ROOT, "%-12s %.3f%n", "slowdown", f.slowdown());
      out.printf(Locale.ROOT, "%-12s compute %.3f s, bandwidth %.3f s, latency %.3f s%n", "breakdown", f.breakdown().computeSeconds(),
          f.breakdown().bandwidthSeconds(), f.breakdown().latencySeconds());
      out.printf(Locale.ROOT, "%-12s %.0f%n", "wan rounds", f.breakdown().wanRounds());
      run.assumptions().forEach(a -> out.println("assumed: " + a));
    }
    out.flush();
    run.assumptions().forEach(a -> spec.commandLine().getErr().println("predict runtime: assumed: " + a));
    return ExitCode.OK;
  }

  static String json(RuntimeForecast f, List<String> assumptions) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("one_site_s", round(f.oneSiteSeconds()));
    o.put("predicted_s", round(f.predictedSeconds()));
    o.put("slowdown", round(f.slowdown()));
    ArrayNode interval = o.putArray("interval95");
    interval.add(round(f.low()));
    interval.add(round(f.high()));
    ObjectNode b = o.putObject("breakdown");
    b.put("compute_s", round(f.breakdown().computeSeconds()));
    b.put("bandwidth_s", round(f.breakdown().bandwidthSeconds()));
    b.put("latency_s", round(f.breakdown().latencySeconds()));
    o.put("wan_rounds", Math.round(f.breakdown().wanRounds()));
    ArrayNode a = o.putArray("assumptions");
    assumptions.forEach(a::add);
    return o.toString();
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  /** PLACEMENT.csv: vm,site for every VM of the run, nothing else. */
  private Placement placement(List<String> runVms) {
    Map<String, String> m = new TreeMap<>();
    for (CsvRows.Row r : CsvRows.read(placement.toString(), TextFiles.text(placement))) {
      String where = placement + ":" + r.line();
      if (r.size() != 2) {
        throw new InvalidInputException(where, "expected two columns vm,site, found " + r.size());
      }
      if (r.line() == 1 && r.cell(0).equals("vm") && r.cell(1).equals("site")) {
        continue;
      }
      String vm = r.cell(0).strip();
      if (!runVms.contains(vm)) {
        throw new InvalidInputException(where, "VM '" + vm + "' is not one of the observed run's " + runVms);
      }
      if (m.put(vm, requireSite(r.cell(1).strip(), where)) != null) {
        throw new InvalidInputException(where, "VM '" + vm + "' is placed twice");
      }
    }
    List<String> missing = runVms.stream().filter(v -> !m.containsKey(v)).toList();
    if (!missing.isEmpty()) {
      throw new InvalidInputException(placement.toString(), "places no site for " + missing);
    }
    return Placement.of(m);
  }

  private Infrastructure infrastructure(Placement where, NetworkPath lan) {
    Set<String> used = new LinkedHashSet<>(where.siteOfVm().values());
    Map<String, Double> speeds = new HashMap<>();
    for (String s : siteOptions) {
      String[] parts = s.split(":", 2);
      if (parts.length != 2 || !parts[1].startsWith("cpu-speed=")) {
        throw new InvalidInputException("--site " + s, "expected SITE:cpu-speed=X");
      }
      if (!used.contains(parts[0])) {
        throw new InvalidInputException("--site " + s, "site '" + parts[0] + "' is not in " + placement + " (" + used + ")");
      }
      double speed;
      try {
        speed = Double.parseDouble(parts[1].substring("cpu-speed=".length()));
      } catch (NumberFormatException e) {
        throw new InvalidInputException("--site " + s, "cpu-speed is a number, e.g. 1.5");
      }
      if (!(speed > 0) || Double.isInfinite(speed)) {
        throw new InvalidInputException("--site " + s, "cpu-speed must be positive");
      }
      speeds.put(parts[0], speed);
    }
    List<Site> sites = used.stream().map(s -> RuntimeForecast.site(s, speeds.getOrDefault(s, 1.0), lan)).toList();
    List<Link> parsed = new ArrayList<>();
    for (String l : links) {
      Link k = link(l, used);
      if (used.contains(k.siteA()) && used.contains(k.siteB())) {
        parsed.add(k);
      }
    }
    List<String> names = new ArrayList<>(used);
    for (int i = 0; i < names.size(); i++) {
      for (int j = i + 1; j < names.size(); j++) {
        String a = names.get(i);
        String b = names.get(j);
        if (parsed.stream().noneMatch(k -> k.siteA().equals(a) && k.siteB().equals(b) || k.siteA().equals(b) && k.siteB().equals(a))) {
          throw new InvalidInputException("--link", "no link between " + a + " and " + b + " (the placement uses both): add --link " + a
              + "-" + b + ":latency=D,bandwidth=R");
        }
      }
    }
    try {
      return new Infrastructure(sites, parsed, Optional.empty());
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--link", e.getMessage());
    }
  }

  /** {@code A-B:latency=10ms,bandwidth=1Gbit/s}, A and B sites of the placement (names may hold '-'). */
  private static Link link(String text, Set<String> sites) {
    String where = "--link " + text;
    int colon = text.indexOf(':');
    if (colon < 0) {
      throw new InvalidInputException(where, "expected A-B:latency=D,bandwidth=R");
    }
    String pair = text.substring(0, colon);
    String a = null;
    String b = null;
    for (int i = pair.indexOf('-'); i >= 0; i = pair.indexOf('-', i + 1)) {
      if (sites.contains(pair.substring(0, i)) && sites.contains(pair.substring(i + 1))) {
        a = pair.substring(0, i);
        b = pair.substring(i + 1);
      }
    }
    if (a == null && pair.indexOf('-') > 0 && pair.indexOf('-') == pair.lastIndexOf('-')) {
      a = pair.substring(0, pair.indexOf('-')); // a path between sites this placement does not use: checked, then left out
      b = pair.substring(pair.indexOf('-') + 1);
    }
    if (a == null || a.equals(b) || a.isEmpty() || b.isEmpty()) {
      throw new InvalidInputException(where, "'" + pair + "' is not two different sites joined by '-' (the placement's: " + sites + ")");
    }
    requireSite(a, where);
    requireSite(b, where);
    Duration latency = null;
    Double bandwidth = null;
    for (String kv : text.substring(colon + 1).split(",")) {
      String[] p = kv.split("=", 2);
      if (p.length != 2) {
        throw new InvalidInputException(where, "expected key=value, not '" + kv + "'");
      }
      switch (p[0].strip()) {
        case "latency" -> {
          try {
            latency = new DurationConverter().convert(p[1].strip());
          } catch (RuntimeException e) {
            throw new InvalidInputException(where, "latency: " + e.getMessage());
          }
        }
        case "bandwidth" -> bandwidth = rate(where, p[1].strip());
        default -> throw new InvalidInputException(where, "unknown setting '" + p[0] + "' (latency, bandwidth)");
      }
    }
    if (latency == null || bandwidth == null) {
      throw new InvalidInputException(where, "needs both latency=D and bandwidth=R");
    }
    try {
      return new Link(a, b, new NetworkPath(latency, bandwidth));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(where, e.getMessage());
    }
  }

  private static double rate(String where, String text) {
    double v;
    try {
      v = Units.bytesPerSecond(text);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(where, e.getMessage());
    }
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new InvalidInputException(where, "must be a positive rate: '" + text + "'");
    }
    return v;
  }

  private static String requireSite(String site, String where) {
    try {
      return org.vmflock.model.VmEndpoint.requireName("site", site);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(where, e.getMessage());
    }
  }
}
