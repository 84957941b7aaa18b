package org.vmflock.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vmflock.analyze.CommunicationGroup;
import org.vmflock.analyze.GroupDetector;
import org.vmflock.analyze.Grouping;
import org.vmflock.analyze.GroupingSettings;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;
import org.vmflock.monitor.MonitorSettings;
import org.vmflock.monitor.export.MatrixCsv;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "groups",
    mixinStandardHelpOptions = true,
    description = {
      "Finds communication groups in a VM x VM traffic matrix (A1, A2).",
      "MATRIX.csv: as replay and capture write it (total.bytes.csv, periods/*.csv)",
      "or as in samples/npb; row = sender, column = receiver.",
      "report: the report's algorithm (pairs by decreasing traffic, group thresholds).",
      "modularity: Leiden community detection, best modularity.",
      "Pairs whose rate (traffic / --duration) is below vmflock.analyze.noise-floor",
      "are ignored."
    })
public final class GroupsCommand implements Callable<Integer> {

  private static final double PERCENT = 100;
  /** Counts in full (49022838.0), never in exponent form. */
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
      .build();

  @Option(names = "--algorithm", required = true, paramLabel = "report|modularity", description = "Detection algorithm.")
  String algorithm;

  @Option(names = "--metric", paramLabel = "bytes|packets",
      description = "What the matrix counts (default: from a file named *.bytes.csv or *.packets.csv, else vmflock.analyze.metric, bytes).")
  String metric;

  @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Time the matrix covers, for the noise floor's rate (default: one period, vmflock.monitor.period).")
  Duration duration;

  @Mixin OutputFormat output;

  @Mixin NodeOptions node;

  @Parameters(index = "0", paramLabel = "MATRIX.csv", description = "The traffic matrix.")
  Path matrix;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    boolean json = output.json();
    if (!GroupDetector.ALGORITHMS.contains(algorithm)) {
      throw new InvalidInputException("--algorithm", "unknown algorithm '" + algorithm + "' (expected " + String.join(" or ", GroupDetector.ALGORITHMS) + ")");
    }
    if (duration != null && duration.isZero()) {
      throw new InvalidInputException("--duration", "the time the matrix covers must be positive");
    }
    Config config = node.load(Map.of());
    GroupingSettings settings = GroupingSettings.from(config);
    TrafficMetric m = metric(settings.metric());
    Duration covered = duration != null ? duration : MonitorSettings.from(config).grid().length();
    TrafficMatrix traffic = MatrixCsv.read(matrix, m);
    Grouping grouping = GroupDetector.named(algorithm, settings.withMetric(m)).detect(traffic, covered);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(text(json(grouping)));
    } else {
      table(grouping, covered, settings.noiseFloorPerSecond(m), out);
    }
    out.flush();
    return ExitCode.OK;
  }

  /** --metric, else what the file's name says, else the configuration's. */
  private TrafficMetric metric(TrafficMetric configured) {
    if (metric != null) {
      try {
        return TrafficMetric.parse(metric);
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException("--metric", e.getMessage());
      }
    }
    return fromFileName(matrix).orElse(configured);
  }

  /** {@code x.packets.csv} counts packets, {@code x.bytes.csv} bytes: the names vmflock's exports use. */
  static Optional<TrafficMetric> fromFileName(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    for (TrafficMetric m : TrafficMetric.values()) {
      if (name.endsWith("." + m.label() + ".csv")) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  static ObjectNode json(Grouping g) {
    String unit = Character.toUpperCase(g.metric().label().charAt(0)) + g.metric().label().substring(1);
    ObjectNode root = MAPPER.createObjectNode();
    root.put("algorithm", g.algorithm());
    root.put("metric", g.metric().label());
    ArrayNode groups = root.putArray("groups");
    for (CommunicationGroup group : g.groups()) {
      ObjectNode o = groups.addObject();
      ArrayNode vms = o.putArray("vms");
      group.vms().forEach(vms::add);
      o.put("internal" + unit, plain(group.internal()));
      o.put("threshold", plain(group.threshold()));
    }
    ArrayNode ungrouped = root.putArray("ungrouped");
    g.ungrouped().forEach(ungrouped::add);
    root.put("interGroup" + unit, plain(g.interGroup()));
    root.put("modularity", plain(g.modularity()));
    return root;
  }

  private static String text(ObjectNode json) {
    try {
      return MAPPER.writeValueAsString(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of plain values always serializes", e);
    }
  }

  /** A number as people write it (49022838.0, not 4.9022838E7); the same value for JSON readers. */
  private static BigDecimal plain(double v) {
    BigDecimal d = new BigDecimal(Double.toString(v));
    return d.scale() <= 0 ? d.setScale(1) : d;
  }

  private static void table(Grouping g, Duration covered, double noiseFloorPerSecond, PrintWriter out) {
    String unit = g.metric().label();
    out.printf(Locale.ROOT, "%s grouping, %s over %s, noise floor %s %s/s%n", g.algorithm(), unit, DurationConverter.human(covered),
        amount(noiseFloorPerSecond), unit);
    if (g.groups().isEmpty()) {
      out.println("no communication group");
    }
    int width = "group".length();
    for (CommunicationGroup group : g.groups()) {
      width = Math.max(width, String.join(" ", group.vms()).length());
    }
    if (!g.groups().isEmpty()) {
      out.printf(Locale.ROOT, "%-" + width + "s  %20s  %20s%n", "group", "internal " + unit, "threshold " + unit);
    }
    for (CommunicationGroup group : g.groups()) {
      out.printf(Locale.ROOT, "%-" + width + "s  %20s  %20s%n", String.join(" ", group.vms()), amount(group.internal()), amount(group.threshold()));
    }
    out.println("ungrouped: " + (g.ungrouped().isEmpty() ? "-" : String.join(" ", g.ungrouped())));
    out.printf(Locale.ROOT, "between groups: %s %s (%.1f %% of %s)%n", amount(g.interGroup()), unit, g.interGroupFraction() * PERCENT, amount(g.totalTraffic()));
    out.printf(Locale.ROOT, "modularity Q: %.4f%n", g.modularity());
  }

  private static String amount(double v) {
    return v == Math.rint(v) ? String.format(Locale.ROOT, "%,d", (long) v) : String.format(Locale.ROOT, "%,.1f", v);
  }
}
