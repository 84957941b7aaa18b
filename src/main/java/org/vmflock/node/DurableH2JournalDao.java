package org.vmflock.node;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.apache.pekko.persistence.jdbc.config.JournalConfig;
import org.apache.pekko.persistence.jdbc.journal.dao.DefaultJournalDao;
import org.apache.pekko.persistence.jdbc.journal.dao.JournalTables;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.stream.Materializer;
import scala.Tuple2;
import scala.collection.immutable.Seq;
import scala.collection.immutable.Set;
import scala.concurrent.ExecutionContext;
import scala.concurrent.Future;
import scala.runtime.BoxedUnit;
import slick.dbio.DBIOAction;
import slick.jdbc.JdbcBackend;
import slick.jdbc.JdbcProfile;
import slick.jdbc.SimpleJdbcAction;

/**
 * The journal plugin's DAO (its {@code jdbc-journal.dao} setting) for H2, with each write in the file
 * before the journal acknowledges it: once the rows are committed, a {@code CHECKPOINT} has H2
 * store what is committed at once, not within its write delay (writes of several actors at once
 * share one store); then the newest event stored is noted in the {@link AcknowledgedMark}. H2's own way, {@code WRITE_DELAY=0}, writes at every commit too, but stops the
 * background writer that compacts the file: a {@code run} journal then grew without bound (463 MB
 * in under 3 minutes, against 5 MB). The statement alone is not enough: H2 writes a store's buffer
 * to the file from a background executor, and when H2's own background writer had begun a store
 * that holds these rows, the statement finds nothing left to store and returns before that buffer
 * is in the file (a kill then lost acknowledged events: bench crash). So the journal also waits
 * for the writes H2 has pending ({@link H2PendingWrites}).
 */
public class DurableH2JournalDao extends DefaultJournalDao {

  private final SimpleJdbcAction<BoxedUnit> store;

  public DurableH2JournalDao(JdbcBackend.JdbcDatabaseDef db, JdbcProfile profile, JournalConfig journalConfig, Serialization serialization,
      ExecutionContext ec, Materializer mat) {
    this(db, profile, journalConfig, serialization, ec, mat, "CHECKPOINT");
  }

  DurableH2JournalDao(JdbcBackend.JdbcDatabaseDef db, JdbcProfile profile, JournalConfig journalConfig, Serialization serialization,
      ExecutionContext ec, Materializer mat, String statement) {
    super(db, profile, journalConfig, serialization, ec, mat);
    var table = journalConfig.eventJournalTableConfiguration();
    String newest = "SELECT MAX(\"" + table.columnNames().ordering() + "\") FROM "
        + (table.schemaName().isDefined() ? "\"" + table.schemaName().get() + "\"." : "") + "\"" + table.tableName() + "\"";
    this.store = SimpleJdbcAction.apply(context -> {
      try (Statement s = context.connection().createStatement()) {
        // what is committed now is stored by the statement after, so the mark never runs ahead of the file
        long acknowledged;
        try (ResultSet r = s.executeQuery(newest)) {
          acknowledged = r.next() ? r.getLong(1) : 0;
        }
        s.execute(statement);
        H2PendingWrites.await(context.connection());
        AcknowledgedMark.advance(AcknowledgedMark.of(h2File(context.connection().getMetaData().getURL())), acknowledged);
      } catch (SQLException e) {
        throw new IllegalStateException("the journal's " + statement + " failed: " + e.getMessage(), e);
      }
      return BoxedUnit.UNIT;
    });
  }

  /** The database file of an H2 URL ({@code jdbc:h2:file:BASE;...} is {@code BASE.mv.db}). */
  static Path h2File(String url) {
    if (!url.startsWith("jdbc:h2:file:")) {
      throw new IllegalStateException("not an H2 file URL: " + url);
    }
    String base = url.substring("jdbc:h2:file:".length());
    int options = base.indexOf(';');
    return Path.of((options < 0 ? base : base.substring(0, options)) + ".mv.db");
  }

  @Override
  public Future<BoxedUnit> writeJournalRows(Seq<Tuple2<JournalTables.JournalPekkoSerializationRow, Set<String>>> rows) {
    long started = System.nanoTime();
    return super.writeJournalRows(rows).flatMap(written -> run(store), ec()).map(done -> {
      org.vmflock.metrics.NodeMetrics.journalWrite(System.nanoTime() - started);
      return done;
    }, ec());
  }

  /** {@code run} wants an action of no effect, {@code Nothing}, which Java cannot name (Slick's effects are phantom types). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private Future<BoxedUnit> run(SimpleJdbcAction<BoxedUnit> action) {
    return db().run((DBIOAction) action);
  }

  /** Also forced to the disk (fsync) before acknowledged: survives a power cut, not only a crash of the node. */
  public static final class Synced extends DurableH2JournalDao {
    public Synced(JdbcBackend.JdbcDatabaseDef db, JdbcProfile profile, JournalConfig journalConfig, Serialization serialization,
        ExecutionContext ec, Materializer mat) {
      super(db, profile, journalConfig, serialization, ec, mat, "CHECKPOINT SYNC");
    }
  }
}
