package org.vmflock.cli;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Limits;
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
      "an HTTP endpoint (GET /api/status, POST /api/events). Runs for --duration, or until interrupted."
    })
public final class RunCommand implements Callable<Integer> {

  private static final int MAX_PORT = 65_535;

  @Option(names = "--scenario", paramLabel = "FILE", defaultValue = "simulations/example.conf",
      description = "Scenario whose sites and applications are simulated (default ${DEFAULT-VALUE}).")
  Path scenario;

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
    Config config = node.load(overrides);
    Scenario s = ScenarioFile.load(scenario);
    double scale = timeScale != null ? timeScale : config.getDouble("vmflock.run.time-scale");
    Limits.TIME_SCALE.check(timeScale != null ? "--time-scale" : "vmflock.run.time-scale", scale);
    int port = httpPort != null ? httpPort : config.getInt("vmflock.http.port");
    if (port < 0 || port > MAX_PORT) {
      throw new InvalidInputException("--http-port", "a port is between 0 and " + MAX_PORT + ", not " + port);
    }
    long rngSeed = seed != null ? seed : config.getLong("vmflock.run.seed");
    // the journal is closed cleanly before the JVM exits
    try (Interruption interruption = Interruption.install("run", Duration.ofSeconds(30));
        ScenarioNode n = ScenarioNode.start(config, s, scale, rngSeed, port)) {
      spec.commandLine().getErr().printf(Locale.ROOT, "vmflock node running %s (%d site(s), %d application(s), time x%s): http://%s:%d/api/status%n",
          scenario, s.infra().sites().size(), s.applications().size(), scale, config.getString("vmflock.http.host"), n.httpPort());
      n.node().journal().notice().ifPresent(spec.commandLine().getErr()::println);
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
