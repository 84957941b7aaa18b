package org.vmflock.node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;

/**
 * An H2 journal file read before any node opens it, to tell a damaged file from a sound one.
 *
 * <p>H2 (MVStore) appends each commit as a chunk whose header names its version. When the newest
 * chunks are cut off (a truncated file) or unreadable, H2 opens the newest version it can read and
 * says nothing: the node would start on an older journal. So the versions the file's chunk headers
 * (and, after a clean close, its file headers) name are compared with the version H2 opens; then
 * every row of every table is read, which checks every page's checksum on the way.
 */
final class H2JournalFile {

  /** What a read of the whole file found: its rows, its tables, and the newest event's ordering (-1 if none). */
  record Content(long rows, List<String> tables, long newestEvent) {}

  /** H2's store header and chunk headers are text lines at the start of a block, at most this long. */
  private static final int HEADER_MAX = 1024;
  private static final int DEFAULT_BLOCK = 4096;
  private static final int READ_AHEAD_BLOCKS = 256;

  private H2JournalFile() {}

  /**
   * The newest version any chunk header or (valid) store header in the file names, -1 if none. A
   * chunk cut in the middle still has its header; a store header closed cleanly names the last one.
   */
  static long newestVersionWritten(Path file) throws IOException {
    long newest = -1;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      int block = DEFAULT_BLOCK;
      ByteBuffer buf = ByteBuffer.allocate(block * READ_AHEAD_BLOCKS);
      byte[] line = new byte[HEADER_MAX];
      for (long pos = 0; pos < size; pos += buf.capacity()) {
        buf.clear();
        while (buf.hasRemaining() && ch.read(buf, pos + buf.position()) > 0) {
          // read the whole window (or up to the end of the file)
        }
        int filled = buf.position();
        for (int at = 0; at < filled; at += block) {
          int len = Math.min(HEADER_MAX, filled - at);
          buf.get(at, line, 0, len);
          Map<String, String> fields = headerLine(line, len);
          if (fields.containsKey("H") && validStoreHeader(line, len)) {
            newest = Math.max(newest, hex(fields.get("version"), -1));
          } else if (fields.containsKey("chunk") && fields.containsKey("len")) {
            newest = Math.max(newest, hex(fields.get("version"), -1));
          }
        }
      }
    }
    return newest;
  }

  /** The version H2 opens the file at (the newest it can read), read-only. */
  static long versionH2Opens(Path file) {
    try (MVStore store = new MVStore.Builder().fileName(file.toString()).readOnly().open()) {
      return store.getCurrentVersion();
    }
  }

  /** Whether an H2 failure says the file is locked by another process (as opposed to unreadable). */
  static boolean locked(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof MVStoreException m && m.getErrorCode() == DataUtils.ERROR_FILE_LOCKED) {
        return true;
      }
      if (t instanceof SQLException s && s.getErrorCode() == org.h2.api.ErrorCode.DATABASE_ALREADY_OPEN_1) {
        return true;
      }
    }
    return false;
  }

  /**
   * Reads every column of every row of every table through {@code url} (read-only); a damaged page
   * throws. The newest event is the highest {@code orderingColumn} of {@code eventTable}.
   */
  static Content readAll(String url, String eventTable, String orderingColumn) throws SQLException {
    long rows = 0;
    long newestEvent = -1;
    List<String> tables = new ArrayList<>();
    try (Connection c = new org.h2.Driver().connect(url, new Properties())) {
      DatabaseMetaData meta = c.getMetaData();
      try (ResultSet t = meta.getTables(null, "PUBLIC", "%", new String[] {"BASE TABLE", "TABLE"})) {
        while (t.next()) {
          tables.add(t.getString("TABLE_NAME"));
        }
      }
      for (String table : tables) {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT * FROM PUBLIC.\"" + table.replace("\"", "\"\"") + "\"")) {
          int columns = r.getMetaData().getColumnCount();
          int[] types = new int[columns + 1];
          int ordering = -1;
          for (int i = 1; i <= columns; i++) {
            types[i] = r.getMetaData().getColumnType(i);
            if (table.equals(eventTable) && r.getMetaData().getColumnName(i).equals(orderingColumn)) {
              ordering = i;
            }
          }
          while (r.next()) {
            rows++;
            if (ordering > 0) {
              newestEvent = Math.max(newestEvent, r.getLong(ordering));
            }
            for (int i = 1; i <= columns; i++) {
              if (types[i] == Types.BLOB || types[i] == Types.VARBINARY || types[i] == Types.BINARY) {
                r.getBytes(i);
              } else {
                r.getObject(i);
              }
            }
          }
        } catch (SQLException e) {
          throw new SQLException("table " + table + ": " + e.getMessage(), e.getSQLState(), e.getErrorCode(), e);
        }
      }
    }
    return new Content(rows, List.copyOf(tables), newestEvent);
  }

  /** The fields of a header line ({@code key:value,...} up to a newline), empty if the block holds none. */
  private static Map<String, String> headerLine(byte[] bytes, int len) {
    Map<String, String> fields = new HashMap<>();
    if (len < 2 || !((bytes[0] == 'H' && bytes[1] == ':') || (bytes[0] == 'c' && bytes[1] == 'h'))) {
      return fields;
    }
    int end = 0;
    while (end < len && bytes[end] != '\n') {
      end++;
    }
    if (end == len) {
      return fields;
    }
    for (String kv : new String(bytes, 0, end, StandardCharsets.ISO_8859_1).split(",")) {
      int colon = kv.indexOf(':');
      if (colon > 0) {
        fields.put(kv.substring(0, colon), kv.substring(colon + 1).trim());
      }
    }
    return fields;
  }

  /** A store header is trusted only with its checksum right (H2 itself ignores a copy that is not). */
  private static boolean validStoreHeader(byte[] bytes, int len) {
    int end = 0;
    while (end < len && bytes[end] != '\n') {
      end++;
    }
    String line = new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
    int at = line.lastIndexOf(",fletcher:");
    if (at < 0) {
      return false;
    }
    byte[] covered = line.substring(0, at).getBytes(StandardCharsets.ISO_8859_1);
    long expected = hex(line.substring(at + ",fletcher:".length()).trim(), -2);
    return (DataUtils.getFletcher32(covered, 0, covered.length) & 0xffffffffL) == expected;
  }

  private static long hex(String s, long otherwise) {
    if (s == null) {
      return otherwise;
    }
    try {
      return Long.parseUnsignedLong(s, 16);
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }
}
