package org.vmflock.cli;

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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code vmflock run} in a JVM of its own, as a user starts it (the command line's main class, this
 * JVM's class path, the installation's configuration): its HTTP endpoint found in what it prints,
 * read and fed over HTTP, stopped with SIGTERM or killed with SIGKILL (kill -9: no shutdown hook,
 * nothing closed). Used by {@code bench crash} and the tests that kill nodes.
 */
public final class RunProcess implements AutoCloseable {

  private static final Pattern URL = Pattern.compile("(https?://[0-9.]+:\\d+)/api/status");
  /** The line that names the API token's file (printed before the address). */
  private static final Pattern TOKEN = Pattern.compile("carry the bearer token in (\\S+)");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LOG_LINES = 400;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

  private final Process process;
  private final CompletableFuture<String> url;
  private final Deque<String> log;
  private final java.util.concurrent.atomic.AtomicReference<Path> tokenFile;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private RunProcess(Process process, CompletableFuture<String> url, Deque<String> log, java.util.concurrent.atomic.AtomicReference<Path> tokenFile) {
    this.process = process;
    this.tokenFile = tokenFile;
    this.url = url;
    this.log = log;
  }

  /**
   * Starts {@code vmflock run ARGS} on a free HTTP port and a free cluster port; returns at once
   * ({@link #awaitListening} waits for its endpoint).
   */
  public static RunProcess start(List<String> args) throws IOException {
    String home = Optional.ofNullable(System.getProperty("vmflock.home")).orElse(Path.of("").toAbsolutePath().toString());
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
        "-XX:TieredStopAtLevel=1", "-Dvmflock.home=" + home, "-cp", System.getProperty("java.class.path"), VmflockCommand.class.getName(),
        "run", "--resume", "--http-port", "0", "--set", "pekko.remote.artery.canonical.port=0"));
    command.addAll(args);
    Process p = new ProcessBuilder(command).directory(Path.of(home).toFile()).redirectErrorStream(true).start();
    Deque<String> log = new ArrayDeque<>();
    java.util.concurrent.atomic.AtomicReference<Path> tokenFile = new java.util.concurrent.atomic.AtomicReference<>();
    CompletableFuture<String> address = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (log) {
            log.addLast(line);
            if (log.size() > LOG_LINES) {
              log.removeFirst();
            }
          }
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
      address.completeExceptionally(new IllegalStateException("the node ended (exit " + exitCode(p) + ") before it listened"));
    }, "run-process-output");
    reader.setDaemon(true);
    reader.start();
    return new RunProcess(p, address, log, tokenFile);
  }

  private static String exitCode(Process p) {
    try {
      return p.waitFor(5, TimeUnit.SECONDS) ? String.valueOf(p.exitValue()) : "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  /** Waits until the node listens; its base URL. */
  public String awaitListening(Duration patience) throws Exception {
    try {
      return url.get(patience.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage() + ":\n" + String.join("\n", tail(40)), e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the node did not listen within " + patience.toSeconds() + " s:\n" + String.join("\n", tail(40)));
    }
  }

  /** Whether the node prints its endpoint already. */
  public boolean listening() {
    return url.isDone() && !url.isCompletedExceptionally();
  }

  public String url() {
    return url.join();
  }

  /** The last {@code n} lines the node printed. */
  public List<String> tail(int n) {
    synchronized (log) {
      List<String> all = new ArrayList<>(log);
      return all.subList(Math.max(0, all.size() - n), all.size());
    }
  }

  /** GET {@code path} (e.g. {@code /api/status?limit=200}): its JSON, or an {@link IOException} if not 200. */
  public JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(REQUEST_TIMEOUT).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }

  /** POST /api/events with one event, with the node's token: the HTTP status code (an {@link IOException} if none came). */
  public int post(String event) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url() + "/api/events")).timeout(REQUEST_TIMEOUT).header("Content-Type", "application/json")
        .header("Authorization", token().authorization())
        .POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  /** The node's API token, from the file it named. */
  public org.vmflock.http.ApiToken token() {
    url();
    Path file = Optional.ofNullable(tokenFile.get()).orElseThrow(() -> new IllegalStateException("the node named no API token file"));
    return org.vmflock.http.ApiToken.ofClient(java.util.Map.of(), file.getParent());
  }

  /** kill -9. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** SIGTERM, as Ctrl-C or a service manager; true if it ended within {@code patience} (else it is killed). */
  public boolean stop(Duration patience) throws InterruptedException {
    process.destroy();
    boolean ended = process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS);
    if (!ended) {
      kill();
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
