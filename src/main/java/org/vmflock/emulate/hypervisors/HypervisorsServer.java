package org.vmflock.emulate.hypervisors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.vmflock.emulate.hypervisors.HypervisorsProtocol.BootRequest;
import org.vmflock.emulate.hypervisors.HypervisorsProtocol.InFlight;
import org.vmflock.emulate.hypervisors.HypervisorsProtocol.StepAnswer;
import org.vmflock.emulate.hypervisors.HypervisorsProtocol.StepRequest;
import org.vmflock.emulate.hypervisors.HypervisorsProtocol.StopRequest;
import org.vmflock.execute.Actuator;
import org.vmflock.execute.PacedActuator;
import org.vmflock.execute.StepProgress;
import org.vmflock.execute.StepResult;
import org.vmflock.simulate.SimulatedFederation;
import org.vmflock.simulate.ApplicationRuntime;
import org.vmflock.clock.Clock;
import org.vmflock.execute.SimulatedWorld;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Placement;
import org.vmflock.model.TrafficMatrix;
import java.util.HashSet;
import java.util.Set;

/**
 * Simulated hypervisors in a process of their own, outside every vmflock node (as real ones are):
 * a {@link SimulatedFederation}'s actuator, paced in real time ({@link PacedActuator}: a step's
 * answer comes when its modelled duration, divided by the time scale, has passed; its effect on the
 * world is there at once), and its provisioner, served over HTTP ({@link HypervisorsProtocol}). A
 * node killed in the middle of a step leaves the hypervisors, and the step's effect, as they were:
 * its successor finds them there, asks again (every step is idempotent) and goes on.
 *
 * <p>Started with the sites' infrastructure, they meter the traffic their VMs exchange ({@link
 * TrafficMeter}): each running application's VMs at the rates of its profile, at the pace it has
 * where its VMs run now (nothing while one of them is paused), re-metered at every boot, stop and
 * step; {@code GET /traffic} reads the counters of a site's VMs at the instants a poller asks (the
 * ends of its periods), as the counters of a real host's interfaces would be read.
 *
 * <p>Plain JDK ({@code com.sun.net.httpserver}); each request on a thread of its own, since a
 * step's answer waits its paced duration.
 */
public final class HypervisorsServer implements AutoCloseable {

