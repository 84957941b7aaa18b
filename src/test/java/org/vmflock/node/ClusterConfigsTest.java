package org.vmflock.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.cli.ExitCode;
import org.vmflock.http.ApiTls;
import org.vmflock.model.InvalidInputException;
import org.vmflock.testing.Cli;
import org.vmflock.tls.ClusterKeys;

/**
 * Every file of cluster-configs/ loads as a node's configuration; those of several nodes, with the
 * keys {@code vmflock keys} made for their sites, run the cluster over TLS trusting the CA (with
 * hostname verification), their HTTPS from the same keystore, the split-brain resolver with WAN
 * timings, one PostgreSQL journal, and the roles of the site they serve.
 */
class ClusterConfigsTest {

  private static final Path DIR = Path.of("cluster-configs");
  /** Per file of several nodes: the sites its nodes serve (as its start comment says). */
  private static final Map<String, List<String>> SITES = Map.of(
      "local-3site.conf", List.of("rennes", "lyon", "cloud"),
      "grid5000.conf", List.of("rennes", "nancy", "lyon"));

  @TempDir Path dir;

  @Test
  void everyFileLoadsAndEveryClusterOfSeveralNodesHasTlsAndTheSplitBrainResolver() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.list(DIR)) {
      files = s.filter(f -> f.toString().endsWith(".conf")).sorted().toList();
    }
    Set<String> names = files.stream().map(f -> f.getFileName().toString()).collect(Collectors.toSet());
    assertTrue(names.containsAll(SITES.keySet()), names.toString());
    for (Path f : files) {
      List<String> sites = SITES.get(f.getFileName().toString());
      if (sites == null) {
        Config single = NodeConfig.load(Optional.of(f), Map.of());
        assertEquals(1, single.getStringList("pekko.cluster.seed-nodes").size(), f + ": a cluster of several nodes not checked here");
        continue;
      }
      Path keys = dir.resolve(f.getFileName().toString());
      List<Object> args = new java.util.ArrayList<>(List.of("keys", "--out", keys));
      sites.forEach(site -> args.addAll(List.of("--node", site + "=" + site + ".example.org,127.0.0.1")));
      Cli.Run made = Cli.run(args.toArray());
      assertEquals(ExitCode.OK, made.exitCode(), made.err());
      for (String site : sites) {
        clusterNode(f, site, keys);
      }
    }
  }

  private static void clusterNode(Path file, String site, Path keys) throws Exception {
    String where = file + " (" + site + ")";
    Config c = NodeConfig.load(Optional.of(file), Map.of("this-node.site", site, "this-node.host", site + ".example.org",
        "this-node.keys", keys.toString()));

    // keys that cannot be opened stop the node before it starts, naming the setting
    InvalidInputException noTrust = assertThrows(InvalidInputException.class, () -> NodeConfig.load(Optional.of(file),
        Map.of("this-node.site", site, "this-node.host", "h", "this-node.keys", keys.toString(), "vmflock.tls.trust-store", keys.resolve("none.p12").toString())));
    assertTrue(noTrust.getMessage().startsWith("vmflock.tls.trust-store: ") && noTrust.getMessage().contains("none.p12"), noTrust.getMessage());
    InvalidInputException onlyCa = assertThrows(InvalidInputException.class, () -> NodeConfig.load(Optional.of(file),
        Map.of("this-node.site", site, "this-node.host", "h", "this-node.keys", keys.toString(), "vmflock.tls.key-store",
            keys.resolve(ClusterKeys.TRUST_STORE).toString())));
    assertTrue(onlyCa.getMessage().startsWith("vmflock.tls.key-store: ") && onlyCa.getMessage().contains("no private key"), onlyCa.getMessage());

    String ssl = "pekko.remote.artery.ssl.config-ssl-engine.";
    assertEquals("tls-tcp", c.getString("pekko.remote.artery.transport"), where);
    assertTrue(c.getBoolean(ssl + "require-mutual-authentication"), where);
    assertTrue(c.getBoolean(ssl + "hostname-verification"), where);
    assertEquals(keys.resolve(site + ".p12").toString(), c.getString(ssl + "key-store"), where);
    assertEquals(keys.resolve(ClusterKeys.TRUST_STORE).toString(), c.getString(ssl + "trust-store"), where);
    // what artery opens: the node's key with its password, and a trust store holding the CA alone
    KeyStore own = ClusterKeys.load(Path.of(c.getString(ssl + "key-store")), c.getString(ssl + "key-store-password").toCharArray());
    assertTrue(own.getKey(ClusterKeys.NODE_ALIAS, c.getString(ssl + "key-password").toCharArray()) != null, where);
    KeyStore trust = ClusterKeys.load(Path.of(c.getString(ssl + "trust-store")), c.getString(ssl + "trust-store-password").toCharArray());
    assertEquals(List.of(ClusterKeys.CA_ALIAS), java.util.Collections.list(trust.aliases()), where);
    assertTrue(ApiTls.server(c).isPresent(), where + ": HTTPS from the same keystore");

    assertEquals("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider", c.getString("pekko.cluster.downing-provider-class"), where);
    assertEquals("keep-majority", c.getString("pekko.cluster.split-brain-resolver.active-strategy"), where);
    Duration pause = c.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause");
    Duration stable = c.getDuration("pekko.cluster.split-brain-resolver.stable-after");
    assertTrue(pause.compareTo(Duration.ofSeconds(5)) >= 0, where + ": a WAN's pause, not one data centre's: " + pause);
    assertTrue(stable.compareTo(pause.multipliedBy(2)) >= 0, where + ": stable-after " + stable + " against a pause of " + pause);
    assertTrue(c.getDuration("pekko.cluster.down-removal-margin").compareTo(stable) >= 0, where);

    List<String> seeds = c.getStringList("pekko.cluster.seed-nodes");
    assertEquals(2, seeds.stream().distinct().count(), where + ": " + seeds);
    seeds.forEach(s -> assertTrue(s.startsWith("pekko://vmflock@"), where + ": one system name: " + s));
    assertTrue(c.getStringList("pekko.cluster.roles").containsAll(List.of("site", "site-" + site, "manager")), where);
    assertEquals(List.of(site), c.getStringList("vmflock.node.sites"), where);
    assertEquals("postgresql", c.getString("vmflock.journal.kind"), where);
    assertTrue(c.getString("pekko-persistence-jdbc.shared-databases.slick.db.url").startsWith("jdbc:postgresql://"), where);
    if (file.getFileName().toString().equals("grid5000.conf")) {
      // the template's seeds: Grid'5000 host names on two different sites, on the port every node listens on
      List<String> seedSites = seeds.stream().map(s -> s.replaceFirst("^pekko://vmflock@[a-z0-9-]+\\.([a-z]+)\\.grid5000\\.fr:25520$", "$1"))
          .distinct().toList();
      assertEquals(2, seedSites.size(), seeds.toString());
      seedSites.forEach(s -> assertTrue(s.matches("[a-z]+"), "a Grid'5000 site: " + s));
      assertEquals(25520, c.getInt("pekko.remote.artery.canonical.port"));
    }
  }
}
