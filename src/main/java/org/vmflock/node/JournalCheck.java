package org.vmflock.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.h2.mvstore.MVStoreException;
import org.vmflock.model.InvalidInputException;

/**
 * What a node finds in its journal before it starts, before any connection pool opens it: a new
 * or empty journal is said, a damaged one refused with one line naming the file (never a silent
 * partial state), and the journal plugin's schema created if missing, with the DDL the plugin ships
 * ({@code schema/<dialect>/<dialect>-create-schema.sql}) made idempotent, through plain JDBC.
 */
public final class JournalCheck {

  /** What the journal holds. */
  public enum State { NEW, EMPTY, HOLDS_EVENTS }

  /**
   * The journal's state, where it is (a file or a database URL), its rows (events, snapshots, tags),
   * whether a journal that held events was there before (deleted or emptied since), and the write
   * that a crash left unfinished, dropped (H2 opens the version before it; nothing acknowledged lost).
   */
  public record Finding(State state, String where, long rows, boolean replacedOne, Optional<Unfinished> unfinished) {

    public Finding(State state, String where, long rows, boolean replacedOne) {
      this(state, where, rows, replacedOne, Optional.empty());
    }

    /** A line for the operator when the node starts with no history, or without a write a crash cut short. */
    public Optional<String> notice() {
      String before = replacedOne ? " (the journal here held events: it was deleted or emptied)" : "";
      return switch (state) {
        case NEW -> Optional.of("journal " + where + " is new: the node starts with no history" + before);
        case EMPTY -> Optional.of("journal " + where + " is empty: the node starts with no history" + before);
        case HOLDS_EVENTS -> unfinished.map(u -> "journal " + where + ": " + u.describe()
            + ", unfinished when the node stopped, dropped; every event it acknowledged is there (version " + u.opened() + ")");
      };
    }
  }

  /** Writes that a crash cut short: up to version {@code dropped}, unreadable; H2 opens {@code opened}. */
  public record Unfinished(long dropped, long opened) {
    String describe() {
      return dropped == opened + 1 ? "its last write (version " + dropped + ")"
          : "its last " + (dropped - opened) + " writes (versions " + (opened + 1) + " to " + dropped + ")";
    }
  }

  // H2 journals opened by nodes of this JVM (several nodes of a test share one): checked once, when first opened
  private static final Map<Path, Opened> OPEN_HERE = new ConcurrentHashMap<>();

  private record Opened(Finding finding, int nodes) {}

  private static final int LONGEST_DETAIL = 160;

  // the advisory lock nodes take to create the schema of a PostgreSQL journal ("vmflock" in ASCII)
  private static final long SCHEMA_LOCK = 0x766d666c6f636bL;

  // an index created CONCURRENTLY waits for every open transaction, among them those of nodes waiting
  // for the schema's lock, which wait for it: a deadlock. The tables are new and empty; a plain index is as quick.
  private static final Pattern INDEX_WITHOUT_GUARD =
      Pattern.compile("^(CREATE\\s+(?:UNIQUE\\s+)?INDEX\\s+)(?:CONCURRENTLY\\s+)?(?!IF\\s+NOT\\s+EXISTS)", Pattern.CASE_INSENSITIVE);

  private JournalCheck() {}

  /**
   * Checks the journal of a configuration and creates its schema if missing (unless read-only).
   * Call {@link #release(Config)} when the node that uses it has stopped.
   *
   * @throws JournalException the journal is damaged, in use by another process, or unreachable
   * @throws InvalidInputException a read-only journal that is missing or holds nothing
   */
  public static Finding prepare(Config config) {
    String kind = config.getString("vmflock.journal.kind").toLowerCase(Locale.ROOT);
    if (!kind.equals("h2")) {
      return prepareServer(config);
    }
    Path file = NodeConfig.h2File(config);
    Opened opened = OPEN_HERE.compute(file, (f, o) -> o == null ? null : new Opened(o.finding(), o.nodes() + 1));
    if (opened != null) {
      return opened.finding();
    }
    Finding finding = prepareH2(config, file);
    OPEN_HERE.merge(file, new Opened(finding, 1), (a, b) -> new Opened(a.finding(), a.nodes() + 1));
    return finding;
  }

