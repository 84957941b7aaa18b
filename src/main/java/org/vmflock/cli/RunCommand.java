package org.vmflock.cli;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Limits;
import org.vmflock.node.RunDataDir;
import org.vmflock.node.RunTimeline;
import org.vmflock.node.ScenarioNode;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.ScenarioFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a vmflock node: the controller over a scenario's simulated federation.",
      "Site actors, the migration manager (a cluster singleton) and its MAPE loop, migration sagas, the",
      "monitoring plane fed by the applications' simulated traffic, on the journal in the data directory;",
      "an HTTP endpoint (GET /api/status, POST /api/events). Runs for --duration, or until interrupted.",
      "A data directory that holds an earlier run is refused unless you choose: --resume goes on with that run",
      "(after a stop or a crash: its timeline, sites and applications, schedule and simulated hypervisors; its",
      "scenario, time scale and seed unless given, and another one given is refused), --fresh discards it",
      "and starts over. A damaged run state in DATA/run stops it, naming the file."
    })
public final class RunCommand implements Callable<Integer> {

  private static final int MAX_PORT = 65_535;

  private static final Path DEFAULT_SCENARIO = Path.of("simulations/example.conf");

  @Option(names = "--scenario", paramLabel = "FILE",
      description = "Scenario whose sites and applications are simulated (default simulations/example.conf, or with --resume the run's own).")
  Path scenario;

  @Option(names = "--resume", description = "Go on with the run the data directory holds (a new run starts if it holds none).")
  boolean resume;

  @Option(names = "--fresh", description = "Discard the run the data directory holds (its run state and H2 journal) and start over.")
  boolean fresh;

  @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP port (default vmflock.http.port, 8080; 0 picks a free one).")
  Integer httpPort;

  @Option(names = "--time-scale", paramLabel = "X", description = "Simulated time runs X times faster (default vmflock.run.time-scale, 1).")
  Double timeScale;

  @Option(names = "--period", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Statistics period, in simulated time (default vmflock.monitor.period, 30s).")
  Duration period;

  @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Real time to run (default: until interrupted).")
  Duration duration;

  @Option(names = "--seed", paramLabel = "N", description = "Seed of the simulated federation (default vmflock.run.seed).")
  Long seed;

  @Option(names = "--policy", paramLabel = "P", description = {
      "How the manager decides: vmflock, none, price-chasing or report-grouping (default vmflock.manager.policy, vmflock)."})
  String policy;

  @Mixin NodeOptions node;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> overrides = new HashMap<>();
    if (period != null) {
      overrides.put("vmflock.monitor.period", DurationConverter.toConfig(period));
    }
    if (policy != null) {
      org.vmflock.control.Policy.validate("--policy", java.util.List.of(policy));
      overrides.put("vmflock.manager.policy", policy);
    }
    if (resume && fresh) {
      throw new InvalidInputException("--resume and --fresh", "choose one: go on with the run the data directory holds, or discard it");
    }
    Config config = node.load(overrides);
    RunDataDir data = RunDataDir.of(config);
    Optional<String> held = data.held();
    Optional<RunTimeline> previous = data.timeline();
    java.io.PrintWriter err = spec.commandLine().getErr();
    if (held.isPresent() && !resume && !fresh) {
      throw new InvalidInputException(data.path().toString(), "holds " + held.get()
          + ": --resume to go on with it, --fresh to discard it and start over, or another data directory (--set vmflock.data-dir=DIR)");
    }
    if (held.isPresent() && fresh) {
      List<Path> gone = data.discard();
      err.printf(Locale.ROOT, "discarded %s: deleted %s%n", held.get(), gone);
      previous = Optional.empty();
    } else if (held.isEmpty() && resume) {
      err.printf(Locale.ROOT, "nothing to resume in %s: a new run starts%n", data.path());
    }
    Path scenarioFile = scenario != null ? scenario : previous.map(t -> Path.of(t.scenario())).orElse(DEFAULT_SCENARIO);
    Scenario s = ScenarioFile.load(scenarioFile);
    org.vmflock.scenario.ScenarioReview.warnings(s).forEach(w -> err.println("run: warning: " + w));
    double scale = timeScale != null ? timeScale : previous.map(RunTimeline::timeScale).orElse(config.getDouble("vmflock.run.time-scale"));
    Limits.TIME_SCALE.check(timeScale != null ? "--time-scale" : "vmflock.run.time-scale", scale);
    int port = httpPort != null ? httpPort : config.getInt("vmflock.http.port");
    if (port < 0 || port > MAX_PORT) {
      throw new InvalidInputException("--http-port", "a port is between 0 and " + MAX_PORT + ", not " + port);
    }
    long rngSeed = seed != null ? seed : previous.map(RunTimeline::seed).orElse(config.getLong("vmflock.run.seed"));
    // the journal is closed cleanly before the JVM exits
    try (Interruption interruption = Interruption.install("run", Duration.ofSeconds(30));
        ScenarioNode n = ScenarioNode.start(config, s, scale, rngSeed, port)) {
      // before the address: whoever waits for the address can read the token then
      err.printf(Locale.ROOT, "requests that change the node (POST /api/events, vmflock inject) carry the bearer token in %s%n", n.tokenFile());
      spec.commandLine().getErr().printf(Locale.ROOT, "vmflock node running %s (%d site(s), %d application(s), time x%s): %s://%s:%d/api/status%n",
          scenarioFile, s.infra().sites().size(), s.applications().size(), scale, n.scheme(), config.getString("vmflock.http.host"), n.httpPort());
      n.node().journal().notice().ifPresent(spec.commandLine().getErr()::println);
      if (n.resumed()) {
        err.printf(Locale.ROOT, "RESUMED %s from %s: scenario time now %s; applications from its journal: %s%n",
            previous.map(RunTimeline::describe).orElse("the run"), data.path(), n.clock().now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
            n.resumedApplications().isEmpty() ? "none" : String.join(", ", n.resumedApplications()));
      }
      spec.commandLine().getErr().println(duration != null ? "for " + DurationConverter.human(duration) : "until interrupted (Ctrl-C)");
      spec.commandLine().getErr().flush();
      if (duration != null) {
        interruption.await(duration);
      } else {
        interruption.await();
      }
    }
    return ExitCode.OK;
  }
}
