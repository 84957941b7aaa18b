package org.vmflock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.cli.ExitCode;
import org.vmflock.testing.Cli;
import org.vmflock.testing.NodeProcess;

/**
 * The node's endpoint over HTTPS ({@code vmflock.http.tls.enabled}) with a keystore made at test
 * time by the JDK's {@code keytool}: a client trusting that certificate reads and, with the token,
 * changes the node; plain HTTP and a client that does not trust it get nothing; a keystore that
 * cannot be read stops {@code run} with exit 2, naming the setting and the file; {@code inject --cacert} trusts the
 * certificate it names, and without it the node is refused.
 */
class HttpsTest {

  private static final String PASSWORD = "https-test-password";
  private static final Duration REQUEST = Duration.ofSeconds(20);

  @TempDir Path dir;

  /** A self-signed key and certificate for 127.0.0.1 in a PKCS12 keystore, made by keytool. */
  private Path keystore() throws Exception {
    Path store = dir.resolve("node.p12");
    Path out = dir.resolve("keytool.out");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", "vmflock",
        "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", PASSWORD).redirectErrorStream(true).redirectOutput(out.toFile())
        .start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("keytool did not end within 60 s");
    }
    assertEquals(0, p.exitValue(), Files.readString(out));
    return store;
  }

  private static HttpClient trusting(Path store) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, PASSWORD.toCharArray());
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(ks);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, trust.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
  }

  private Path scenario() throws IOException {
    return Files.writeString(dir.resolve("one-site.conf"), """
        start = "2026-06-01T12:00:00Z"
        sites {
          lyon { capacity { slots = 4, cores = 16, memory = 32GiB }, price-per-vm-hour = 0.05, transfer-price-per-gb = 0 }
        }
        """);
  }

  @Test
  void aClientTrustingTheNodesCertificateTalksHttpsPlainHttpAndStrangersGetNothing() throws Exception {
    Path store = keystore();
    HttpClient client = trusting(store);
    try (NodeProcess node = NodeProcess.run(Duration.ofSeconds(180), "--scenario", scenario().toString(), "--set",
        "vmflock.data-dir=" + dir.resolve("data"), "--set", "vmflock.http.tls.enabled=on", "--set", "vmflock.tls.key-store=" + store,
        "--set", "vmflock.tls.key-store-password=" + PASSWORD)) {
      URI base = URI.create(node.url());
      assertEquals("https", base.getScheme(), "the node says where it listens: " + node.url());
      HttpResponse<String> health = client.send(HttpRequest.newBuilder(base.resolve("/health")).timeout(REQUEST).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode(), health.body());
      assertEquals("TLSv1.3", health.sslSession().orElseThrow().getProtocol());

      HttpResponse<String> event = client.send(HttpRequest.newBuilder(base.resolve("/api/events")).timeout(REQUEST)
          .header("Content-Type", "application/json").header("Authorization", node.token().authorization())
          .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"price\",\"site\":\"lyon\",\"perVmHour\":0.07}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, event.statusCode(), event.body());
      HttpResponse<String> site = client.send(HttpRequest.newBuilder(base.resolve("/api/sites/lyon")).timeout(REQUEST).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(site.body().contains("0.07"), site.body());

      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      URI http = URI.create(node.url().replace("https://", "http://") + "/health");
      assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(http).timeout(REQUEST).GET().build(),
          HttpResponse.BodyHandlers.ofString()), "no answer to plain HTTP");
      assertThrows(javax.net.ssl.SSLHandshakeException.class, () -> plain.send(HttpRequest.newBuilder(base.resolve("/health")).timeout(REQUEST)
          .GET().build(), HttpResponse.BodyHandlers.ofString()), "a client that does not trust the certificate");

      // the command line trusts the node's certificate when told which (--cacert), and only then
      Path pem = Files.writeString(dir.resolve("node.crt"), org.vmflock.tls.ClusterKeys.pem((java.security.cert.X509Certificate)
          org.vmflock.tls.ClusterKeys.load(store, PASSWORD.toCharArray()).getCertificate("vmflock")));
      Cli.Run trusted = Cli.run("inject", "--node", node.url(), "--data-dir", node.dataDir(), "--cacert", pem, "price", "--site", "lyon",
          "--per-vm-hour", "0.08");
      assertEquals(ExitCode.OK, trusted.exitCode(), trusted.err());
      Cli.Run untrusted = Cli.run("inject", "--node", node.url(), "--data-dir", node.dataDir(), "price", "--site", "lyon", "--per-vm-hour", "0.09");
      assertEquals(ExitCode.FAILURE, untrusted.exitCode(), untrusted.out());
      assertTrue(untrusted.err().contains("PKIX"), untrusted.err());
      Cli.Run notPem = Cli.run("inject", "--node", node.url(), "--data-dir", node.dataDir(), "--cacert", store, "price", "--site", "lyon",
          "--per-vm-hour", "0.09");
      assertEquals(ExitCode.INVALID_INPUT, notPem.exitCode(), notPem.err());
      assertTrue(notPem.err().contains("--cacert " + store), notPem.err());
    }
  }

  @Test
  void aKeystoreThatCannotBeReadStopsTheStartNamingTheSettingAndTheFile() throws Exception {
    Path missing = dir.resolve("no-such.p12");
    Path store = keystore();
    for (List<String> broken : List.of(List.of("vmflock.tls.key-store=" + missing, "vmflock.tls.key-store-password=" + PASSWORD),
        List.of("vmflock.tls.key-store=" + store, "vmflock.tls.key-store-password=not-the-password"))) {
      Cli.Run r = Cli.run("run", "--scenario", scenario(), "--http-port", "0", "--duration", "1s", "--set", "vmflock.data-dir=" + dir.resolve("data"),
          "--set", "vmflock.http.tls.enabled=on", "--set", broken.get(0), "--set", broken.get(1));
      assertEquals(ExitCode.INVALID_INPUT, r.exitCode(), r.err());
      String file = broken.get(0).substring(broken.get(0).indexOf('=') + 1);
      assertTrue(r.err().contains("vmflock.tls.key-store") && r.err().contains(file), r.err());
      assertEquals(1, r.err().strip().lines().filter(l -> l.contains("vmflock.tls")).count(), "one line: " + r.err());
    }
  }
}
