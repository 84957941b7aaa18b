package org.vmflock.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.vmflock.model.InvalidInputException;

/**
 * Where a PostgreSQL journal's URL points: the server, its port (5432 unless said) and the
 * database; whether the launcher may set it up (this machine only); a URL naming no server or no
 * database refused when the configuration loads, naming the setting.
 */
class PostgresqlJournalUrlTest {

  @Test
  void aUrlNamesTheServerThePortAndTheDatabase() {
    assertEquals(new PostgresqlJournal.Target("127.0.0.1", 5433, "vmflock"),
        PostgresqlJournal.Target.of("jdbc:postgresql://127.0.0.1:5433/vmflock?sslmode=disable"));
    assertEquals(new PostgresqlJournal.Target("db.lyon.grid5000.fr", 5432, "journal"),
        PostgresqlJournal.Target.of("jdbc:postgresql://db.lyon.grid5000.fr/journal"));
  }

  @Test
  void onlyAServerOnThisMachineIsSetUpByTheLauncher() {
    assertTrue(PostgresqlJournal.Target.of("jdbc:postgresql://localhost:5432/vmflock").local());
    assertTrue(PostgresqlJournal.Target.of("jdbc:postgresql://127.0.0.1/vmflock").local());
    assertFalse(PostgresqlJournal.Target.of("jdbc:postgresql://db.nancy.grid5000.fr:5432/vmflock").local());
  }

  @ParameterizedTest
  @ValueSource(strings = {"jdbc:h2:file:/tmp/x", "jdbc:postgresql://127.0.0.1:5432/", "jdbc:postgresql://127.0.0.1:5432", "jdbc:postgresql:///vmflock",
      "jdbc:postgresql://127.0.0.1:5432/a/b", "jdbc:postgresql://127.0.0.1:5432/vm flock"})
  void aUrlWithoutServerOrDatabaseIsRefusedWhenTheConfigurationLoads(String url) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> NodeConfig.load(Optional.empty(),
        Map.of("vmflock.journal.kind", "postgresql", "vmflock.journal.postgresql.url", url)));
    assertTrue(e.getMessage().startsWith("vmflock.journal.postgresql.url: "), e.getMessage());
  }
}
