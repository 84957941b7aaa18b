package org.vmflock.emulate.hypervisors;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.vmflock.emulate.hypervisors.HypervisorsProtocol.StepAnswer;
import org.vmflock.emulate.hypervisors.HypervisorsProtocol.StepRequest;
import org.vmflock.execute.Actuator;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.Provisioner;
import org.vmflock.execute.StepProgress;
import org.vmflock.execute.StepResult;
import org.vmflock.model.Application;

/**
 * The actuator and provisioner of a node whose hypervisors run in another process ({@link
 * HypervisorsServer}), over HTTP. A step that the hypervisors do not answer (unreachable, a
 * timeout, a connection cut, an answer that cannot be read) is a failure whose effect is unknown,
 * never an exception: the saga asks again, and the hypervisors, idempotent, find out. The progress
 * a step reported comes with its answer.
 *
 * <p>Boots and stops are sent in order from a thread of their own, so that the manager's actor does
 * not wait on the network: one the hypervisors do not take is tried again every {@code retry}
 * until it is taken (boot and stop are idempotent), each failure told to {@code warn}.
 */
public final class RemoteHypervisors implements Actuator, Provisioner, AutoCloseable {

  private static final Duration CONNECT = Duration.ofSeconds(5);
  /** A boot or a stop is tried this many times at most. */
  private static final int MAX_TRIES = 120;

  private final URI base;
  private final Duration stepTimeout;
  private final Duration retry;
  private final Consumer<String> warn;
  private final HttpClient http;
  private final ExecutorService provisioning;

