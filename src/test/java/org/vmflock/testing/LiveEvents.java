package org.vmflock.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** A client of a node's Server-Sent Events ({@code /api/stream}): each event's JSON as it arrives, read on a thread of its own. */
public final class LiveEvents implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build(); // a loaded machine accepts slowly

  private final java.util.concurrent.BlockingQueue<JsonNode> events = new java.util.concurrent.LinkedBlockingQueue<>();
  private final java.util.stream.Stream<String> lines;
  private final Supplier<List<String>> nodeLog;

  private LiveEvents(HttpResponse<java.util.stream.Stream<String>> response, Supplier<List<String>> nodeLog) {
    this.lines = response.body();
    this.nodeLog = nodeLog;
    Thread reader = new Thread(() -> {
      try {
        lines.forEach(line -> {
          if (line.startsWith("data:")) {
            try {
              events.add(JSON.readTree(line.substring("data:".length())));
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        });
      } catch (RuntimeException e) {
        // closed by close(), or the node: next() says what it waited for
      }
    }, "live-events");
    reader.setDaemon(true);
    reader.start();
  }

  /** Subscribes to {@code url}; {@code nodeLog}: what the node printed, shown when an event does not come. */
  public static LiveEvents open(String url, Supplier<List<String>> nodeLog) throws Exception {
    // no request timeout: it would end the stream; the answer's head is awaited with a deadline instead
    HttpResponse<java.util.stream.Stream<String>> r = HTTP.sendAsync(HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream")
        .GET().build(), HttpResponse.BodyHandlers.ofLines()).get(30, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode());
    assertEquals("text/event-stream", r.headers().firstValue("Content-Type").orElse(""));
    return new LiveEvents(r, nodeLog);
  }

  /** The next event that passes {@code wanted} (the others before it skipped), within {@code patience}. */
  public JsonNode next(java.util.function.Predicate<JsonNode> wanted, Duration patience) throws InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    List<String> skipped = new java.util.ArrayList<>();
    for (long left; (left = deadline - System.nanoTime()) > 0; ) {
      JsonNode e = events.poll(left, TimeUnit.NANOSECONDS);
      if (e != null && wanted.test(e)) {
        return e;
      }
      if (e != null) {
        skipped.add(e.toString());
      }
    }
    throw new AssertionError("no such event within " + patience.toSeconds() + " s; came: " + skipped + "\nnode: "
        + String.join("\n", nodeLog.get()));
  }

  @Override
  public void close() {
    lines.close();
  }
}
