package org.vmflock.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real headless Chromium (Debian's {@code chromium}), driven over the DevTools protocol with the
 * JDK's WebSocket client: one page, navigated, evaluated, typed into, photographed. Its profile is
 * a temporary directory, removed with the browser by {@link #close}.
 */
public final class HeadlessChromium implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How long one DevTools command may take. */
  private static final Duration COMMAND = Duration.ofSeconds(30);

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final String session;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final List<String> console = Collections.synchronizedList(new ArrayList<>());
  private final List<CompletableFuture<JsonNode>> loadWaiters = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** The browser's executable on the PATH, if installed. */
  public static Optional<Path> executable() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      for (String name : List.of("chromium", "chromium-browser")) {
        Path p = Path.of(dir, name);
        if (!dir.isEmpty() && Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  /** Starts the browser with a {@code width}×{@code height} window and opens one blank page. */
  public static HeadlessChromium start(Path executable, int width, int height, Duration patience) throws Exception {
    Path profile = Files.createTempDirectory("vmflock-chromium-");
    Process p = new ProcessBuilder(executable.toString(), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--remote-debugging-port=0",
        "--user-data-dir=" + profile, "--window-size=" + width + "," + height, "about:blank")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      String endpoint = endpoint(p, patience);
      return new HeadlessChromium(p, profile, endpoint, width, height);
    } catch (Exception e) {
      p.destroyForcibly().waitFor();
      deleteTree(profile);
      throw e;
    }
  }

  /** The browser's DevTools address, from the line it prints on its standard error. */
  private static String endpoint(Process p, Duration patience) throws Exception {
    CompletableFuture<String> url = new CompletableFuture<>();
    List<String> said = Collections.synchronizedList(new ArrayList<>());
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            url.complete(m.group(1));
          } else if (said.size() < 200) {
            said.add(line);
          }
        }
      } catch (IOException e) {
        url.completeExceptionally(e);
      }
      url.completeExceptionally(new IllegalStateException("chromium ended before it listened:\n" + String.join("\n", said)));
    }, "chromium-stderr");
    reader.setDaemon(true);
    reader.start();
    return url.get(patience.toMillis(), TimeUnit.MILLISECONDS);
  }

  private HeadlessChromium(Process process, Path profile, String endpoint, int width, int height) throws Exception {
    this.process = process;
    this.profile = profile;
    this.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
        .buildAsync(URI.create(endpoint), new Listener()).get(30, TimeUnit.SECONDS);
    String target = call(null, "Target.createTarget", JSON.createObjectNode().put("url", "about:blank")).get("targetId").asText();
    this.session = call(null, "Target.attachToTarget", JSON.createObjectNode().put("targetId", target).put("flatten", true))
        .get("sessionId").asText();
    // the page laid out at the window's size, whatever the headless window's own chrome takes
    send("Emulation.setDeviceMetricsOverride", JSON.createObjectNode().put("width", width).put("height", height)
        .put("deviceScaleFactor", 1).put("mobile", false));
    send("Emulation.setScrollbarsHidden", JSON.createObjectNode().put("hidden", true)); // the screenshot's width is the page's
    send("Page.enable", JSON.createObjectNode());
    send("Runtime.enable", JSON.createObjectNode());
  }

  /** Loads {@code url} and waits for its load event. */
  public void navigate(String url) throws Exception {
    CompletableFuture<JsonNode> loaded = new CompletableFuture<>();
    loadWaiters.add(loaded);
    JsonNode r = send("Page.navigate", JSON.createObjectNode().put("url", url));
    if (r.has("errorText")) {
      throw new IllegalStateException("chromium could not load " + url + ": " + r.get("errorText"));
    }
    loaded.get(COMMAND.toSeconds(), TimeUnit.SECONDS);
  }

  /** The value of JavaScript {@code expression} in the page (awaited if a promise); an error if it throws. */
  public JsonNode evaluate(String expression) throws Exception {
    return evaluate(expression, COMMAND);
  }

  private JsonNode evaluate(String expression, Duration patience) throws Exception {
    JsonNode r = call(session, "Runtime.evaluate", JSON.createObjectNode().put("expression", expression).put("returnByValue", true)
        .put("awaitPromise", true), patience);
    if (r.has("exceptionDetails")) {
      throw new IllegalStateException("the page threw on " + expression + ": " + r.get("exceptionDetails"));
    }
    return r.get("result").path("value");
  }

  /**
   * Whether {@code condition} (JavaScript, true when met) holds within {@code within}: the page
   * polls it itself every 20 ms (one round trip, no sleep here), false at the deadline.
   */
  public boolean await(String condition, Duration within) throws Exception {
    String poll = "new Promise(done => { const end = Date.now() + " + within.toMillis() + "; (function poll() {"
        + " let met = false; try { met = Boolean(" + condition + "); } catch (e) {}"
        + " if (met) done(true); else if (Date.now() > end) done(false); else setTimeout(poll, 20); })(); })";
    return evaluate(poll, within.plus(COMMAND)).asBoolean();
  }

  /** Types {@code text} into the element of {@code selector}, as a user's keyboard would. */
  public void type(String selector, String text) throws Exception {
    evaluate("document.querySelector(" + JSON.writeValueAsString(selector) + ").focus()");
    send("Input.insertText", JSON.createObjectNode().put("text", text));
  }

  /** A PNG of the whole page, however wide and long. */
  public byte[] screenshot() throws Exception {
    JsonNode size = evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]");
    ObjectNode clip = JSON.createObjectNode().put("x", 0).put("y", 0).put("width", size.get(0).asDouble())
        .put("height", size.get(1).asDouble()).put("scale", 1);
    ObjectNode params = JSON.createObjectNode().put("format", "png").put("captureBeyondViewport", true);
    params.set("clip", clip);
    JsonNode r = send("Page.captureScreenshot", params);
    return Base64.getDecoder().decode(r.get("data").asText());
  }

  /** What the page wrote to its console and threw, so far. */
  public List<String> console() {
    synchronized (console) {
      return List.copyOf(console);
    }
  }

  private JsonNode send(String method, ObjectNode params) throws Exception {
    return call(session, method, params, COMMAND);
  }

  private JsonNode call(String sessionId, String method, ObjectNode params) throws Exception {
    return call(sessionId, method, params, COMMAND);
  }

  private JsonNode call(String sessionId, String method, ObjectNode params, Duration patience) throws Exception {
    long id = ids.incrementAndGet();
    ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
    message.set("params", params);
    if (sessionId != null) {
      message.put("sessionId", sessionId);
    }
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    synchronized (socket) {
      socket.sendText(message.toString(), true).get(COMMAND.toSeconds(), TimeUnit.SECONDS);
    }
    JsonNode r = answer.get(patience.toMillis(), TimeUnit.MILLISECONDS);
    if (r.has("error")) {
      throw new IllegalStateException(method + ": " + r.get("error"));
    }
    return r.get("result");
  }

  /** Answers to their commands; the page's console and exceptions kept. */
  private final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        try {
          received(JSON.readTree(text));
        } catch (IOException e) {
          console.add("unreadable DevTools message: " + e.getMessage());
        }
      }
      ws.request(1);
      return null;
    }

    private void received(JsonNode m) {
      if (m.has("id")) {
        Optional.ofNullable(pending.remove(m.get("id").asLong())).ifPresent(f -> f.complete(m));
      } else if (m.path("method").asText().equals("Page.loadEventFired")) {
        loadWaiters.forEach(f -> f.complete(m));
        loadWaiters.clear();
      } else if (m.path("method").asText().equals("Runtime.consoleAPICalled")) {
        StringBuilder line = new StringBuilder(m.at("/params/type").asText()).append(':');
        m.at("/params/args").forEach(a -> line.append(' ').append(a.has("value") ? a.get("value").asText() : a.path("description").asText()));
        console.add(line.toString());
      } else if (m.path("method").asText().equals("Runtime.exceptionThrown")) {
        console.add("exception: " + m.at("/params/exceptionDetails").toString());
      }
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      pending.values().forEach(f -> f.completeExceptionally(error));
    }
  }

  /** Ends the browser and removes its profile. */
  @Override
  public void close() throws Exception {
    List<ProcessHandle> helpers = process.descendants().toList(); // its renderer, GPU and zygote processes
    try {
      socket.abort();
    } finally {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
      helpers.forEach(ProcessHandle::destroyForcibly);
      deleteTree(profile);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
