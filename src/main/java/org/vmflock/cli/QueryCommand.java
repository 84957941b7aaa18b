package org.vmflock.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.vmflock.clock.Clock;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Limits;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.monitor.MonitorSettings;
import org.vmflock.monitor.StatisticsView;
import org.vmflock.monitor.export.StatisticsDocument;
import org.vmflock.monitor.stats.QueryAnswer;
import org.vmflock.monitor.stats.SiteStatistics;
import org.vmflock.monitor.stats.StatisticsQuery;
import org.vmflock.node.VmflockNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "query",
    mixinStandardHelpOptions = true,
    description = {
      "Queries the statistics in a journal left by replay or capture.",
      "Kinds (M6): DETAILED per period, MEAN over the periods, or WEIGHTED:I where each period counts I times the one",
      "before. When the newest period is not complete: waits up to --max-wait, else extrapolates it from",
      "the period before if --approximate, else answers 'reformulate' (exit code 4) with the time at",
      "which a precise answer will exist."
    })
public final class QueryCommand implements Callable<Integer> {

  @Option(names = "--journal", required = true, paramLabel = "DIR", description = "The journal directory, or an output directory that holds journal/.")
  Path journal;

  @Option(names = "--type", required = true, paramLabel = "mean|detailed|weighted:I", description = "Kind of statistics.")
  String type;

  @Option(names = "--periods", required = true, paramLabel = "N", description = "How many periods, ending with the newest.")
  int periods;

  @Option(names = "--max-wait", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "2s",
      description = "Longest wait for the newest period to be complete (default ${DEFAULT-VALUE}).")
  Duration maxWait;

  @Option(names = "--approximate", description = "Allow extrapolating an incomplete newest period from the one before.")
  boolean approximate;

  @Option(names = "--newest", paramLabel = "PERIOD", description = "Newest period wanted (default: the newest in the journal).")
  Long newest;

  @Mixin OutputFormat output;

