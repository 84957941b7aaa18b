package org.vmflock.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.cli.ExitCode;
import org.vmflock.model.InvalidInputException;
import org.vmflock.node.NodeConfig;
import org.vmflock.testing.Cli;

/**
 * {@code vmflock keys}: a CA of the cluster's own, node keystores it signed for the names asked,
 * trusted through the trust store alone; made again it keeps them; a differing node keystore is
 * replaced only with --force; bad input is refused in one line with exit 2.
 */
class KeysCommandTest {

  @TempDir Path dir;

  private static char[] password(Path keys) throws Exception {
    return Files.readString(keys.resolve(ClusterKeys.PASSWORD)).strip().toCharArray();
  }

  private static X509TrustManager trusting(Path keys) throws Exception {
    TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    f.init(ClusterKeys.load(keys.resolve(ClusterKeys.TRUST_STORE), password(keys)));
    return (X509TrustManager) f.getTrustManagers()[0];
  }

  private static X509Certificate[] chain(Path keys, String node) throws Exception {
    Certificate[] c = ClusterKeys.load(keys.resolve(node + ".p12"), password(keys)).getCertificateChain(ClusterKeys.NODE_ALIAS);
    return Arrays.copyOf(c, c.length, X509Certificate[].class);
  }

  @Test
  void nodeKeystoresSignedByTheClustersCaAreTrustedThroughTheTrustStoreAlone() throws Exception {
    Path keys = dir.resolve("keys");
    Cli.Run r = Cli.run("keys", "--out", keys, "--node", "rennes=rennes.grid5000.fr,172.16.111.1", "--node", "nancy=Nancy.Grid5000.fr,fd00::7");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertTrue(r.out().contains("new CA"), r.out());
    for (String privateFile : List.of("ca.p12", "ca.password", "password", "rennes.p12", "nancy.p12")) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve(privateFile))), privateFile);
    }
    KeyStore trust = ClusterKeys.load(keys.resolve(ClusterKeys.TRUST_STORE), password(keys));
    assertEquals(List.of(ClusterKeys.CA_ALIAS), Collections.list(trust.aliases()));
    X509Certificate ca = (X509Certificate) trust.getCertificate(ClusterKeys.CA_ALIAS);
    assertTrue(ca.getBasicConstraints() >= 0, "the CA may sign");

    X509Certificate[] rennes = chain(keys, "rennes");
    assertEquals(2, rennes.length);
    assertEquals(ca, rennes[1]);
    rennes[0].verify(ca.getPublicKey());
    assertEquals(-1, rennes[0].getBasicConstraints(), "a node may not sign");
    assertEquals(Set.of("rennes.grid5000.fr", "172.16.111.1"), ClusterKeys.subjectNames(rennes[0]));
    assertEquals(Set.of("nancy.grid5000.fr", "fd00::7"), ClusterKeys.subjectNames(chain(keys, "nancy")[0]));
    KeyStore nancyStore = ClusterKeys.load(keys.resolve("nancy.p12"), password(keys));
    assertTrue(nancyStore.isKeyEntry(ClusterKeys.NODE_ALIAS));
    assertEquals(ca, nancyStore.getCertificate(ClusterKeys.CA_ALIAS), "the CA's certificate as a trusted entry");
    assertTrue(nancyStore.isCertificateEntry(ClusterKeys.CA_ALIAS));
    assertTrue(Files.readString(keys.resolve(ClusterKeys.CA_CERTIFICATE)).startsWith("-----BEGIN CERTIFICATE-----"));

    // what the cluster's TLS does with them: PKIX from the CA, as a server and as a client
    X509TrustManager tm = trusting(keys);
    tm.checkServerTrusted(rennes, "ECDHE_ECDSA");
    tm.checkClientTrusted(rennes, "EC");
    Path other = dir.resolve("other");
    assertEquals(ExitCode.OK, Cli.run("keys", "--out", other, "--node", "rennes=rennes.grid5000.fr,172.16.111.1").exitCode());
    X509Certificate[] stranger = chain(other, "rennes");
    assertThrows(CertificateException.class, () -> tm.checkServerTrusted(stranger, "ECDHE_ECDSA"));
    assertThrows(CertificateException.class, () -> tm.checkClientTrusted(stranger, "EC"));
    assertThrows(CertificateException.class, () -> tm.checkClientTrusted(new X509Certificate[] {stranger[0]}, "EC"));
  }

  @Test
  void madeAgainItKeepsWhatIsThereSignsNewNodesWithTheSameCaAndReplacesOnlyWithForce() throws Exception {
    Path keys = dir.resolve("keys");
    assertEquals(ExitCode.OK, Cli.run("keys", "--out", keys, "--node", "a=127.0.0.1", "--key-type", "rsa").exitCode());
    byte[] ca = Files.readAllBytes(keys.resolve("ca.p12"));
    byte[] a = Files.readAllBytes(keys.resolve("a.p12"));
    assertEquals("RSA", chain(keys, "a")[0].getPublicKey().getAlgorithm());

    Cli.Run again = Cli.run("keys", "--out", keys, "--node", "a=127.0.0.1", "--node", "b=b.example.org");
    assertEquals(ExitCode.OK, again.exitCode(), again.err());
    assertTrue(again.out().contains("a.p12: kept"), again.out());
    assertArrayEquals(ca, Files.readAllBytes(keys.resolve("ca.p12")));
    assertArrayEquals(a, Files.readAllBytes(keys.resolve("a.p12")));
    chain(keys, "b")[0].verify(chain(keys, "a")[1].getPublicKey());
    trusting(keys).checkServerTrusted(chain(keys, "b"), "ECDHE_ECDSA");

    Cli.Run renamed = Cli.run("keys", "--out", keys, "--node", "a=10.0.0.1");
    assertEquals(ExitCode.INVALID_INPUT, renamed.exitCode(), renamed.out());
    assertTrue(renamed.err().contains(keys.resolve("a.p12").toString()) && renamed.err().contains("--force"), renamed.err());
    assertEquals(1, renamed.err().strip().lines().count(), renamed.err());
    assertArrayEquals(a, Files.readAllBytes(keys.resolve("a.p12")), "refused: left as it was");

    Cli.Run forced = Cli.run("keys", "--out", keys, "--node", "a=10.0.0.1", "--force");
    assertEquals(ExitCode.OK, forced.exitCode(), forced.err());
    assertEquals(Set.of("10.0.0.1"), ClusterKeys.subjectNames(chain(keys, "a")[0]));
    assertArrayEquals(ca, Files.readAllBytes(keys.resolve("ca.p12")), "the CA stays: the other nodes' keys hold");
  }

  @Test
  void badInputIsRefusedInOneLineNamingIt() throws Exception {
    Path keys = dir.resolve("keys");
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    for (List<String> bad : List.of(
        List.of("--node", "a/b=127.0.0.1"),
        List.of("--node", "a=300.1.1.1"),
        List.of("--node", "a="),
        List.of("--node", "a=x..y"),
        List.of("--node", "a=1.2.3.4", "--node", "a=1.2.3.5"),
        List.of("--node", "ca=1.2.3.4"),
        List.of("--node", "a=1.2.3.4", "--key-type", "dsa"),
        List.of("--node", "a=1.2.3.4", "--validity-days", "0"),
        List.of("--node", "a=1.2.3.4", "--out", file.resolve("sub").toString()),
        List.of("--out", keys.toString()))) {
      List<String> args = new java.util.ArrayList<>(List.of("keys"));
      if (!bad.contains("--out")) {
        args.addAll(List.of("--out", keys.toString()));
      }
      args.addAll(bad);
      Cli.Run r = Cli.run(args.toArray());
      assertEquals(ExitCode.INVALID_INPUT, r.exitCode(), bad + ": " + r.out() + r.err());
      assertTrue(r.err().startsWith("vmflock keys: ") || r.err().startsWith("keys: "), bad + ": " + r.err());
    }
    assertFalse(Files.exists(keys.resolve("a.p12")), "nothing made of a refused node");
  }

  @Test
  void aPasswordFileThatCannotBeReadIsRefusedNamingTheSetting() throws Exception {
    Path missing = dir.resolve("no-password");
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> NodeConfig.load(Optional.empty(), Map.of("vmflock.tls.password-file", missing.toString())));
    assertTrue(e.getMessage().startsWith("vmflock.tls.password-file") && e.getMessage().contains(missing.toString()), e.getMessage());
    Path keys = dir.resolve("keys");
    assertEquals(ExitCode.OK, Cli.run("keys", "--out", keys, "--node", "a=127.0.0.1").exitCode());
    var c = NodeConfig.load(Optional.empty(), Map.of("vmflock.tls.password-file", keys.resolve("password").toString()));
    String password = new String(password(keys));
    assertEquals(password, c.getString("pekko.remote.artery.ssl.config-ssl-engine.key-store-password"));
    assertEquals(password, c.getString("pekko.remote.artery.ssl.config-ssl-engine.trust-store-password"));
    assertEquals(password, c.getString("pekko.remote.artery.ssl.config-ssl-engine.key-password"));
  }
}
