package org.vmflock.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.vmflock.http.ApiToken;
import org.vmflock.model.InvalidInputException;
import org.vmflock.node.NodeConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code vmflock inject --node URL <event> ...}: sends an event to a running node's
 * {@code POST /api/events} with the node's bearer token and prints its answer. Exit code 0
 * accepted, 2 refused (the reason is printed; a missing or wrong token too), 1 the node could not
 * be reached.
 */
@Command(
    name = "inject",
    mixinStandardHelpOptions = true,
    description = "Sends an event to a running node: a price, a transfer price, a capacity, a CPU speed, an availability, a quota, a link, or an application.",
    subcommands = {
      InjectCommand.Price.class, InjectCommand.TransferPrice.class, InjectCommand.CapacityEvent.class, InjectCommand.Speed.class,
      InjectCommand.Availability.class, InjectCommand.Quota.class, InjectCommand.LinkEvent.class, InjectCommand.Submit.class
    })
public final class InjectCommand implements Runnable {

  private static final Duration TIMEOUT = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--node", required = true, paramLabel = "URL", description = "The node, e.g. http://127.0.0.1:8080")
  String node;

  @Option(names = "--data-dir", paramLabel = "DIR", description = {"The node's data directory, where its API token is (file "
      + ApiToken.FILE + "); default: " + ApiToken.ENV + " if set, else vmflock.data-dir (data/)."})
  Path dataDir;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The token: from --data-dir if given, else from the environment, else from the configured data directory. */
  private ApiToken token() {
    if (dataDir != null) {
      return ApiToken.ofClient(java.util.Map.of(), dataDir);
    }
    return ApiToken.ofClient(System.getenv(), Path.of(NodeConfig.load(java.util.Optional.empty(), java.util.Map.of()).getString("vmflock.data-dir")));
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing an event (see vmflock inject --help)");
  }

  int post(ObjectNode event, CommandLine.Model.CommandSpec sub) {
    URI uri;
    try {
      uri = URI.create(node.replaceAll("/+$", "") + "/api/events");
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--node " + node, "not a URL");
    }
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Content-Type", "application/json")
        .header("Authorization", token().authorization())
        .POST(HttpRequest.BodyPublishers.ofString(event.toString())).build();
    HttpResponse<String> response;
    try {
      response = HttpClient.newBuilder().connectTimeout(TIMEOUT).build().send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      sub.commandLine().getErr().println("inject: cannot reach " + uri + ": " + e);
      return ExitCode.FAILURE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitCode.FAILURE;
    }
    if (response.statusCode() == 200) {
      sub.commandLine().getOut().println(response.body());
      return ExitCode.OK;
    }
    sub.commandLine().getErr().println("inject: refused (" + response.statusCode() + "): " + response.body());
    // refused as it is (400), or for its token (401): the user's input either way
    return response.statusCode() == 400 || response.statusCode() == 401 ? ExitCode.INVALID_INPUT : ExitCode.FAILURE;
  }

  /** The common part of every site event. */
  abstract static class SiteEvent implements Callable<Integer> {
    @ParentCommand InjectCommand parent;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--site", required = true, paramLabel = "SITE", description = "The site.")
    String site;

    abstract void fill(ObjectNode event);

    @Override
    public Integer call() {
      // the event's type is the subcommand's name
      ObjectNode e = JSON.createObjectNode().put("type", spec.name()).put("site", site);
      fill(e);
      return parent.post(e, spec);
    }
  }

  @Command(name = "price", mixinStandardHelpOptions = true, description = "A hosting price per VM-hour.")
  static final class Price extends SiteEvent {
    @Option(names = "--per-vm-hour", required = true, description = "The price.") double price;
    @Option(names = "--size", defaultValue = "*", description = "A VM size, or * for all (default).") String size;
    @Option(names = "--from", paramLabel = "T", description = "From when: an instant, or +DURATION from the node's now (default: now).") String from;

    @Override
    void fill(ObjectNode e) {
      e.put("size", size).put("perVmHour", price);
      if (from != null) {
        e.put("from", from);
      }
    }
  }

  @Command(name = "transfer-price", mixinStandardHelpOptions = true, description = "A price per GB sent to another site.")
  static final class TransferPrice extends SiteEvent {
    @Option(names = "--to", required = true, description = "The other site, or default.") String to;
    @Option(names = "--per-gb", required = true, description = "The price.") double price;

    @Override
    void fill(ObjectNode e) {
      e.put("to", to).put("perGb", price);
    }
  }

