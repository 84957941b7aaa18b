package org.vmflock.node;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.vmflock.model.InvalidInputException;

/**
 * A journal on PostgreSQL ({@code vmflock.journal.kind = postgresql}): where its URL points, and,
 * when that is this machine and the server, its role or its database is missing, the launcher's
 * {@code bin/lib/postgresql.sh} run to install Debian's postgresql-15, start it and create them.
 */
public final class PostgresqlJournal {

  /** The launcher's script that sets a local PostgreSQL up, under the installation ({@code vmflock.home}). */
  public static final String SCRIPT = "bin/lib/postgresql.sh";

  private static final long SETUP_TIMEOUT_MINUTES = 10;
  private static final int MISSING_ON_MACHINE = 3;
  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "::1", "[::1]");

  /** A PostgreSQL JDBC URL's server and database. */
  public record Target(String host, int port, String database) {

    public static final int DEFAULT_PORT = 5432;

    /** {@code jdbc:postgresql://host[:port]/database[?options]}. */
    public static Target of(String url) {
      String prefix = "jdbc:postgresql://";
      if (!url.startsWith(prefix)) {
        throw new InvalidInputException("vmflock.journal.postgresql.url", "'" + url + "' is not a jdbc:postgresql://host:port/database URL");
      }
      URI u;
      try {
        u = URI.create(url.substring("jdbc:".length()));
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException("vmflock.journal.postgresql.url", "'" + url + "' is not a URL: " + e.getMessage());
      }
      String path = u.getPath() == null ? "" : u.getPath();
      if (u.getHost() == null || path.length() <= 1 || path.indexOf('/', 1) >= 0) {
        throw new InvalidInputException("vmflock.journal.postgresql.url", "'" + url + "' names no host or no database (jdbc:postgresql://host:port/database)");
      }
      return new Target(u.getHost(), u.getPort() < 0 ? DEFAULT_PORT : u.getPort(), path.substring(1));
    }

    /** Whether the server is on this machine, where the launcher may set it up. */
    public boolean local() {
      return LOOPBACK.contains(host);
    }
  }

  private PostgresqlJournal() {}

  /**
   * Connects to the journal's database; if that fails and the server is local and the
   * installation's script is there, runs it (install, start, role, database) and connects again.
   *
   * @throws JournalException the database stays unreachable, with the reason in one line
   */
  public static Connection connect(String url, String user, String password) {
    try {
      return DriverManager.getConnection(url, user, password);
    } catch (SQLException first) {
      Target target = Target.of(url);
      Optional<Path> script = installedScript();
      if (!target.local() || script.isEmpty()) {
        throw unreachable(url, first);
      }
      setUp(script.get(), target, user, password, false);
      try {
        return DriverManager.getConnection(url, user, password);
      } catch (SQLException again) {
        throw unreachable(url, again);
      }
    }
  }

  /** {@code $VMFLOCK_HOME/bin/lib/postgresql.sh}, when the launcher started this JVM. */
  static Optional<Path> installedScript() {
    String home = System.getProperty("vmflock.home");
    if (home == null) {
      return Optional.empty();
    }
    Path script = Path.of(home).resolve(SCRIPT);
    return Files.isExecutable(script) ? Optional.of(script) : Optional.empty();
  }

  /**
   * Runs the set-up script for {@code target}: postgresql-15 installed and started, {@code role}
   * with {@code password} (allowed to create databases if {@code createDb}), the database owned by it.
   *
   * @throws JournalException the script failed (its last line says why: not root, apt failed...)
   */
  public static void setUp(Path script, Target target, String role, String password, boolean createDb) {
    List<String> command = new ArrayList<>(List.of(script.toString(), String.valueOf(target.port()), role, password, target.database()));
    if (createDb) {
      command.add("--createdb");
    }
    Process p;
    try {
      p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new JournalException("cannot run " + script + ": " + e.getMessage(), false, e);
    }
    String err;
    try {
      err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(SETUP_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new JournalException(script + " did not finish within " + SETUP_TIMEOUT_MINUTES + " minutes", false, null);
      }
    } catch (IOException e) {
      throw new JournalException("cannot read what " + script + " said: " + e.getMessage(), false, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new JournalException("interrupted while " + script + " set PostgreSQL up", false, e);
    }
    if (!err.isEmpty()) {
      // what it installed, started or created: the operator sees what changed on the machine
      err.lines().filter(l -> !l.isBlank()).forEach(System.err::println);
    }
    if (p.exitValue() != 0) {
      String last = err.lines().reduce((a, b) -> b).orElse("exit " + p.exitValue());
      String why = "setting up PostgreSQL for the journal failed: " + last.replaceFirst("^vmflock: ", "");
      // the script's exit 3: what is missing needs root (or is not Debian)
      throw p.exitValue() == MISSING_ON_MACHINE ? JournalException.machine(why) : new JournalException(why, false, null);
    }
  }

  /** A connection to the journal database of a configuration whose kind is postgresql. */
  public static Connection connect(com.typesafe.config.Config config) {
    String db = "pekko-persistence-jdbc.shared-databases.slick.db.";
    return connect(config.getString(db + "url"), config.getString(db + "user"), config.getString(db + "password"));
  }

  private static JournalException unreachable(String url, SQLException e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return new JournalException("journal database " + url + " cannot be reached: " + (nl < 0 ? m : m.substring(0, nl)), false, e);
  }
}
