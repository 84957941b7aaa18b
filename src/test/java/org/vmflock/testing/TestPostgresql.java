package org.vmflock.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.vmflock.node.PostgresqlJournal;

/**
 * A database of its own on the machine's PostgreSQL for one test class: the server set up by the
 * launcher's script if missing (as root; {@code bin/test} does it first), a database with a unique
 * name created for the run and dropped by {@link #close()}. Tests are skipped, with the reason, only
 * when there is no server and no root to set one up.
 */
public final class TestPostgresql implements AutoCloseable {

  public static final String ROLE = "vmflock_test";
  private static final String PASSWORD = "vmflock_test";
  private static final PostgresqlJournal.Target SERVER = new PostgresqlJournal.Target("127.0.0.1", 5432, "postgres");
  private static final String CLUSTER_VERSION = "15";
  private static final String CLUSTER = "main";

  private final String database;

  private TestPostgresql(String database) {
    this.database = database;
  }

  /** A new database, or the test is skipped when no server can be had. */
  public static TestPostgresql create(String what) {
    Optional<String> first = reachable();
    if (first.isPresent() && root()) {
      PostgresqlJournal.setUp(Path.of(PostgresqlJournal.SCRIPT).toAbsolutePath(), SERVER, ROLE, PASSWORD, true);
    }
    Optional<String> missing = first.isPresent() && root() ? reachable() : first;
    Assumptions.assumeTrue(missing.isEmpty(), () -> "no PostgreSQL: " + missing.get()
        + (root() ? "" : " (not root, so not set up here: run bin/test as root, or " + PostgresqlJournal.SCRIPT + " 5432 " + ROLE + " "
        + PASSWORD + " postgres --createdb)"));
    String name = "vmflock_" + what + "_" + ProcessHandle.current().pid() + "_" + Long.toString(System.nanoTime(), 36);
    sql("CREATE DATABASE " + name);
    return new TestPostgresql(name);
  }

  /** Whether this process may restart the server ({@link #restartServer()}). */
  public static boolean root() {
    return "root".equals(System.getProperty("user.name"));
  }

  public String database() {
    return database;
  }

  public String url() {
    return "jdbc:postgresql://" + SERVER.host() + ":" + SERVER.port() + "/" + database;
  }

  /** The settings of a node journaling in this database. */
  public Map<String, Object> journal() {
    return Map.of("vmflock.journal.kind", "postgresql", "vmflock.journal.postgresql.url", url(),
        "vmflock.journal.postgresql.user", ROLE, "vmflock.journal.postgresql.password", PASSWORD);
  }

  /** A connection to this database. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url(), ROLE, PASSWORD);
  }

  /** Restarts the server (fast shutdown: every connection cut), as root. */
  public void restartServer() {
    cluster("restart", "-m", "fast");
  }

  /** Stops the server (fast shutdown: every connection cut), as root; {@link #startServer()} brings it back. */
  public void stopServer() {
    cluster("stop", "-m", "fast");
  }

  public void startServer() {
    cluster("start");
  }

  private static void cluster(String... action) {
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("pg_ctlcluster", CLUSTER_VERSION, CLUSTER));
    command.addAll(java.util.List.of(action));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
      }
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Drops the database; a server a test left stopped is started first. */
  @Override
  public void close() {
    if (reachable().isPresent() && root()) {
      startServer();
    }
    sql("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
  }

  private static Optional<String> reachable() {
    try (Connection c = server()) {
      return Optional.empty();
    } catch (SQLException e) {
      return Optional.of(String.valueOf(e.getMessage()).lines().findFirst().orElse("") + " (" + SERVER.host() + ":" + SERVER.port() + ", role " + ROLE + ")");
    }
  }

  private static Connection server() throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://" + SERVER.host() + ":" + SERVER.port() + "/" + SERVER.database(), ROLE, PASSWORD);
  }

  private static void sql(String statement) {
    try (Connection c = server(); Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException(statement + ": " + e.getMessage(), e);
    }
  }
}
