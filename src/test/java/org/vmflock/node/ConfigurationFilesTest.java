package org.vmflock.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.model.InvalidInputException;
import org.vmflock.monitor.MonitorSettings;

/** The configuration files shipped with vmflock stay true to the settings the code reads. */
class ConfigurationFilesTest {

  /** conf/application.conf lists every vmflock setting, commented out, with the jar's default. */
  @Test
  void theApplicationFileDocumentsEverySettingWithItsDefault() throws Exception {
    String uncommented = Files.readAllLines(Path.of("conf", "application.conf")).stream()
        .map(l -> l.replaceFirst("^(\\s*)# ([a-z][a-z-]* = .*)$", "$1$2"))
        .collect(Collectors.joining("\n"));
    Config documented = ConfigFactory.parseString(uncommented).resolveWith(ConfigFactory.parseResources("reference.conf")).getConfig("vmflock");
    Config reference = ConfigFactory.parseResources("reference.conf").resolve().getConfig("vmflock");
    assertEquals(keys(reference), keys(documented));
    for (String key : keys(reference)) {
      assertEquals(reference.getValue(key).unwrapped(), documented.getValue(key).unwrapped(), key);
    }
  }

  private static Set<String> keys(Config c) {
    return c.entrySet().stream().map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void theShippedFilesLoadAsNodeConfigurations() {
    Config app = NodeConfig.load(Optional.of(Path.of("conf", "application.conf")), Map.of());
    assertEquals("h2", app.getString("vmflock.journal.kind"));
    assertTrue(app.getString("pekko-persistence-jdbc.shared-databases.slick.db.url").startsWith("jdbc:h2:file:/"));
    Config single = NodeConfig.load(Optional.of(Path.of("cluster-configs", "local-single.conf")), Map.of());
    assertEquals(java.util.List.of("pekko://vmflock@127.0.0.1:25520"), single.getStringList("pekko.cluster.seed-nodes"));
    assertEquals("cluster", single.getString("pekko.actor.provider"));
    MonitorSettings.from(single);
  }

  @Test
  void aBrokenConfigurationIsRefusedWithWhereItIsBroken(@TempDir Path dir) throws Exception {
    Path broken = dir.resolve("broken.conf");
    Files.writeString(broken, "vmflock {\n  monitor {\n    period = 30s\n  \n");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> NodeConfig.load(Optional.of(broken), Map.of()));
    assertTrue(e.getMessage().contains("broken.conf"), e.getMessage());
    Path wrongType = dir.resolve("wrong.conf");
    Files.writeString(wrongType, "vmflock.monitor.period = often\n");
    InvalidInputException w = assertThrows(InvalidInputException.class,
        () -> MonitorSettings.from(NodeConfig.load(Optional.of(wrongType), Map.of())));
    assertTrue(w.getMessage().contains("wrong.conf: 1"), w.getMessage());
    assertTrue(w.getMessage().contains("period"), w.getMessage());
    assertThrows(InvalidInputException.class, () -> NodeConfig.load(Optional.of(dir.resolve("absent.conf")), Map.of()));
    assertThrows(InvalidInputException.class, () -> NodeConfig.load(Optional.empty(), Map.of("vmflock.journal.kind", "oracle")));
  }

  /** Settings derived from another (the journal's directory from the data directory) follow an override of it. */
  @Test
  void aDataDirectoryGivenOnTheCommandLineMovesTheJournal(@TempDir Path dir) {
    Config c = NodeConfig.load(Optional.empty(), Map.of("vmflock.data-dir", dir.toString()));
    assertEquals(dir.resolve("journal").toString(), c.getString("vmflock.journal.dir"));
    assertTrue(c.getString("pekko-persistence-jdbc.shared-databases.slick.db.url").contains(dir.resolve("journal").toString()),
        c.getString("pekko-persistence-jdbc.shared-databases.slick.db.url"));
  }
}