  /** VMs per page of {@code GET /world}: the default and the most. */
  public static final int WORLD_PAGE = 500;
  public static final int WORLD_PAGE_MAX = 2000;
  private static final int BACKLOG = 64;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HypervisorsServer.class);
  /** How far back {@code GET /traffic} reads the counters. */
  public static final java.time.Duration TRAFFIC_RETENTION = java.time.Duration.ofHours(1);
  /** Instants per {@code GET /traffic} at most. */
  public static final int TRAFFIC_READINGS_MAX = 1000;

  private final SimulatedFederation federation;
  private final Optional<Infrastructure> infra;
  private final Clock clock;
  private final TrafficMeter meter = new TrafficMeter(TRAFFIC_RETENTION);
  private final Actuator paced;
  private final HttpServer server;
  private final ExecutorService threads;
  /** The steps being done now, by request number. */
  private final Map<Long, InFlight> inFlight = Collections.synchronizedMap(new LinkedHashMap<>());
  private long requests;
  /** Steps and compensations asked again and found done. */
  private final java.util.concurrent.atomic.AtomicLong foundDone = new java.util.concurrent.atomic.AtomicLong();

  private HypervisorsServer(SimulatedFederation federation, Optional<Infrastructure> infra, Clock clock, double timeScale, HttpServer server) {
    this.federation = federation;
    this.infra = infra;
    this.clock = clock;
    this.paced = new PacedActuator(federation.actuator(), timeScale);
    this.server = server;
    this.threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "hypervisors-http");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Serves {@code federation} on {@code host:port} (0 picks a free port), its steps paced at {@code
   * timeScale} times real time.
   *
   * @throws IOException if the address cannot be bound
   */
  public static HypervisorsServer start(SimulatedFederation federation, double timeScale, String host, int port) throws IOException {
    return start(federation, Optional.empty(), Clock.system(), timeScale, host, port);
  }

  /**
   * As {@link #start(SimulatedFederation, double, String, int)}, metering the traffic of the VMs on
   * {@code infra} (the applications' pace where they run) with {@code clock}'s time.
   */
  public static HypervisorsServer start(SimulatedFederation federation, Optional<Infrastructure> infra, Clock clock, double timeScale,
      String host, int port) throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress(host, port), BACKLOG);
    HypervisorsServer s = new HypervisorsServer(federation, infra, clock, timeScale, http);
    s.remeter();
    http.setExecutor(s.threads);
    http.createContext("/", s::handle);
    http.start();
    return s;
  }

  /** The address it serves, e.g. {@code http://127.0.0.1:34567}. */
  public URI uri() {
    InetSocketAddress a = server.getAddress();
    return URI.create("http://" + a.getHostString() + ":" + a.getPort());
  }

  public SimulatedFederation federation() {
    return federation;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      try {
        Object answer = switch (method + " " + path) {
          case "POST /steps/perform" -> step(read(ex, StepRequest.class), true, ex.getRemoteAddress());
          case "POST /steps/compensate" -> step(read(ex, StepRequest.class), false, ex.getRemoteAddress());
          case "POST /boot" -> boot(read(ex, BootRequest.class));
          case "POST /stop" -> stop(read(ex, StopRequest.class));
          case "GET /world" -> world(query(ex.getRequestURI()));
          case "GET /traffic" -> traffic(query(ex.getRequestURI()));
          case "GET /health" -> Map.of("status", "up");
          default -> throw new NotFound(method + " " + path + " is not served here (see HypervisorsProtocol)");
        };
        send(ex, 200, answer);
      } catch (NotFound e) {
        send(ex, 404, Map.of("error", e.getMessage()));
      } catch (JsonProcessingException | IllegalArgumentException e) {
        send(ex, 400, Map.of("error", "bad request to " + method + " " + path + ": " + oneLine(e)));
      } catch (RuntimeException e) {
        send(ex, 500, Map.of("error", method + " " + path + " failed: " + oneLine(e)));
      }
    }
  }

  /** Each step asked, as it is answered: what, of which VM, from where (which node), when asked and how it ended. */
  private StepAnswer step(StepRequest r, boolean forward, InetSocketAddress from) {
    if (r.order() == null || r.step() == null || r.attempt() < 1) {
      throw new IllegalArgumentException("a step names its order, its step and its attempt (from 1)");
    }
    if (r.step().forward() != forward) {
      throw new IllegalArgumentException(r.step() + (forward ? " is a compensation, not a step" : " is a step, not a compensation"));
    }
    long id;
    synchronized (this) {
      id = ++requests;
    }
    Instant asked = Instant.now();
    inFlight.put(id, new InFlight(r.order().migrationId(), r.order().vm(), r.step(), r.attempt(), asked));
    String outcome = "no answer";
    try {
      List<StepProgress> progress = Collections.synchronizedList(new ArrayList<>());
      CompletionStage<StepResult> answer = forward ? paced.perform(r.order(), r.step(), r.attempt(), progress::add)
          : paced.compensate(r.order(), r.step(), r.attempt());
      remeter(); // the step's effect is there at once: the traffic's rates from now on
      StepResult result = answer.toCompletableFuture().join();
      if (result instanceof StepResult.Done d && d.details().alreadyDone()) {
        foundDone.incrementAndGet();
      }
      outcome = result instanceof StepResult.Done d ? (d.details().alreadyDone() ? "found done" : "done") : "failed";
      return StepAnswer.of(result, progress);
    } finally {
      inFlight.remove(id);
      LOG.info("{} {} of {} (migration {}, attempt {}) from {}: asked at {} (epoch ms), {} after {} ms", forward ? "step" : "compensation",
          r.step(), r.order().vm(), r.order().migrationId(), r.attempt(), from.getAddress().getHostAddress(), asked.toEpochMilli(), outcome,
          java.time.Duration.between(asked, Instant.now()).toMillis());
    }
  }

  private Map<String, String> boot(BootRequest r) {
    if (r.app() == null || r.siteOfVm() == null) {
      throw new IllegalArgumentException("a boot names its application and the site of each VM");
    }
    for (String vm : r.app().vmNames()) {
      String site = r.siteOfVm().get(vm);
      if (site == null) {
        throw new IllegalArgumentException("VM " + vm + " of " + r.app().name() + " has no site");
      }
    }
    federation.boot(r.app(), r.siteOfVm());
    remeter();
    return Map.of("booted", r.app().name());
  }

  private Map<String, String> stop(StopRequest r) {
    if (r.app() == null) {
      throw new IllegalArgumentException("a stop names its application");
    }
    federation.stop(r.app());
    remeter();
    return Map.of("stopped", r.app().name());
  }

  private HypervisorsProtocol.World world(Map<String, String> q) {
    int limit;
    try {
      limit = Integer.parseInt(q.getOrDefault("limit", String.valueOf(WORLD_PAGE)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("limit is a whole number, not " + q.get("limit"));
    }
    if (limit < 1 || limit > WORLD_PAGE_MAX) {
      throw new IllegalArgumentException("limit is in 1.." + WORLD_PAGE_MAX + ", not " + limit);
    }
    List<InFlight> steps;
    synchronized (inFlight) {
      steps = List.copyOf(inFlight.values());
    }
    return new HypervisorsProtocol.World(federation.page(Optional.ofNullable(q.get("after")), limit), steps, foundDone.get());
  }

  /** The rates of every pair of VMs from now on, as the world is now; nothing without the infrastructure. */
  private void remeter() {
    if (infra.isEmpty()) {
      return;
    }
    synchronized (meter) {
      Placement placement = federation.placement();
      Set<String> paused = new HashSet<>();
      federation.instances().stream().filter(i -> i.state() == SimulatedWorld.InstanceState.PAUSED).forEach(i -> paused.add(i.vm().name()));
      List<TrafficMeter.Rate> rates = new ArrayList<>();
      for (ApplicationRuntime.Run run : federation.runs()) {
        List<String> vms = run.app().vmNames();
        if (run.finished() || !placement.places(vms) || vms.stream().anyMatch(paused::contains)) {
          continue;
        }
        TrafficMatrix m = ApplicationRuntime.trafficRates(run.app(), federation.secondsPerWork(run.app().name(), infra.get()));
        for (int sender = 0; sender < m.size(); sender++) {
          for (int receiver = 0; receiver < m.size(); receiver++) {
            if (sender != receiver && (m.packets(sender, receiver) > 0 || m.bytes(sender, receiver) > 0)) {
              String from = m.vms().get(sender);
              String address = SimulatedFederation.address(federation.nic(from)).toString();
              rates.add(new TrafficMeter.Rate(m.vms().get(receiver), from, address, m.packets(sender, receiver), m.bytes(sender, receiver)));
            }
          }
        }
      }
      Map<String, TrafficMeter.Where> where = new java.util.TreeMap<>();
      placement.siteOfVm().forEach((vm, site) -> where.put(vm, new TrafficMeter.Where(site, federation.nic(vm))));
      meter.rates(clock.now(), where, rates);
    }
  }

  private HypervisorsProtocol.SiteTraffic traffic(Map<String, String> q) {
    if (infra.isEmpty()) {
      throw new NotFound("these hypervisors meter no traffic (started without their sites' infrastructure)");
    }
    String site = q.get("site");
    if (site == null || site.isBlank()) {
      throw new IllegalArgumentException("GET /traffic names its site (?site=S)");
    }
    if (infra.get().site(site).isEmpty()) {
      throw new IllegalArgumentException("no site " + site + " here (sites: " + infra.get().sites().stream().map(s -> s.name()).toList() + ")");
    }
    String at = q.getOrDefault("at", "");
    List<Long> instants = new ArrayList<>();
    for (String a : at.split(",")) {
      if (a.isBlank()) {
        continue;
      }
      try {
        instants.add(Long.parseLong(a.trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("at lists instants in epoch microseconds, not " + a);
      }
    }
    if (instants.isEmpty() || instants.size() > TRAFFIC_READINGS_MAX) {
      throw new IllegalArgumentException("at lists 1.." + TRAFFIC_READINGS_MAX + " instants (epoch microseconds), not " + instants.size());
    }
    Instant now = clock.now();
    long nowMicros = Clock.epochMicros(now);
    for (long a : instants) {
      if (a > nowMicros) {
        throw new IllegalArgumentException("at " + a + " is after now (" + nowMicros + "): the counters are read in the past only");
      }
    }
    List<HypervisorsProtocol.VmCounters> vms = new ArrayList<>();
    synchronized (meter) {
      List<Map<String, TrafficMeter.Where>> here = new ArrayList<>();
      Map<String, Integer> nics = new java.util.TreeMap<>();
      for (long a : instants) {
        Map<String, TrafficMeter.Where> there = meter.vmsAt(site, instant(a));
        here.add(there);
        there.forEach((vm, w) -> nics.put(vm, w.nic()));
      }
      nics.forEach((vm, nic) -> {
        List<HypervisorsProtocol.Reading> readings = new ArrayList<>();
        for (int i = 0; i < instants.size(); i++) {
          readings.add(new HypervisorsProtocol.Reading(instants.get(i), here.get(i).containsKey(vm), meter.received(vm, instant(instants.get(i)))));
        }
        vms.add(new HypervisorsProtocol.VmCounters(vm, nic, readings));
      });
      long since = meter.since().map(Clock::epochMicros).orElse(nowMicros);
      return new HypervisorsProtocol.SiteTraffic(site, nowMicros, since, vms);
    }
  }

  private static Instant instant(long epochMicros) {
    return Clock.ofEpochMicros(epochMicros);
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> q = new LinkedHashMap<>();
    String raw = uri.getRawQuery();
    if (raw == null) {
      return q;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        q.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
      }
    }
    return q;
  }

  private static String decode(String s) {
    return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static <T> T read(HttpExchange ex, Class<T> type) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      T value = HypervisorsProtocol.JSON.readValue(in, type);
      if (value == null) {
        throw new IllegalArgumentException("the body is empty");
      }
      return value;
    }
  }

  private static void send(HttpExchange ex, int code, Object body) throws IOException {
    byte[] bytes = HypervisorsProtocol.JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String oneLine(Exception e) {
    String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    return String.valueOf(m).replaceAll("\\s+", " ");
  }

  private static final class NotFound extends RuntimeException {
    NotFound(String message) {
      super(message);
    }
  }

  /** Stops serving; steps in progress are answered to a closed connection. */
  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
    try {
      threads.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
