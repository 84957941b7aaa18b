package org.vmflock.scenario;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vmflock.monitor.capture.CaptureFileReader;
import org.vmflock.monitor.capture.CaptureFormatException;

/**
 * Counts the exchange rounds of a captured NPB run in its pcap (the derivation of
 * {@code NpbProfiles.CAPTURED_ROUNDS}). Only TCP segments that carry data from one rank's VM to
 * another count: pure ACKs, connection setup and the launcher's traffic do not. A round starts
 * when such a segment follows an idle gap longer than {@link #IDLE_GAP_MICROS} while no write is
 * half sent: every VM-to-VM write seen so far has ended, its last segment carrying PSH (Linux sets it
 * on the last segment of each write, and of each 64 KB piece of a longer one). A stall in the middle of a write is a transfer held up (4 ranks
 * shared 2 cores), not the ranks computing between two exchanges.
 *
 * <p>Why 250 us: the gaps between data segments fall into two groups, the gaps inside an exchange
 * (back-to-back frames 1-2 us apart, the partner's answer after a 20-60 us round trip, scheduling)
 * and the compute phases between exchanges (cg.A.4 has a mode at 0.4-0.6 ms: its matrix-vector
 * product). In 1/8-decade bins, cg.A.4's histogram is lowest at 133-316 us before that mode, and
 * mg.A.4's is flat (82-108 gaps a bin) from 178 us to 1 ms; 250 us sits in both troughs. One bin
 * either side (178 or 316 us) moves the counts by -6..+7% (CG), -9..+16% (MG) and -17..+68% (IS,
 * whose all-to-all transfers stall longest on 2 shared cores); see simulations/PROFILES.md.
 */
final class CaptureRounds {

  /** The idle gap that separates two exchange rounds. */
  static final long IDLE_GAP_MICROS = 250;

  private static final int ETHERTYPE_IPV4 = 0x0800;
  private static final int TCP = 6;
  private static final int PSH = 0x08;
  private static final int ETHERNET_HEADER = 14;
  private static final int TCP_FLAGS_OFFSET = 13;
  private static final int TCP_FIXED_HEADER = 14;

  private CaptureRounds() {}

  /** A TCP segment with data between two VMs: when, from which VM to which (indices), whether it ends a write. */
  record Segment(long micros, int from, int to, boolean push) {}

  /** The data segments between the VMs of {@code addressPlan} (a vms.csv: vm, ip, mac), in time order. */
  static List<Segment> dataSegments(Path pcap, Path addressPlan) {
    Map<Integer, Integer> vmOf = addresses(addressPlan);
    List<Segment> segments = new ArrayList<>();
    try (CaptureFileReader reader = CaptureFileReader.open(pcap)) {
      while (reader.read((micros, originalLength, b, off, len) -> {
        if (len < ETHERNET_HEADER + 20 || u16(b, off + 12) != ETHERTYPE_IPV4) {
          return;
        }
        int ip = off + ETHERNET_HEADER;
        int ihl = (b[ip] & 0x0f) * 4;
        if ((b[ip + 9] & 0xff) != TCP || len < ETHERNET_HEADER + ihl + TCP_FIXED_HEADER) {
          return;
        }
        Integer from = vmOf.get(u32(b, ip + 12));
        Integer to = vmOf.get(u32(b, ip + 16));
        int tcp = ip + ihl;
        int payload = u16(b, ip + 2) - ihl - ((b[tcp + 12] & 0xf0) >> 4) * 4;
        if (from == null || to == null || payload <= 0) {
          return;
        }
        segments.add(new Segment(micros, from, to, (b[tcp + TCP_FLAGS_OFFSET] & PSH) != 0));
      }, Long.MAX_VALUE) > 0) {
        // all frames go to the sink
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + pcap, e);
    } catch (CaptureFormatException e) {
      throw new IllegalStateException("malformed capture " + pcap, e);
    }
    segments.sort(Comparator.comparingLong(Segment::micros));
    return segments;
  }

  /** Rounds: bursts of data segments separated by idle gaps longer than {@code idleGapMicros} with no write half sent. */
  static int rounds(List<Segment> segments, long idleGapMicros) {
    Set<Long> halfSent = new HashSet<>();
    int rounds = 0;
    long last = Long.MIN_VALUE;
    for (Segment s : segments) {
      if (rounds == 0 || (s.micros - last > idleGapMicros && halfSent.isEmpty())) {
        rounds++;
      }
      long pair = ((long) s.from << 32) | s.to;
      if (s.push) {
        halfSent.remove(pair);
      } else {
        halfSent.add(pair);
      }
      last = s.micros;
    }
    return rounds;
  }

  /** Histogram of the gaps between consecutive data segments, {@code binsPerDecade} log bins from 1 us. */
  static int[] gapHistogram(List<Segment> segments, int binsPerDecade, int decades) {
    int[] bins = new int[binsPerDecade * decades];
    for (int i = 1; i < segments.size(); i++) {
      long gap = segments.get(i).micros - segments.get(i - 1).micros;
      if (gap >= 1) {
        int bin = (int) Math.floor(Math.log10(gap) * binsPerDecade);
        if (bin < bins.length) {
          bins[bin]++;
        }
      }
    }
    return bins;
  }

  private static Map<Integer, Integer> addresses(Path plan) {
    Map<Integer, Integer> vmOf = new HashMap<>();
    try {
      List<String> lines = Files.readAllLines(plan);
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.split(",");
        String[] octets = f[1].split("\\.");
        int ip = 0;
        for (String o : octets) {
          ip = (ip << 8) | Integer.parseInt(o);
        }
        vmOf.put(ip, Integer.parseInt(f[0].substring("vm".length())) - 1);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + plan, e);
    }
    return vmOf;
  }

  private static int u16(byte[] b, int at) {
    return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
  }

  private static int u32(byte[] b, int at) {
    return (u16(b, at) << 16) | u16(b, at + 2);
  }
}