  @Mixin NodeOptions node;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Limits.PERIODS.check("--periods", periods);
    if (newest != null) {
      Limits.PERIOD_ID.check("--newest", newest);
    }
    StatisticsQuery query;
    try {
      query = StatisticsQuery.parseType(type, periods).waitingAtMost(maxWait).approximateAllowed(approximate);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--type/--periods", e.getMessage());
    }
    output.json(); // an unknown --format is refused before the journal is opened
    Path dir = journalDirectory(journal);
    Map<String, Object> overrides = new java.util.HashMap<>(ReplayCommand.overrides(dir, null));
    overrides.put("vmflock.journal.read-only", true); // a query changes nothing, and leaves no trace file
    Config config = node.load(overrides);
    QueryAnswer answer;
    try (VmflockNode n = VmflockNode.start("vmflock-query", config, Clock.system())) {
      List<String> sites = n.sitesInJournal();
      if (sites.isEmpty()) {
        throw new InvalidInputException(journal.toString(), "the journal holds no collector");
      }
      MonitorSettings settings = n.monitorSettings();
      ActorRef<StatisticsView.Command> view = n.spawn(StatisticsView.create(sites, settings, n.clock(), n.collectors()), "statistics-view");
      if (newest == null) {
        long p = VmflockNode.await(AskPattern.ask(view, StatisticsView.GetNewestPeriod::new, settings.collectorTimeout(), n.system().scheduler()),
            "finding the newest period").period();
        if (p == SiteStatistics.NONE) {
          throw new InvalidInputException(journal.toString(), "the journal holds no period");
        }
        newest = p;
      }
      StatisticsQuery q = query.endingAt(newest);
      Duration timeout = maxWait.plus(settings.collectorTimeout()).multipliedBy(2);
      answer = VmflockNode.await(AskPattern.ask(view, (ActorRef<QueryAnswer> r) -> new StatisticsView.Query(q, r), timeout, n.system().scheduler()),
          "querying the collectors", timeout);
      print(answer, settings.grid().lengthMillis());
    }
    return answer instanceof QueryAnswer.Reformulate ? ExitCode.REFORMULATE : ExitCode.OK;
  }

  static Path journalDirectory(Path given) {
    Path inside = given.resolve("journal");
    Path dir = Files.isDirectory(inside) ? inside : given;
    if (!Files.isRegularFile(dir.resolve("vmflock.mv.db"))) {
      throw new InvalidInputException(given.toString(), "no vmflock journal here (expected vmflock.mv.db in it or in its journal/)");
    }
    return dir;
  }

  private void print(QueryAnswer answer, long periodMillis) {
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(json(answer, periodMillis).toPrettyString());
    } else {
      table(answer, out);
    }
    out.flush();
  }

  static ObjectNode json(QueryAnswer answer, long periodMillis) {
    ObjectNode root = StatisticsDocument.json().createObjectNode();
    if (answer instanceof QueryAnswer.Reformulate r) {
      root.put("answer", "reformulate");
      root.put("reason", r.reason());
      root.put("newestPeriod", r.newestPeriod());
      root.put("preciseAt", Instant.ofEpochMilli(r.preciseAtMillis()).toString());
      return root;
    }
    QueryAnswer.Statistics s = (QueryAnswer.Statistics) answer;
    root.put("answer", s.approximate() ? "approximate" : "precise");
    root.put("type", s.type().name().toLowerCase(Locale.ROOT));
    root.put("weight", s.weight());
    root.put("fromPeriod", s.fromPeriod());
    root.put("toPeriod", s.toPeriod());
    root.set("vms", root.pojoNode(s.matrix().vms()));
    root.set("packets", matrix(root, s.matrix(), true));
    root.set("bytes", matrix(root, s.matrix(), false));
    root.set("extrapolated", root.pojoNode(s.extrapolated()));
    root.set("noData", root.pojoNode(s.noData()));
    if (!s.periods().isEmpty()) {
      root.set("periods", StatisticsDocument.json().valueToTree(StatisticsDocument.of(s.periods(), s.matrix().vms(), periodMillis).periods()));
    }
    return root;
  }

  private static ArrayNode matrix(ObjectNode factory, TrafficMatrix m, boolean packets) {
    ArrayNode rows = factory.arrayNode();
    for (int s = 0; s < m.size(); s++) {
      ArrayNode row = rows.addArray();
      for (int d = 0; d < m.size(); d++) {
        row.add(packets ? m.packets(s, d) : m.bytes(s, d));
      }
    }
    return rows;
  }

  private static void table(QueryAnswer answer, PrintWriter out) {
    if (answer instanceof QueryAnswer.Reformulate r) {
      out.println("reformulate: " + r.reason());
      return;
    }
    QueryAnswer.Statistics s = (QueryAnswer.Statistics) answer;
    out.printf(Locale.ROOT, "%s%s over periods %d..%d (%s)%n", s.type().name().toLowerCase(Locale.ROOT),
        s.type() == org.vmflock.monitor.stats.QueryType.WEIGHTED ? ":" + s.weight() : "", s.fromPeriod(), s.toPeriod(),
        s.approximate() ? "approximate, extrapolated " + s.extrapolated() : "precise");
    if (!s.noData().isEmpty()) {
      out.println("no data for " + s.noData());
    }
    for (boolean packets : new boolean[] {true, false}) {
      out.println(packets ? "packets (row sends to column):" : "bytes (row sends to column):");
      TrafficMatrix m = s.matrix();
      int n = m.size();
      String[][] cells = new String[n][n];
      int width = "src\\dst".length();
      for (String vm : m.vms()) {
        width = Math.max(width, vm.length());
      }
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          double v = packets ? m.packets(i, j) : m.bytes(i, j);
          cells[i][j] = v == Math.rint(v) ? String.format(Locale.ROOT, "%,d", (long) v) : String.format(Locale.ROOT, "%,.1f", v);
          width = Math.max(width, cells[i][j].length());
        }
      }
      String col = "%" + (width + 2) + "s";
      StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", "src\\dst"));
      m.vms().forEach(vm -> header.append(String.format(Locale.ROOT, col, vm)));
      out.println(header);
      for (int i = 0; i < n; i++) {
        StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", m.vms().get(i)));
        for (int j = 0; j < n; j++) {
          row.append(String.format(Locale.ROOT, col, cells[i][j]));
        }
        out.println(row);
      }
    }
  }
}
