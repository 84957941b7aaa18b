package org.vmflock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.testing.LiveEvents;
import org.vmflock.testing.NodeProcess;
import org.vmflock.testing.TestData;

/**
 * {@code /api/stream} of a real node over real HTTP: a client that reads nothing (a socket with a
 * small receive buffer, on a server whose send buffer is small) is dropped once its events fill
 * the TCP buffers and then its own buffer, its connection closed and its lost events counted on
 * {@code /metrics}, while a client that reads gets every event.
 */
class LiveStreamOverHttpTest {

  private static final Duration PATIENCE = Duration.ofSeconds(120);
  private static final int BUFFER = 4;
  /** Price changes injected at most before the client that reads nothing must have been dropped. */
  private static final int MAX_EVENTS = 2000;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @TempDir Path dir;

  @Test
  void aClientThatDoesNotReadIsDroppedAndCountedWhileOneThatReadsGetsEveryEvent() throws Exception {
    Path scenario = TestData.twoSitesScenario(dir);
    try (NodeProcess node = NodeProcess.run(PATIENCE, "--scenario", scenario.toString(), "--time-scale", "60", "--period", "10s",
            "--set", "vmflock.data-dir=" + dir.resolve("data"), "--set", "vmflock.http.stream.buffer-per-client=" + BUFFER,
            // small TCP buffers on the server, so that a client that does not read makes its queue fill soon
            "--set", "pekko.http.server.socket-options.so-send-buffer-size=4096");
        LiveEvents reader = LiveEvents.open(node.url() + "/api/stream", node::log);
        Socket idle = new Socket()) {
      reader.next(e -> e.path("type").asText().equals("subscribed"), Duration.ofSeconds(30));
      idle.setReceiveBufferSize(2048);
      URI uri = URI.create(node.url());
      idle.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
      OutputStream out = idle.getOutputStream();
      out.write(("GET /api/stream HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort() + "\r\nAccept: text/event-stream\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertTrue(until(node, "vmflock_stream_clients", v -> v == 2), "two clients: " + get(node, "/metrics"));

      // price changes at lyon, each a site event (below nancy's price: nothing moves), until the idle client is dropped
      int injected = 0;
      while (injected < MAX_EVENTS && metric(node, "vmflock_stream_clients_dropped_total") < 1) {
        for (int i = 0; i < 20; i++, injected++) {
          String price = String.format(Locale.ROOT, "%.3f", 0.001 * (injected % 40 + 1));
          HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + "/api/events")).timeout(Duration.ofSeconds(20))
              .header("Content-Type", "application/json").header("Authorization", node.token().authorization())
              .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"price\",\"site\":\"lyon\",\"perVmHour\":" + price + "}")).build(),
              HttpResponse.BodyHandlers.ofString());
          assertEquals(200, r.statusCode(), r.body());
        }
      }
      assertTrue(until(node, "vmflock_stream_clients_dropped_total", v -> v == 1), "dropped after " + injected + " events");
      assertEquals(1, metric(node, "vmflock_stream_clients"), "the reader stays");
      double lost = metric(node, "vmflock_stream_events_dropped_total");
      assertTrue(lost >= 1 + BUFFER && lost <= injected + 1, "lost " + lost + " of " + injected);

      // the reader got every change, in order
      for (int n = 0; n < injected; n++) {
        double expected = Double.parseDouble(String.format(Locale.ROOT, "%.3f", 0.001 * (n % 40 + 1)));
        JsonNode e = reader.next(x -> x.path("type").asText().equals("site") && x.path("site").asText().equals("lyon"), Duration.ofSeconds(30));
        assertEquals(expected, e.at("/change/pricePerVmHour").asDouble(), 1e-12, "change " + n + ": " + e);
      }

      // and the idle client's connection is closed: what the TCP buffers held, then the end
      idle.setSoTimeout(30_000);
      InputStream in = idle.getInputStream();
      byte[] chunk = new byte[65_536];
      long read = 0;
      try {
        for (int r; (r = in.read(chunk)) >= 0; ) {
          read += r;
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the dropped client's connection stays open (" + read + " bytes read)");
      } catch (java.net.SocketException reset) {
        // closed by the server: as good as the end
      }
      System.out.printf("the idle client dropped after %d events; %.0f events lost; %d bytes had reached it%n", injected, lost, read);
    }
  }

  private static boolean until(NodeProcess node, String series, java.util.function.DoublePredicate met) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (met.test(metric(node, series))) {
        return true;
      }
      Thread.onSpinWait();
    }
    return false;
  }

  private static String get(NodeProcess node, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + path)).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  private static double metric(NodeProcess node, String series) throws Exception {
    return ApiEndToEndTest.metric(get(node, "/metrics"), series);
  }
}
