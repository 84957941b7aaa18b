package org.vmflock.cli;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmflock.emulate.EmulationSpec;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.StandingLab;
import org.vmflock.emulate.lab.WanLink;
import org.vmflock.model.InvalidInputException;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.ScenarioFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The emulated federation as a standing lab, for node processes started inside its sites' namespaces. */
@Command(
    name = "lab",
    mixinStandardHelpOptions = true,
    description = {"The emulated federation of a scenario, kept up for processes started inside it (docs/emulation.md)."},
    subcommands = {LabCommand.Up.class})
public final class LabCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing a subcommand (see vmflock lab --help)");
  }

  static final String DEFAULT_SCENARIO = "example.conf";

  /** An --expose value: SITE:PORT, or SITE:PORT=LOCAL_PORT. */
  private static final Pattern EXPOSE = Pattern.compile("([A-Za-z0-9_.-]{1,64}):(\\d{1,5})(?:=(\\d{1,5}))?");

  @Command(
      name = "up",
      mixinStandardHelpOptions = true,
      description = {
        "Builds the emulated federation of a scenario's sites and links (a network namespace per site, a WAN link per pair",
        "of sites through the userspace forwarder, with the scenario's one-way latency and bandwidth, scaled down to",
        "vmflock.emulate.max-link-rate when faster) and keeps it up until Ctrl-C or SIGTERM, then removes it all (a lab",
        "left by kill -9 is swept by the next one). Prints, per site, the namespace to start a node in",
        "(ip netns exec NAMESPACE ...) and the address a node there binds to (the site's host on its bridge): nodes of",
        "different sites then talk over the WAN links, with their latency. Each --service port of this machine's",
        "127.0.0.1 (the PostgreSQL journal, the hypervisors) is reachable at the same port of 127.0.0.1 inside every",
        "site's namespace; --expose makes a site's port reachable here. Needs root (exit 3 otherwise)."})
  static final class Up implements Callable<Integer> {

    @Option(names = "--scenario", paramLabel = "FILE", description = "The scenario whose sites and links are emulated (default simulations/" + DEFAULT_SCENARIO + ").")
    Path scenario;

    @Option(names = "--service", paramLabel = "PORT", split = ",", defaultValue = "5432,7700",
        description = "Ports of this machine's 127.0.0.1 reachable at 127.0.0.1 inside every site (default ${DEFAULT-VALUE}: PostgreSQL, the hypervisors).")
    List<Integer> services;

    @Option(names = "--expose", paramLabel = "SITE:PORT[=LOCAL]",
        description = "Makes PORT of SITE's address reachable at 127.0.0.1:LOCAL here (default LOCAL: PORT), e.g. rennes:8080=8081 (repeatable).")
    List<String> expose = new ArrayList<>();

    @Mixin NodeOptions node;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
      PrintWriter out = spec.commandLine().getOut();
      Path file = scenario != null ? scenario : Samples.installed("simulations", DEFAULT_SCENARIO);
      List<int[]> exposures = new ArrayList<>();
      List<String> exposedSites = new ArrayList<>();
      for (String e : expose) {
        Matcher m = EXPOSE.matcher(e);
        if (!m.matches()) {
          throw new InvalidInputException("--expose " + e, "SITE:PORT or SITE:PORT=LOCAL_PORT, e.g. rennes:8080=8081");
        }
        int port = port("--expose " + e, m.group(2));
        exposures.add(new int[] {port, m.group(3) == null ? port : port("--expose " + e, m.group(3))});
        exposedSites.add(m.group(1));
      }
      for (int p : services) {
        port("--service", String.valueOf(p));
      }
      Config config = node.load(Map.of());
      String missing = EmulatedFederation.unavailableReason();
      if (!missing.isEmpty()) {
        throw new EnvironmentException(missing);
      }
      try (Interruption interruption = Interruption.install("lab", Duration.ofSeconds(30));
          StandingLab lab = start(file, config, services, line -> {
            out.println(line);
            out.flush();
          })) {
        for (int i = 0; i < exposures.size(); i++) {
          String site = exposedSites.get(i);
          if (!lab.federation().sites().contains(site)) {
            throw new InvalidInputException("--expose " + expose.get(i), "no site " + site + " in " + file + " (sites: " + lab.federation().sites() + ")");
          }
          InetSocketAddress at = lab.expose(site, exposures.get(i)[0], exposures.get(i)[1]);
          out.printf(Locale.ROOT, "lab up: %s %s:%d reachable here at 127.0.0.1:%d%n", site, lab.site(site).address(), exposures.get(i)[0], at.getPort());
        }
        for (int p : services) {
          if (!listening(p)) {
            out.printf(Locale.ROOT, "lab up: nothing listens on 127.0.0.1:%d here yet: start it before the nodes (%s)%n", p,
                p == 5432 ? "PostgreSQL: bin/lib/postgresql.sh 5432 vmflock vmflock vmflock --createdb" : p == 7700
                    ? "the hypervisors: bin/vmflock hypervisors --scenario " + file + " --port 7700" : "");
          }
        }
        out.println("lab up: ready; Ctrl-C (or SIGTERM) removes the lab and stops whatever still runs in its namespaces");
        out.flush();
        interruption.await();
        out.println("lab up: removing " + lab.federation().id());
        out.flush();
      }
      return ExitCode.OK;
    }

    private static int port(String where, String text) {
      int p = Integer.parseInt(text);
      if (p < 1 || p > 65535) {
        throw new InvalidInputException(where, "a port is 1 to 65535: " + text);
      }
      return p;
    }

    private static boolean listening(int port) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
        return true;
      } catch (IOException e) {
        return false;
      }
    }
  }

  /**
   * What {@code lab up} builds: the lab of {@code scenario}'s sites and links (at most {@code
   * vmflock.emulate.max-link-rate} of {@code config}) with {@code services} reachable in its sites;
   * what it prints goes to {@code out} (the links, and per site its namespace, its address and how to
   * start a node there).
   */
  public static StandingLab start(Path scenario, Config config, List<Integer> services, Consumer<String> out) throws IOException {
    Scenario s = ScenarioFile.load(scenario);
    long maxBits = Math.round(org.vmflock.scenario.Units.bytesPerSecond(config.getString("vmflock.emulate.max-link-rate")) * 8);
    EmulationSpec emulation = EmulationSpec.ofSites(s, maxBits);
    StandingLab lab = StandingLab.up(emulation.federation(), services);
    try {
      out.accept(String.format(Locale.ROOT, "lab up: %s, the %d sites of %s, %d WAN links", lab.federation().id(), lab.sites().size(), scenario,
          lab.federation().links().size()));
      emulation.notes().forEach(n -> out.accept("lab up: " + n));
      for (WanLink l : lab.federation().links()) {
        out.accept(String.format(Locale.ROOT, "link %s-%s: %s ms one way, %s Mbit/s", l.siteA(), l.siteB(),
            l.spec().oneWayDelay().toNanos() / 1e6, l.spec().bitsPerSecond() / 1_000_000));
      }
      for (StandingLab.Site site : lab.sites()) {
        out.accept(String.format(Locale.ROOT, "site %s: namespace %s, address %s", site.name(), site.namespace(), site.address()));
      }
      out.accept("services here reachable at 127.0.0.1 inside every site's namespace: ports " + services);
      // the hypervisors' port: the first service that is not PostgreSQL's
      int hypervisors = services.stream().filter(p -> p != 5432).findFirst().orElse(7700);
      for (StandingLab.Site site : lab.sites()) {
        out.accept(String.format(Locale.ROOT, "  VMFLOCK_SITE=%s VMFLOCK_HOST=%s ip netns exec %s bin/vmflock node --hypervisors http://127.0.0.1:%d "
            + "--scenario %s --config cluster-configs/local-3site.conf", site.name(), site.address(), site.namespace(), hypervisors, scenario));
      }
    } catch (RuntimeException e) {
      lab.close();
      throw e;
    }
    return lab;
  }
}
