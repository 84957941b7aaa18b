package org.vmflock.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmflock.testing.TestConfigs;

/**
 * The journal's schema comes from the DDL the journal plugin ships, run through plain JDBC (not the
 * plugin's testkit): every statement guarded so that a second start changes nothing, the plugin's
 * tables created on a new H2 journal, and no trace file left beside it.
 */
class JournalSchemaTest {

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgres"})
  void everyStatementOfThePluginsScriptIsIdempotent(String dialect) {
    List<String> statements = JournalCheck.schemaStatements(dialect);
    assertTrue(statements.size() >= 4, statements.toString());
    for (String s : statements) {
      assertTrue(s.matches("(?is)CREATE\\s+(TABLE|SEQUENCE|(UNIQUE\\s+)?INDEX)\\s+IF\\s+NOT\\s+EXISTS\\s.*"), s);
    }
  }

  @Test
  void aNewH2JournalGetsThePluginsTablesOnceAndSaysItIsNew(@TempDir Path dir) throws Exception {
    var config = TestConfigs.node(dir, Map.of());
    JournalCheck.Finding first = JournalCheck.prepare(config);
    JournalCheck.release(config);
    assertEquals(JournalCheck.State.NEW, first.state());
    assertEquals(Set.of("durable_state", "event_journal", "event_tag", "snapshot"), tables(dir));
    JournalCheck.Finding second = JournalCheck.prepare(config);
    JournalCheck.release(config);
    assertEquals(JournalCheck.State.EMPTY, second.state(), "the tables are there, with no event");
    assertEquals(Set.of("durable_state", "event_journal", "event_tag", "snapshot"), tables(dir));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of("vmflock.mv.db"), files.map(p -> p.getFileName().toString()).toList(), "no trace file");
    }
  }

  @Test
  void aNodeWritesItsEventsIntoThoseTables(@TempDir Path dir) throws Exception {
    try (VmflockNode node = VmflockNode.start("schema-test", TestConfigs.node(dir, Map.of()), org.vmflock.clock.Clock.system())) {
      assertEquals(JournalCheck.State.NEW, node.journal().state());
      assertEquals(List.of(), node.sitesInJournal(), "the read journal queries the new tables");
    }
    try (VmflockNode node = VmflockNode.start("schema-test", TestConfigs.node(dir, Map.of()), org.vmflock.clock.Clock.system())) {
      assertTrue(node.journal().state() != JournalCheck.State.NEW, "a second start finds the journal");
    }
  }

  private static Set<String> tables(Path dir) throws Exception {
    Set<String> names = new TreeSet<>();
    String url = "jdbc:h2:file:" + dir.toAbsolutePath().resolve("vmflock") + ";ACCESS_MODE_DATA=r;TRACE_LEVEL_FILE=0;IFEXISTS=TRUE";
    try (Connection c = DriverManager.getConnection(url, "", ""); ResultSet r = c.getMetaData().getTables(null, "PUBLIC", "%", null)) {
      while (r.next()) {
        names.add(r.getString("TABLE_NAME"));
      }
    }
    return names;
  }
}
