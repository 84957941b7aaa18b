package org.vmflock.monitor.capture;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.vmflock.clock.Clock;
import org.vmflock.model.IpAddress;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.VmEndpoint;
import org.vmflock.monitor.traffic.CountedTraffic;
import org.vmflock.monitor.traffic.TrafficCounter;

/**
 * Synthetic traffic from a VM x VM rate matrix (M4), for simulations and demos: at each drain, the
 * frames each pair would have exchanged since the last one, at {@code packets[s][d]} frames and
 * {@code bytes[s][d]} bytes per second, are built as real Ethernet/IP frames and counted like
 * captured ones. Deterministic: the same rates and clock readings give the same frames (fractions of
 * a frame carry over to the next drain).
 */
public final class SyntheticTraffic implements PolledSource {

  private static final int ETHERNET_HEADER = 14;
  private static final int IPV4_HEADER = 20;
  private static final int IPV6_HEADER = 40;
  private static final int MIN_FRAME = 60;
  private static final int MAX_FRAME = 65_535;

  private final TrafficCounter counter;
  private final Clock clock;
  private final List<VmEndpoint> vms;
  private final TrafficMatrix rates;
  private final double[][] carriedFrames;
  private final byte[] frame = new byte[ETHERNET_HEADER + IPV6_HEADER];
  private Instant last;
  private boolean closed;

  /** {@code rates} per second, over the VMs of {@code vms} (in any order; others send nothing). */
  public SyntheticTraffic(TrafficMatrix rates, List<VmEndpoint> vms, Clock clock, TrafficCounter counter) {
    this.vms = List.copyOf(vms);
    this.rates = rates.reorder(this.vms.stream().map(VmEndpoint::vm).toList());
    this.clock = clock;
    this.counter = counter;
    this.carriedFrames = new double[this.vms.size()][this.vms.size()];
    this.last = clock.now();
  }

  @Override
  public synchronized CountedTraffic drain() {
    if (!closed) {
      generateUntil(clock.now());
    }
    return counter.drain();
  }

  private void generateUntil(Instant now) {
    double seconds = (now.toEpochMilli() - last.toEpochMilli()) / 1000.0;
    if (seconds <= 0) {
      return;
    }
    long fromMicros = last.toEpochMilli() * 1000;
    long spanMicros = now.toEpochMilli() * 1000 - fromMicros;
    for (int s = 0; s < vms.size(); s++) {
      for (int d = 0; d < vms.size(); d++) {
        double packetsPerSecond = rates.packets(s, d);
        if (s == d || packetsPerSecond <= 0) {
          continue;
        }
        double due = packetsPerSecond * seconds + carriedFrames[s][d];
        long frames = (long) Math.floor(due);
        carriedFrames[s][d] = due - frames;
        if (frames == 0) {
          continue;
        }
        int length = (int) Math.max(MIN_FRAME, Math.min(MAX_FRAME, Math.round(rates.bytes(s, d) / packetsPerSecond)));
        int captured = header(vms.get(s), vms.get(d));
        for (long i = 0; i < frames; i++) {
          counter.frame(fromMicros + spanMicros * i / frames, length, frame, 0, captured);
        }
      }
    }
    last = now;
  }

  /** Writes the headers of a frame from {@code src} to {@code dst}; returns their length. */
  private int header(VmEndpoint src, VmEndpoint dst) {
    byte[] to = dst.mac().bytes();
    byte[] from = src.mac().bytes();
    System.arraycopy(to, 0, frame, 0, 6);
    System.arraycopy(from, 0, frame, 6, 6);
    IpAddress source = src.addresses().get(0);
    if (source.isIpv4()) {
      frame[12] = 0x08;
      frame[13] = 0x00;
      frame[ETHERNET_HEADER] = 0x45;
      putInt(frame, ETHERNET_HEADER + 12, (int) source.low());
      putInt(frame, ETHERNET_HEADER + 16, (int) dst.addresses().get(0).low());
      return ETHERNET_HEADER + IPV4_HEADER;
    }
    frame[12] = (byte) 0x86;
    frame[13] = (byte) 0xDD;
    frame[ETHERNET_HEADER] = 0x60;
    putLong(frame, ETHERNET_HEADER + 8, source.high());
    putLong(frame, ETHERNET_HEADER + 16, source.low());
    putLong(frame, ETHERNET_HEADER + 24, dst.addresses().get(0).high());
    putLong(frame, ETHERNET_HEADER + 32, dst.addresses().get(0).low());
    return ETHERNET_HEADER + IPV6_HEADER;
  }

  private static void putInt(byte[] b, int at, int v) {
    for (int i = 0; i < 4; i++) {
      b[at + i] = (byte) (v >>> (24 - 8 * i));
    }
  }

  private static void putLong(byte[] b, int at, long v) {
    for (int i = 0; i < 8; i++) {
      b[at + i] = (byte) (v >>> (56 - 8 * i));
    }
  }

  @Override
  public Optional<String> failure() {
    return Optional.empty();
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      generateUntil(clock.now());
      closed = true;
    }
  }
}
