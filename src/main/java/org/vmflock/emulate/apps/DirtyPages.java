package org.vmflock.emulate.apps;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How many bytes processes write over a window, from their pages' contents: every private writable
 * mapping is read through {@code /proc/PID/mem} and each 4 KiB page hashed, at the start and at the
 * end of the window; a page whose hash changed was written. (This machine's kernel has no
 * soft-dirty bits: {@code CONFIG_MEM_SOFT_DIRTY} is off.) A page rewritten with the same contents
 * is missed, and a page written many times counts once, as for a pre-copy round of a migration.
 */
final class DirtyPages {

  private static final int PAGE_BYTES = 4096;
  /** Reads at most this much of one mapping at a time. */
  private static final int CHUNK_PAGES = 256;

  /** The pages' hashes of some processes, by pid and page address. */
  static final class Snapshot {
    private final Map<Long, Map<Long, Long>> hashes = new HashMap<>();

    /** Bytes read: the pages hashed. */
    long bytes() {
      return hashes.values().stream().mapToLong(Map::size).sum() * PAGE_BYTES;
    }
  }

  private DirtyPages() {}

  static Snapshot take(List<Long> pids) {
    Snapshot s = new Snapshot();
    for (long pid : pids) {
      s.hashes.put(pid, pages(pid));
    }
    return s;
  }

  /** Bytes of the pages whose contents differ from {@code before}'s (pages new since then count too). */
  static long changedBytes(Snapshot before, Snapshot after) {
    long pages = 0;
    for (Map.Entry<Long, Map<Long, Long>> e : after.hashes.entrySet()) {
      Map<Long, Long> old = before.hashes.getOrDefault(e.getKey(), Map.of());
      for (Map.Entry<Long, Long> page : e.getValue().entrySet()) {
        Long h = old.get(page.getKey());
        if (h == null || h.longValue() != page.getValue().longValue()) {
          pages++;
        }
      }
    }
    return pages * PAGE_BYTES;
  }

  private static Map<Long, Long> pages(long pid) {
    Map<Long, Long> hashes = new HashMap<>();
    Path proc = Path.of("/proc", Long.toString(pid));
    List<long[]> ranges = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(proc.resolve("maps"))) {
        String[] f = line.split("\\s+");
        if (f.length < 2 || !f[1].startsWith("rw") || !f[1].endsWith("p") || line.contains("[vvar]") || line.contains("[vsyscall]")) {
          continue;
        }
        String[] range = f[0].split("-");
        ranges.add(new long[] {Long.parseUnsignedLong(range[0], 16), Long.parseUnsignedLong(range[1], 16)});
      }
    } catch (IOException e) {
      return hashes;
    }
    byte[] buf = new byte[CHUNK_PAGES * PAGE_BYTES];
    try (RandomAccessFile mem = new RandomAccessFile(proc.resolve("mem").toFile(), "r")) {
      for (long[] r : ranges) {
        for (long addr = r[0]; addr < r[1]; addr += buf.length) {
          int len = (int) Math.min(buf.length, r[1] - addr);
          try {
            mem.seek(addr);
            mem.readFully(buf, 0, len);
          } catch (IOException e) {
            break;
          }
          for (int off = 0; off < len; off += PAGE_BYTES) {
            hashes.put(addr + off, hash(buf, off));
          }
        }
      }
    } catch (IOException e) {
      return hashes;
    }
    return hashes;
  }

  /** FNV-1a over a page, 8 bytes at a time. */
  private static long hash(byte[] b, int off) {
    long h = 0xcbf29ce484222325L;
    for (int i = off; i < off + PAGE_BYTES; i += 8) {
      long w = 0;
      for (int k = 0; k < 8; k++) {
        w = (w << 8) | (b[i + k] & 0xFF);
      }
      h = (h ^ w) * 0x100000001b3L;
    }
    return h;
  }
}