  /** A node on this configuration's journal has stopped. */
  public static void release(Config config) {
    if (config.getString("vmflock.journal.kind").equalsIgnoreCase("h2")) {
      OPEN_HERE.computeIfPresent(NodeConfig.h2File(config), (f, o) -> o.nodes() <= 1 ? null : new Opened(o.finding(), o.nodes() - 1));
    }
  }

  private static Finding prepareH2(Config config, Path file) {
    boolean readOnly = NodeConfig.readOnly(config);
    String where = file.toString();
    Path mark = AcknowledgedMark.of(file);
    long size = sizeOf(file);
    if (size <= 0) {
      if (readOnly) {
        throw new InvalidInputException(where, size < 0 ? "no journal here" : "the journal is empty (0 bytes)");
      }
      boolean heldEvents = AcknowledgedMark.read(mark).isPresent();
      AcknowledgedMark.clear(mark);
      createSchema(NodeConfig.h2Url(config), "", "", "h2", where);
      return new Finding(size < 0 ? State.NEW : State.EMPTY, where, 0, heldEvents);
    }
    Optional<Unfinished> unfinished = verifyVersions(file, AcknowledgedMark.read(mark).isPresent());
    H2JournalFile.Content content;
    String readOnlyUrl = NodeConfig.h2Url(config.withValue("vmflock.journal.read-only", ConfigValueFactory.fromAnyRef(true)));
    try {
      content = H2JournalFile.readAll(readOnlyUrl, config.getString("jdbc-journal.tables.event_journal.tableName"),
          config.getString("jdbc-journal.tables.event_journal.columnNames.ordering"));
    } catch (SQLException e) {
      throw failure(file, e, "a row cannot be read back (" + firstLine(e) + ")");
    }
    OptionalLong acknowledged = AcknowledgedMark.read(mark);
    if (acknowledged.isPresent() && acknowledged.getAsLong() > content.newestEvent()) {
      throw damaged(file, "it lacks events it acknowledged (the newest it holds is " + content.newestEvent() + ", " + mark.getFileName()
          + " says " + acknowledged.getAsLong() + "): the file was truncated or overwritten, or replaced by an older copy (if that copy is"
          + " meant, delete " + mark + ")", null);
    }
    if (readOnly) {
      if (content.rows() == 0) {
        throw new InvalidInputException(where, "the journal holds no event");
      }
    } else {
      createSchema(NodeConfig.h2Url(config), "", "", "h2", where);
    }
    return new Finding(content.rows() == 0 ? State.EMPTY : State.HOLDS_EVENTS, where, content.rows(), false, unfinished);
  }

  /**
   * The newest write in the file must be the version H2 opens: otherwise H2 would silently fall back
   * to an older one. One exception: a kill during H2's writes leaves the writes in flight
   * unfinished (a header written, not the rest; H2 writes chunks in the background, so there may be
   * two), and H2 opens the version before them. Those writes were never acknowledged (a durable
   * write is acknowledged once its store is complete), so when the journal notes what it
   * acknowledged ({@code acknowledgedKnown}: the caller then checks that every acknowledged event is
   * there, and reads every row), the fall-back is returned rather than refused; without the note it
   * is damage.
   */
  private static Optional<Unfinished> verifyVersions(Path file, boolean acknowledgedKnown) {
    long written;
    try {
      written = H2JournalFile.newestVersionWritten(file);
    } catch (IOException e) {
      throw new JournalException("journal " + file + " cannot be read: " + e.getMessage(), false, e);
    }
    long opens;
    try {
      opens = H2JournalFile.versionH2Opens(file);
    } catch (MVStoreException e) {
      throw failure(file, e, "H2 cannot open it (" + firstLine(e) + ")");
    }
    if (written <= opens) {
      return Optional.empty();
    }
    Unfinished u = new Unfinished(written, opens);
    if (acknowledgedKnown) {
      return Optional.of(u);
    }
    throw unreadable(file, u);
  }

  private static JournalException unreadable(Path file, Unfinished u) {
    return damaged(file, "its newest write (version " + u.dropped() + ") cannot be read back, the file was truncated or overwritten;"
        + " H2 would silently start from version " + u.opened(), null);
  }

