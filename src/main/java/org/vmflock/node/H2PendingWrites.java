package org.vmflock.node;

import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.locks.LockSupport;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.FileStore;
import org.h2.mvstore.db.Store;

/**
 * Waits until the writes an embedded H2 database has pending are in its file. H2 (2.x) serializes
 * a store's pages and writes the buffer from two executors of its file store; a commit that finds
 * its rows already taken by a store in progress returns at once. Nothing public waits for those
 * executors, so their fields are read once by reflection; a H2 without them fails the node's start
 * with a message, never silently.
 */
final class H2PendingWrites {

  private static final Duration LIMIT = Duration.ofSeconds(60);
  private static final List<Field> EXECUTORS = executors();

  private H2PendingWrites() {}

  private static List<Field> executors() {
    try {
      // serialization first: a serialized store hands its buffer to the other one
      Field serialization = FileStore.class.getDeclaredField("serializationExecutor");
      Field bufferSave = FileStore.class.getDeclaredField("bufferSaveExecutor");
      serialization.setAccessible(true);
      bufferSave.setAccessible(true);
      return List.of(serialization, bufferSave);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("durable journal writes need H2 2.x's file store executors, not found in this H2: " + e, e);
    }
  }

  /** Returns once every write H2 had pending when called is in the file (the OS's cache: it survives a kill of the JVM). */
  static void await(Connection connection) throws SQLException {
    if (!(connection.unwrap(JdbcConnection.class).getSession() instanceof SessionLocal local)) {
      return; // a server's database: its own process writes
    }
    Store store = local.getDatabase().getStore();
    FileStore<?> file = store == null ? null : store.getMvStore().getFileStore();
    if (file == null) {
      return; // in memory
    }
    long deadline = System.nanoTime() + LIMIT.toNanos();
    for (Field f : EXECUTORS) {
      ThreadPoolExecutor executor;
      try {
        executor = (ThreadPoolExecutor) f.get(file);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException("H2's " + f.getName() + " cannot be read: " + e.getMessage(), e);
      }
      if (executor == null) {
        continue; // not started: nothing was submitted
      }
      long submitted = executor.getTaskCount();
      while (executor.getCompletedTaskCount() < submitted && !executor.isTerminated()) {
        if (System.nanoTime() > deadline) {
          throw new SQLException("H2 did not write its pending stores within " + LIMIT.toSeconds() + " s");
        }
        LockSupport.parkNanos(20_000);
      }
    }
  }
}