  @Command(name = "capacity", mixinStandardHelpOptions = true, description = "A site's capacity.")
  static final class CapacityEvent extends SiteEvent {
    @Option(names = "--slots", required = true) int slots;
    @Option(names = "--cores", required = true) int cores;
    @Option(names = "--memory", required = true, description = "e.g. 64GiB") String memory;

    @Override
    void fill(ObjectNode e) {
      e.put("slots", slots).put("cores", cores).put("memory", memory);
    }
  }

  @Command(name = "speed", mixinStandardHelpOptions = true, description = "A site's CPU speed.")
  static final class Speed extends SiteEvent {
    @Option(names = "--cpu-speed", required = true) double speed;

    @Override
    void fill(ObjectNode e) {
      e.put("cpuSpeed", speed);
    }
  }

  @Command(name = "availability", mixinStandardHelpOptions = true, description = {"When a site is available: --until T [--from T], or --always.",
      "T is an instant (2026-06-01T14:00:00Z) or +DURATION from the node's now (+2h)."})
  static final class Availability extends SiteEvent {
    @Option(names = "--from", paramLabel = "T", description = "Start of the window (default: always was).") String from;
    @Option(names = "--until", paramLabel = "T", description = "End of the window: an instant, or +DURATION from the node's now (+2h).") String until;
    @Option(names = "--always") boolean always;

    @Override
    void fill(ObjectNode e) {
      ArrayNode windows = e.putArray("windows");
      if (always) {
        return;
      }
      if (until == null) {
        throw new InvalidInputException("availability", "give --until (and optionally --from), or --always");
      }
      windows.addObject().put("from", from != null ? from : java.time.Instant.EPOCH.toString()).put("until", until);
    }
  }

  @Command(name = "quota", mixinStandardHelpOptions = true, description = "How many of our VMs a site accepts (--vms N, or --none).")
  static final class Quota extends SiteEvent {
    @Option(names = "--vms") Integer vms;
    @Option(names = "--none") boolean none;

    @Override
    void fill(ObjectNode e) {
      if (!none) {
        if (vms == null) {
          throw new InvalidInputException("quota", "give --vms N, or --none");
        }
        e.put("vms", vms);
      }
    }
  }

  @Command(name = "link", mixinStandardHelpOptions = true, description = "The network path from a site to another.")
  static final class LinkEvent extends SiteEvent {
    @Option(names = "--to", required = true) String to;
    @Option(names = "--latency", required = true, description = "e.g. 5ms") String latency;
    @Option(names = "--bandwidth", required = true, description = "e.g. 10Gbps") String bandwidth;

    @Override
    void fill(ObjectNode e) {
      e.put("to", to).put("latency", latency).put("bandwidth", bandwidth);
    }
  }

  @Command(name = "submit", mixinStandardHelpOptions = true,
      description = "A new application, written as in a scenario's applications block, with its name (HOCON or JSON file).")
  static final class Submit implements Callable<Integer> {
    @ParentCommand InjectCommand parent;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--file", required = true, paramLabel = "APP.conf") Path file;
    @Option(names = "--name", description = "Its name, if the file does not say.") String name;
    @Option(names = "--arrives", paramLabel = "T", description = {"Announce it instead: it arrives at T (an instant, or +DURATION from the node's",
        "now, e.g. +2h), and the planner holds room for it until then; submit it again when it arrives."}) String arrives;

    @Override
    public Integer call() throws IOException {
      if (!Files.isRegularFile(file)) {
        throw new InvalidInputException(file.toString(), "no such file");
      }
      com.typesafe.config.Config c;
      try {
        c = ConfigFactory.parseFile(file.toFile()).resolve();
      } catch (com.typesafe.config.ConfigException e) {
        throw new InvalidInputException(file.toString(), e.getMessage());
      }
      if (name != null) {
        c = c.withValue("name", com.typesafe.config.ConfigValueFactory.fromAnyRef(name));
      }
      // the node reads no file a request names: the matrices go inline, read here, relative to the file
      for (String key : java.util.List.of("traffic", "traffic-packets")) {
        if (c.hasPath(key) && c.getValue(key).valueType() == com.typesafe.config.ConfigValueType.STRING) {
          Path matrix = file.toAbsolutePath().getParent().resolve(c.getString(key));
          c = c.withoutPath(key).withValue(key + "-csv", com.typesafe.config.ConfigValueFactory.fromAnyRef(
              org.vmflock.model.TextFiles.text(matrix)));
        }
      }
      ObjectNode e = JSON.createObjectNode().put("type", "submit");
      e.set("application", JSON.readTree(c.root().render(ConfigRenderOptions.concise())));
      if (arrives != null) {
        e.put("arrives", arrives);
      }
      return parent.post(e, spec);
    }
  }

}
