package org.vmflock.cli;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.vmflock.clock.Clock;
import org.vmflock.control.ManagerSettings;
import org.vmflock.emulate.hypervisors.HypervisorsServer;
import org.vmflock.execute.FaultPlan;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Limits;
import org.vmflock.model.Site;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.ScenarioFile;
import org.vmflock.simulate.SimulatedFederation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "hypervisors",
    mixinStandardHelpOptions = true,
    description = {
      "Runs simulated hypervisors in a process of their own, outside every node.",
      "As real ones are: the sites of a scenario (their capacity, the paths between them), where VMs are booted, stopped and",
      "live-migrated step by step, each step taking its modelled time (QEMU's pre-copy over the path) divided",
      "by --time-scale; the traffic their VMs exchange metered (each application at its profile's rates). Served over",
      "HTTP as JSON (POST /steps/perform, /steps/compensate, /boot, /stop; GET /world, /traffic, /health);",
      "`vmflock node --hypervisors URL` drives them and senses their traffic. Runs until interrupted."
    })
public final class HypervisorsCommand implements Callable<Integer> {

  private static final int MAX_PORT = 65_535;

  @Option(names = "--scenario", paramLabel = "FILE", required = true,
      description = "Scenario whose sites the hypervisors hold (capacity, links); its applications are not started.")
  Path scenario;

  @Option(names = "--host", paramLabel = "HOST", description = "Address to listen on (default 127.0.0.1).")
  String host = "127.0.0.1";

  @Option(names = "--port", paramLabel = "PORT", description = "Port to listen on (default 7700; 0 picks a free one).")
  int port = 7700;

  @Option(names = "--time-scale", paramLabel = "X", description = "Steps take their modelled time divided by X (default 1: real time).")
  double timeScale = 1;

  @Option(names = "--seed", paramLabel = "N", description = "Seed of the simulated federation (default 1).")
  long seed = 1;

  @Option(names = "--state", paramLabel = "FILE",
      description = "Keep the hypervisors' world in FILE, written before each answer, and start from it if it exists (default: in memory).")
  Path state;

  @Mixin NodeOptions node;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Limits.TIME_SCALE.check("--time-scale", timeScale);
    if (port < 0 || port > MAX_PORT) {
      throw new InvalidInputException("--port", "a port is between 0 and " + MAX_PORT + ", not " + port);
    }
    Config config = node.load(Map.of());
    Scenario s = ScenarioFile.load(scenario);
    ManagerSettings settings = ManagerSettings.from(config);
    SimulatedFederation federation = state == null
        ? new SimulatedFederation(Clock.system(), settings.planning().migration(), s.infra()::path, FaultPlan.none(), seed)
        : SimulatedFederation.durable(Clock.system(), settings.planning().migration(), s.infra()::path, FaultPlan.none(), seed, state);
    for (Site site : s.infra().sites()) {
      federation.site(site.name(), site.capacity());
    }
    PrintWriter err = spec.commandLine().getErr();
    try (Interruption interruption = Interruption.install("hypervisors", java.time.Duration.ofSeconds(10));
        HypervisorsServer server = start(federation, s)) {
      err.printf(Locale.ROOT, "vmflock hypervisors of %s (%d site(s), time x%s): %s/world%n", scenario, s.infra().sites().size(), timeScale,
          server.uri());
      err.println("until interrupted (Ctrl-C)");
      err.flush();
      interruption.await();
    }
    return ExitCode.OK;
  }

  private HypervisorsServer start(SimulatedFederation federation, Scenario s) {
    try {
      return HypervisorsServer.start(federation, java.util.Optional.of(s.infra()), Clock.system(), timeScale, host, port);
    } catch (IOException e) {
      throw new InvalidInputException("--host " + host + " --port " + port, "cannot listen there: " + e.getMessage());
    }
  }
}