  /**
   * PostgreSQL: the server keeps its files (a local one is set up first if missing, see
   * {@link PostgresqlJournal}); the schema is created if missing and the events counted. New when the
   * database had no journal table before.
   */
  private static Finding prepareServer(Config config) {
    String db = "pekko-persistence-jdbc.shared-databases.slick.db.";
    String url = config.getString(db + "url");
    String user = config.getString(db + "user");
    String password = config.getString(db + "password");
    boolean isNew;
    try (Connection c = connect(url, user, password); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT to_regclass('public.event_journal') IS NULL")) {
      r.next();
      isNew = r.getBoolean(1);
    } catch (SQLException e) {
      throw new JournalException("journal database " + url + " cannot be read: " + firstLine(e), false, e);
    }
    if (isNew && NodeConfig.readOnly(config)) {
      throw new InvalidInputException(url, "no journal here (the database has no event_journal table)");
    }
    if (!NodeConfig.readOnly(config)) {
      createSchema(url, user, password, "postgres", url);
    }
    long rows = 0;
    try (Connection c = connect(url, user, password); Statement s = c.createStatement()) {
      for (String table : List.of("event_journal", "snapshot")) {
        try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
          r.next();
          rows += r.getLong(1);
        }
      }
    } catch (SQLException e) {
      throw new JournalException("journal database " + url + " cannot be read: " + firstLine(e), false, e);
    }
    return new Finding(isNew ? State.NEW : rows == 0 ? State.EMPTY : State.HOLDS_EVENTS, url, rows, false);
  }

  /**
   * Runs the plugin's DDL for {@code dialect}, each index guarded with IF NOT EXISTS as its tables
   * are. On PostgreSQL, under an advisory lock: nodes starting together on one database would
   * otherwise race on IF NOT EXISTS (both see no table, the second fails on the catalog's unique key).
   */
  static void createSchema(String url, String user, String password, String dialect, String where) {
    boolean server = dialect.equals("postgres");
    try (Connection c = connect(url, user, password); Statement s = c.createStatement()) {
      if (server) {
        s.execute("SELECT pg_advisory_lock(" + SCHEMA_LOCK + ")");
      }
      try {
        for (String statement : schemaStatements(dialect)) {
          s.execute(statement);
        }
      } finally {
        if (server) {
          s.execute("SELECT pg_advisory_unlock(" + SCHEMA_LOCK + ")");
        }
      }
    } catch (SQLException e) {
      if (H2JournalFile.locked(e)) {
        throw inUse(where, e);
      }
      throw new JournalException("creating the journal's schema in " + where + " failed: " + firstLine(e), false, e);
    }
  }

  /** The statements of the plugin's {@code <dialect>-create-schema.sql}, made idempotent, indexes created at once (not CONCURRENTLY). */
  static List<String> schemaStatements(String dialect) {
    String resource = "schema/" + dialect + "/" + dialect + "-create-schema.sql";
    String script;
    try (InputStream in = JournalCheck.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the journal plugin's " + resource + " is not on the class path");
      }
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the journal plugin's " + resource, e);
    }
    List<String> statements = new ArrayList<>();
    for (String part : script.split(";")) {
      String statement = part.strip();
      if (!statement.isEmpty()) {
        statements.add(INDEX_WITHOUT_GUARD.matcher(statement).replaceFirst("$1IF NOT EXISTS "));
      }
    }
    return statements;
  }

  private static Connection connect(String url, String user, String password) throws SQLException {
    if (url.startsWith("jdbc:h2:")) {
      java.util.Properties p = new java.util.Properties();
      return new org.h2.Driver().connect(url, p);
    }
    return PostgresqlJournal.connect(url, user, password);
  }

  private static long sizeOf(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : -1;
    } catch (IOException e) {
      throw new JournalException("journal " + file + " cannot be read: " + e.getMessage(), false, e);
    }
  }

  private static JournalException failure(Path file, Exception e, String detail) {
    return H2JournalFile.locked(e) ? inUse(file.toString(), e) : damaged(file, detail, e);
  }

  private static JournalException damaged(Path file, String detail, Exception cause) {
    return new JournalException("journal " + file + " is damaged: " + detail
        + "; restore it from a backup, or move it away to start with an empty journal", true, cause);
  }

  private static JournalException inUse(String where, Exception cause) {
    return new JournalException("journal " + where + " is in use by another process (a node running on it?)", false, cause);
  }

  /** H2's messages run over lines and repeat their causes: the first line, bounded. */
  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    String line = nl < 0 ? m : m.substring(0, nl);
    return line.length() > LONGEST_DETAIL ? line.substring(0, LONGEST_DETAIL) + "..." : line;
  }
}
