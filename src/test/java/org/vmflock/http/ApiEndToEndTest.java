package org.vmflock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.cli.ExitCode;
import org.vmflock.testing.Cli;
import org.vmflock.testing.NodeProcess;
import org.vmflock.testing.TestData;

/**
 * The HTTP API of a real node ({@code vmflock run} in its own JVM, two sites, one application) as
 * its clients use it: the bearer token that requests changing the node carry, through {@code
 * vmflock inject} too; the address it binds.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiEndToEndTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PATIENCE = Duration.ofSeconds(90);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir static Path dir;
  static NodeProcess node;

  @BeforeAll
  static void startNode() throws Exception {
    Path scenario = dir.resolve("two-sites.conf");
    Files.writeString(scenario, """
        start = "2026-06-01T12:00:00Z"
        sites {
          lyon  { capacity { slots = 8, cores = 32, memory = 64GiB }, price-per-vm-hour = 0.05, transfer-price-per-gb = 0 }
          nancy { capacity { slots = 8, cores = 32, memory = 64GiB }, price-per-vm-hour = 0.06, transfer-price-per-gb = 0 }
        }
        links = [ { between = [lyon, nancy], latency = 5ms, bandwidth = 10Gbps } ]
        applications {
          cg {
            vms = 4, size = small, dirty-rate = 20MB/s, work = 8h
            traffic = "%s", traffic-covers = 2.1s
            objective = cost, placement = lyon
          }
        }
        """.formatted(TestData.npb("cg.A.4.bytes.csv").toAbsolutePath()));
    node = NodeProcess.run(PATIENCE, "--scenario", scenario.toString(), "--time-scale", "60", "--period", "10s",
        "--set", "vmflock.data-dir=" + dir.resolve("data"), "--set", "vmflock.manager.full-replan-every=0");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + path)).timeout(Duration.ofSeconds(15)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String body, Optional<String> authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.url() + "/api/events")).timeout(Duration.ofSeconds(15))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    authorization.ifPresent(a -> b.header("Authorization", a));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static double lyonPrice() throws Exception {
    for (JsonNode s : JSON.readTree(get("/api/status?limit=0&recent=0").body()).get("sites")) {
      if (s.get("name").asText().equals("lyon")) {
        return s.get("pricePerVmHour").get("*").asDouble();
      }
    }
    throw new AssertionError("no site lyon");
  }

  // ---------------------------------------------------------------- security

  @Test
  @Order(1)
  void theTokenIsDrawnAtTheFirstStartReadableByItsOwnerOnly() throws Exception {
    Path file = dir.resolve("data").resolve(ApiToken.FILE);
    assertEquals(file, node.dataDir().resolve(ApiToken.FILE), "the node names its token file");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    String token = Files.readString(file, StandardCharsets.UTF_8).strip();
    assertTrue(token.matches("[A-Za-z0-9_-]{43}"), "32 random bytes, base64url: " + token.length() + " characters");
  }

  @Test
  @Order(2)
  void aRequestThatChangesTheNodeWithoutItsTokenIs401AndChangesNothing() throws Exception {
    String rise = "{\"type\":\"price\",\"site\":\"lyon\",\"perVmHour\":0.9}";
    double before = lyonPrice();
    for (Optional<String> auth : List.of(Optional.<String>empty(), Optional.of("Bearer not-the-token-of-this-node-0123456789"),
        Optional.of("Basic dXNlcjpwYXNz"), Optional.of(node.token().authorization() + "x"))) {
      HttpResponse<String> r = post(rise, auth);
      assertEquals(401, r.statusCode(), auth + " -> " + r.body());
      assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
      assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), r.headers().toString());
      assertTrue(JSON.readTree(r.body()).get("error").asText().contains(auth.isEmpty() ? "Authorization: Bearer" : "not this node's"), r.body());
    }
    assertEquals(before, lyonPrice(), 0, "nothing changed");
    // reading needs no token
    assertEquals(200, get("/api/status?limit=0&recent=0").statusCode());
  }

  @Test
  @Order(3)
  void aBodyOverTheLimitIs413EvenWithTheToken() throws Exception {
    HttpResponse<String> r = post("{\"type\":\"speed\",\"pad\":\"" + "x".repeat(9 << 20) + "\"}", Optional.of(node.token().authorization()));
    assertEquals(413, r.statusCode(), r.body());
    assertTrue(JSON.readTree(r.body()).get("error").asText().contains("larger than"), r.body());
  }

  @Test
  @Order(4)
  void injectTakesTheTokenFromTheDataDirectoryOrTheEnvironment() throws Exception {
    Cli.Run fromDir = Cli.run("inject", "--node", node.url(), "--data-dir", node.dataDir(), "speed", "--site", "nancy", "--cpu-speed", "1.1");
    assertEquals(ExitCode.OK, fromDir.exitCode(), fromDir.err());
    assertTrue(fromDir.out().contains("accepted"), fromDir.out());

    Cli.Run elsewhere = Cli.run("inject", "--node", node.url(), "--data-dir", dir.resolve("nowhere"), "speed", "--site", "nancy",
        "--cpu-speed", "1.2");
    assertEquals(ExitCode.INVALID_INPUT, elsewhere.exitCode(), elsewhere.err());
    assertTrue(elsewhere.err().contains(ApiToken.ENV) && elsewhere.err().contains("nowhere"), elsewhere.err());

    // as a user runs it from another shell: the token in the environment, no data directory
    assertEquals(ExitCode.OK, injectInOwnJvm(node.token().authorization().substring("Bearer ".length())).exitCode);
    Injected wrong = injectInOwnJvm("a-token-that-is-not-the-nodes-0123456789");
    assertEquals(ExitCode.INVALID_INPUT, wrong.exitCode, wrong.output);
    assertTrue(wrong.output.contains("401") && wrong.output.contains("not this node's"), wrong.output);
  }

  private record Injected(int exitCode, String output) {}

  private static Injected injectInOwnJvm(String token) throws Exception {
    ProcessBuilder pb = Cli.inOwnJvm("inject", "--node", node.url(), "speed", "--site", "nancy", "--cpu-speed", "1.05");
    pb.environment().put(ApiToken.ENV, token);
    // no data/ where it runs: the token can only come from the environment
    pb.directory(Files.createDirectories(dir.resolve("elsewhere")).toFile());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "inject ended");
    return new Injected(p.exitValue(), out);
  }

  @Test
  @Order(5)
  void theNodeListensOnLoopbackOnly() throws Exception {
    URI url = URI.create(node.url());
    assertEquals("127.0.0.1", url.getHost());
    Optional<InetAddress> other = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
        .filter(i -> isUp(i) && !isLoopback(i)).flatMap(i -> Collections.list(i.getInetAddresses()).stream())
        .filter(a -> a instanceof Inet4Address).findFirst();
    if (other.isEmpty()) {
      return; // no other address on this machine to try
    }
    URI there = URI.create("http://" + other.get().getHostAddress() + ":" + url.getPort() + "/health");
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(there).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      throw new AssertionError("the node answered on " + there + ": " + r.statusCode());
    } catch (ConnectException e) {
      // refused: nothing listens there
    }
  }

  private static boolean isUp(NetworkInterface i) {
    try {
      return i.isUp();
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean isLoopback(NetworkInterface i) {
    try {
      return i.isLoopback();
    } catch (IOException e) {
      return true;
    }
  }
}