  /**
   * @param base the hypervisors' address, e.g. {@code http://10.0.0.5:7700}
   * @param stepTimeout how long a step may take before it counts as failed (its effect unknown)
   * @param retry the delay between tries of a boot or stop the hypervisors did not take
   */
  public RemoteHypervisors(URI base, Duration stepTimeout, Duration retry, Consumer<String> warn) {
    String scheme = String.valueOf(base.getScheme());
    if (!scheme.equals("http") && !scheme.equals("https") || base.getHost() == null) {
      throw new IllegalArgumentException("the hypervisors' address is http://HOST:PORT, not " + base);
    }
    this.base = URI.create(base.toString().replaceAll("/+$", ""));
    this.stepTimeout = stepTimeout;
    this.retry = retry;
    this.warn = warn;
    this.http = HttpClient.newBuilder().connectTimeout(CONNECT).build();
    this.provisioning = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "hypervisors-provisioning");
      t.setDaemon(true);
      return t;
    });
  }

  public URI base() {
    return base;
  }

  @Override
  public CompletionStage<StepResult> perform(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> progress) {
    return step("perform", new StepRequest(order, step, attempt), progress);
  }

  @Override
  public CompletionStage<StepResult> compensate(MigrationOrder order, MigrationStep step, int attempt) {
    return step("compensate", new StepRequest(order, step, attempt), NO_PROGRESS);
  }

  private CompletionStage<StepResult> step(String kind, StepRequest r, Consumer<StepProgress> progress) {
    long started = System.nanoTime();
    String what = kind + " " + r.step() + " of " + r.order() + " (attempt " + r.attempt() + ")";
    HttpRequest request;
    try {
      request = post("/steps/" + kind, r, stepTimeout);
    } catch (IOException e) {
      return CompletableFuture.completedFuture(StepResult.Failed.unknown(StepResult.since(started), what + ": " + e.getMessage()));
    }
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, error) -> {
      if (error != null) {
        Throwable cause = error.getCause() != null ? error.getCause() : error;
        return StepResult.Failed.unknown(StepResult.since(started), "the hypervisors at " + base + " did not answer " + what + ": "
            + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : " " + cause.getMessage()));
      }
      if (response.statusCode() != 200) {
        return StepResult.Failed.unknown(StepResult.since(started), "the hypervisors at " + base + " answered " + what + " with "
            + response.statusCode() + ": " + response.body());
      }
      try {
        StepAnswer a = HypervisorsProtocol.JSON.readValue(response.body(), StepAnswer.class);
        a.progress().forEach(progress);
        return a.result();
      } catch (IOException | IllegalArgumentException e) {
        return StepResult.Failed.unknown(StepResult.since(started), "the hypervisors' answer to " + what + " cannot be read: " + e.getMessage());
      }
    });
  }

  @Override
  public void boot(Application app, Map<String, String> siteOfVm) {
    provision("/boot", new HypervisorsProtocol.BootRequest(app, siteOfVm), "booting " + app.name());
  }

  @Override
  public void stop(Application app) {
    provision("/stop", new HypervisorsProtocol.StopRequest(app), "stopping " + app.name());
  }

  private void provision(String path, Object body, String what) {
    provisioning.execute(() -> {
      for (int tries = 1; tries <= MAX_TRIES && !Thread.currentThread().isInterrupted(); tries++) {
        String failure;
        try {
          HttpResponse<String> r = http.send(post(path, body, stepTimeout), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200) {
            return;
          }
          failure = "answered " + r.statusCode() + ": " + r.body();
          if (r.statusCode() == 400) {
            warn.accept("the hypervisors at " + base + " refused " + what + ": " + r.body());
            return; // the same request will be refused again
          }
        } catch (IOException e) {
          failure = "did not answer: " + e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        warn.accept("the hypervisors at " + base + " " + failure + " (" + what + ", try " + tries + " of " + MAX_TRIES + ")");
        try {
          Thread.sleep(retry.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    });
  }

  /** The world as the hypervisors hold it: a page of it, and the steps being done now. */
  public HypervisorsProtocol.World world(java.util.Optional<String> afterVm, int limit) throws IOException, InterruptedException {
    String q = "?limit=" + limit + afterVm.map(a -> "&after=" + java.net.URLEncoder.encode(a, java.nio.charset.StandardCharsets.UTF_8)).orElse("");
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/world" + q)).timeout(CONNECT.multipliedBy(2)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("the hypervisors at " + base + " answered GET /world with " + r.statusCode() + ": " + r.body());
    }
    return HypervisorsProtocol.JSON.readValue(r.body(), HypervisorsProtocol.World.class);
  }

  /**
   * The traffic the VMs at {@code site} received, their counters read at each of {@code atMicros}
   * (epoch microseconds, none in the future); fails with an {@link IOException} when the hypervisors
   * do not answer, or answer otherwise than 200.
   */
  public CompletionStage<HypervisorsProtocol.SiteTraffic> traffic(String site, java.util.List<Long> atMicros) {
    String q = "?site=" + java.net.URLEncoder.encode(site, java.nio.charset.StandardCharsets.UTF_8) + "&at="
        + String.join(",", atMicros.stream().map(String::valueOf).toList());
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/traffic" + q)).timeout(CONNECT.multipliedBy(2)).GET().build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
      if (r.statusCode() != 200) {
        throw new java.util.concurrent.CompletionException(new IOException("the hypervisors at " + base + " answered GET /traffic?site=" + site
            + " with " + r.statusCode() + ": " + r.body()));
      }
      try {
        return HypervisorsProtocol.JSON.readValue(r.body(), HypervisorsProtocol.SiteTraffic.class);
      } catch (IOException e) {
        throw new java.util.concurrent.CompletionException(new IOException("the hypervisors' traffic of " + site + " cannot be read: "
            + e.getMessage(), e));
      }
    });
  }

  private HttpRequest post(String path, Object body, Duration timeout) throws IOException {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(HypervisorsProtocol.JSON.writeValueAsBytes(body))).build();
  }

  /** Stops sending boots and stops (those not yet sent are dropped). */
  @Override
  public void close() {
    provisioning.shutdownNow();
    try {
      provisioning.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
