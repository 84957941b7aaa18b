package org.vmflock.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code vmflock run} in a JVM of its own, as a user starts it (the command line's main class, the
 * installation's configuration), its HTTP endpoint found in what it prints; stopped with SIGTERM or
 * killed with SIGKILL (kill -9).
 */
public final class NodeProcess implements AutoCloseable {

  private static final Pattern URL = Pattern.compile("(https?://[0-9.]+:\\d+)/api/status");
  /** The line that names the API token's file (printed before the address). */
  private static final Pattern TOKEN = Pattern.compile("carry the bearer token in (\\S+)");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  /** How long one request may take before the test fails instead of waiting. */
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

  private final Process process;
  private final String url;
  private final List<String> log;
  private final java.nio.file.Path tokenFile;

  private NodeProcess(Process process, String url, List<String> log, java.nio.file.Path tokenFile) {
    this.process = process;
    this.tokenFile = tokenFile;
    this.url = url;
    this.log = log;
  }

  /** Starts {@code vmflock run ARGS} on a free HTTP and cluster port and waits until it listens. */
  public static NodeProcess run(Duration patience, String... args) throws Exception {
    List<Object> command = new ArrayList<>(List.of("run", "--resume", "--http-port", "0", "--set", "pekko.remote.artery.canonical.port=0"));
    command.addAll(List.of(args));
    Process p = Cli.inOwnJvm(command.toArray()).start();
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicReference<java.nio.file.Path> tokenFile = new java.util.concurrent.atomic.AtomicReference<>();
    CompletableFuture<String> address = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          log.add(line);
          Matcher t = TOKEN.matcher(line);
          if (t.find()) {
            tokenFile.set(java.nio.file.Path.of(t.group(1)));
          }
          Matcher m = URL.matcher(line);
          if (m.find()) {
            address.complete(m.group(1));
          }
        }
      } catch (IOException e) {
        address.completeExceptionally(e);
      }
      address.completeExceptionally(new IllegalStateException("the node ended before it listened:\n" + String.join("\n", log)));
    }, "node-output");
    reader.setDaemon(true);
    reader.start();
    try {
      String url = address.get(patience.toSeconds(), TimeUnit.SECONDS);
      return new NodeProcess(p, url, log, java.util.Objects.requireNonNull(tokenFile.get(), "the node named no API token file"));
    } catch (Exception e) {
      p.destroyForcibly().waitFor();
      throw e;
    }
  }

  public String url() {
    return url;
  }

  /** What the node printed so far. */
  public List<String> log() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  /** GET /api/status. */
  public JsonNode status() throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/api/status")).timeout(REQUEST_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new AssertionError("status answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }

  /** The node's API token, from the file it named. */
  public org.vmflock.http.ApiToken token() {
    return org.vmflock.http.ApiToken.ofClient(java.util.Map.of(), tokenFile.getParent());
  }

  /** The data directory (where the API token is). */
  public java.nio.file.Path dataDir() {
    return tokenFile.getParent();
  }

  /** POST /api/events with one event, with the node's token; the HTTP status code. */
  public int post(String event) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url + "/api/events")).timeout(REQUEST_TIMEOUT).header("Content-Type", "application/json")
        .header("Authorization", token().authorization())
        .POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  /** kill -9: no shutdown hook, no clean close of the journal. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /** SIGTERM, as Ctrl-C or a service manager; true if it ended within {@code patience}. */
  public boolean stop(Duration patience) throws InterruptedException {
    process.destroy();
    boolean ended = process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS);
    if (!ended) {
      process.destroyForcibly().waitFor();
    }
    return ended;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
