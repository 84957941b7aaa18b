package org.vmflock.emulate;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * The contents of a VM's writable memory pages, one hash per resident page, read from {@code
 * /proc/PID/mem} of each of its processes (present pages only, per {@code /proc/PID/pagemap}).
 * Two snapshots compared give the pages dirtied between them: those whose contents changed, and
 * those that became resident. This is how the emulated actuator measures a pre-copy round's dirty
 * set: this kernel has no soft-dirty bits ({@code CONFIG_MEM_SOFT_DIRTY} is off) and an outside
 * process cannot use userfaultfd write protection. A write of the same value goes unseen, which
 * is harmless: the copy already holds it. Needs root (reading another process's memory).
 */
final class PageContents {

  static final int PAGE_BYTES = 4096;
  private static final long PRESENT = 1L << 63;
  private static final int CHUNK_PAGES = 256;

  /** One process's resident writable pages: their addresses, ascending, and a hash of each one's contents. */
  private static final class Pages {
    long[] addresses = new long[1024];
    long[] hashes = new long[1024];
    int size;

    void add(long address, long hash) {
      if (size == addresses.length) {
        addresses = Arrays.copyOf(addresses, size * 2);
        hashes = Arrays.copyOf(hashes, size * 2);
      }
      addresses[size] = address;
      hashes[size++] = hash;
    }
  }

  /** The pages of each process, by pid. */
  private final Map<Long, Pages> pages;

  private PageContents(Map<Long, Pages> pages) {
    this.pages = pages;
  }

  /** The pages of processes {@code pids} now (processes that exit meanwhile are left out). */
  static PageContents of(List<Long> pids) {
    Map<Long, Pages> all = new HashMap<>();
    for (long pid : pids) {
      try {
        all.put(pid, read(pid));
      } catch (NoSuchFileException e) {
        // exited
      } catch (IOException e) {
        if (Files.exists(Path.of("/proc", Long.toString(pid)))) {
          throw new java.io.UncheckedIOException("cannot read the memory of process " + pid, e);
        }
      }
    }
    return new PageContents(all);
  }

  /** Resident pages in this snapshot. */
  long pageCount() {
    return pages.values().stream().mapToLong(p -> p.size).sum();
  }

  /** Pages resident in {@code later} that are new or changed since this snapshot. */
  long dirtiedUntil(PageContents later) {
    long dirty = 0;
    for (Map.Entry<Long, Pages> process : later.pages.entrySet()) {
      Pages now = process.getValue();
      Pages before = pages.getOrDefault(process.getKey(), new Pages());
      // both ascending by address: one merge
      int j = 0;
      for (int i = 0; i < now.size; i++) {
        long address = now.addresses[i];
        while (j < before.size && before.addresses[j] < address) {
          j++;
        }
        if (j >= before.size || before.addresses[j] != address || before.hashes[j] != now.hashes[i]) {
          dirty++;
        }
      }
    }
    return dirty;
  }

  private static Pages read(long pid) throws IOException {
    Path proc = Path.of("/proc", Long.toString(pid));
    Pages hashes = new Pages();
    List<String> maps = Files.readAllLines(proc.resolve("maps"));
    try (FileChannel pagemap = FileChannel.open(proc.resolve("pagemap"), StandardOpenOption.READ);
        FileChannel mem = FileChannel.open(proc.resolve("mem"), StandardOpenOption.READ)) {
      ByteBuffer entries = ByteBuffer.allocateDirect(CHUNK_PAGES * Long.BYTES).order(ByteOrder.nativeOrder());
      ByteBuffer run = ByteBuffer.allocateDirect(CHUNK_PAGES * PAGE_BYTES).order(ByteOrder.nativeOrder());
      for (String line : maps) {
        String[] f = line.split("\\s+");
        if (f.length < 2 || f[1].charAt(1) != 'w' || line.endsWith("[vsyscall]") || line.endsWith("[vvar]")) {
          continue;
        }
        String[] range = f[0].split("-");
        long start = Long.parseUnsignedLong(range[0], 16);
        long end = Long.parseUnsignedLong(range[1], 16);
        for (long chunk = start; chunk < end; chunk += (long) CHUNK_PAGES * PAGE_BYTES) {
          int n = (int) Math.min(CHUNK_PAGES, (end - chunk) / PAGE_BYTES);
          entries.clear().limit(n * Long.BYTES);
          if (readFully(pagemap, entries, chunk / PAGE_BYTES * Long.BYTES) < n * Long.BYTES) {
            break;
          }
          LongBuffer present = entries.flip().asLongBuffer();
          // each run of present pages in one read
          for (int i = 0; i < n; ) {
            if ((present.get(i) & PRESENT) == 0) {
              i++;
              continue;
            }
            int first = i;
            while (i < n && (present.get(i) & PRESENT) != 0) {
              i++;
            }
            long address = chunk + (long) first * PAGE_BYTES;
            run.clear().limit((i - first) * PAGE_BYTES);
            int got = readFully(mem, run, address) / PAGE_BYTES;
            for (int p = 0; p < got; p++) {
              hashes.add(address + (long) p * PAGE_BYTES, hash(run, p * PAGE_BYTES));
            }
          }
        }
      }
    }
    return hashes;
  }

  private static int readFully(FileChannel channel, ByteBuffer into, long position) {
    int total = 0;
    try {
      while (into.hasRemaining()) {
        int n = channel.read(into, position + total);
        if (n <= 0) {
          break;
        }
        total += n;
      }
    } catch (IOException e) {
      // an unreadable range (a device mapping, unmapped meanwhile): what was read counts
    }
    return total;
  }

  /** Two CRCs of the page (both computed by the processor's own instructions): 64 bits, at memory speed. */
  private static long hash(ByteBuffer pages, int offset) {
    ByteBuffer page = pages.duplicate().position(offset).limit(offset + PAGE_BYTES);
    CRC32C c = new CRC32C();
    c.update(page);
    CRC32 d = new CRC32();
    d.update(page.position(offset));
    return c.getValue() << 32 | d.getValue();
  }
}
