package org.vmflock.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.vmflock.model.IpAddress;
import org.vmflock.model.MacAddress;
import org.vmflock.model.PeriodGrid;
import org.vmflock.model.VmEndpoint;
import org.vmflock.monitor.capture.CaptureFileReader;
import org.vmflock.monitor.traffic.TrafficCounter;

/**
 * Capture files (M4): classic pcap (micro- or nanosecond, either byte order) and pcapng (several
 * interfaces, timestamp resolutions, simple and enhanced packet blocks), gzipped or not, with frames
 * to and from the VMs of a small inventory (IPv4, IPv6, VLAN tags, ARP, runts) and timestamps that
 * may jump by decades; then bytes flipped, lengths and timestamps overwritten, the file cut. Each is
 * read to its end and counted as a replay counts it.
 */
final class CaptureTarget implements FuzzTarget<byte[]> {

  private static final List<VmEndpoint> VMS = List.of(
      new VmEndpoint("vm1", "local", MacAddress.parse("02:00:00:77:00:01"), List.of(IpAddress.parse("10.77.0.1"))),
      new VmEndpoint("vm2", "local", MacAddress.parse("02:00:00:77:00:02"), List.of(IpAddress.parse("10.77.0.2"), IpAddress.parse("fd77::2"))));
  private static final int SHB = 0x0A0D0D0A;
  private static final int IDB = 1;
  private static final int EPB = 6;
  private static final int SPB = 3;
  private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
  private static final int FRAMES_PER_READ = 64;

  @Override
  public String name() {
    return "pcap/pcapng";
  }

  @Override
  public byte[] generate(SplittableRandom r) {
    ByteOrder order = r.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
    byte[] file = r.nextBoolean() ? pcap(r, order) : pcapng(r, order);
    if (Garbage.chance(r, 0.7)) {
      file = Garbage.mutateBytes(r, file);
    }
    return Garbage.chance(r, 0.1) ? gzip(file, r) : file;
  }

  @Override
  public void feed(byte[] input, Path scratch) throws Exception {
    Path f = scratch.resolve("capture.pcap");
    Files.write(f, input);
    TrafficCounter counter = new TrafficCounter("fuzz", PeriodGrid.of(Duration.ofSeconds(30)), VMS, List.of());
    try (CaptureFileReader reader = CaptureFileReader.open(f)) {
      while (reader.read(counter::frame, FRAMES_PER_READ) > 0) {
        counter.drain();
      }
    }
  }

  @Override
  public String describe(byte[] input) {
    return input.length + " bytes starting " + java.util.HexFormat.of().formatHex(input, 0, Math.min(24, input.length));
  }

  private static byte[] pcap(SplittableRandom r, ByteOrder order) {
    boolean nanos = r.nextBoolean();
    int frames = r.nextInt(12);
    int snap = Garbage.chance(r, 0.2) ? r.nextInt(1, 80) : 262_144;
    ByteBuffer b = ByteBuffer.allocate(24 + frames * (16 + 1600)).order(order);
    b.putInt(nanos ? 0xA1B23C4D : 0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(snap)
        .putInt(Garbage.chance(r, 0.05) ? r.nextInt(300) : 1);
    long ts = timestamp(r);
    for (int i = 0; i < frames; i++) {
      ts = next(r, ts);
      byte[] frame = frame(r);
      int captured = Math.min(frame.length, snap);
      long unit = nanos ? 1_000_000_000L : 1_000_000L;
      b.putInt((int) (ts / 1_000_000)).putInt((int) ((ts % 1_000_000) * (unit / 1_000_000))).putInt(captured)
          .putInt(frame.length + (Garbage.chance(r, 0.1) ? r.nextInt(2000) : 0)).put(frame, 0, captured);
    }
    return java.util.Arrays.copyOf(b.array(), b.position());
  }

  private static byte[] pcapng(SplittableRandom r, ByteOrder order) {
    ByteBuffer b = ByteBuffer.allocate(1 << 16).order(order);
    int sections = Garbage.chance(r, 0.2) ? 2 : 1;
    for (int s = 0; s < sections; s++) {
      block(b, SHB, body(order, x -> x.putInt(BYTE_ORDER_MAGIC).putShort((short) 1).putShort((short) 0).putLong(-1)));
      int interfaces = 1 + r.nextInt(2);
      int[] resolution = new int[interfaces];
      for (int i = 0; i < interfaces; i++) {
        resolution[i] = Garbage.pick(r, List.of(6, 9, 3, 0x80 | 10, 0x80 | 63, 19, -1));
        int res = resolution[i];
        block(b, IDB, body(order, x -> {
          x.putShort((short) (Garbage.chance(r, 0.05) ? 113 : 1)).putShort((short) 0).putInt(Garbage.chance(r, 0.2) ? r.nextInt(100) : 0);
          if (res >= 0) {
            x.putShort((short) 9).putShort((short) 1).put((byte) res).put(new byte[3]); // if_tsresol
          }
          x.putShort((short) 0).putShort((short) 0);
        }));
      }
      int frames = r.nextInt(10);
      long ts = timestamp(r);
      for (int i = 0; i < frames && b.remaining() > 2000; i++) {
        ts = next(r, ts);
        byte[] frame = frame(r);
        long t = ts;
        if (Garbage.chance(r, 0.2)) {
          block(b, SPB, body(order, x -> x.putInt(frame.length).put(frame).put(new byte[pad(frame.length)])));
        } else {
          int iface = Garbage.chance(r, 0.05) ? 7 : r.nextInt(interfaces);
          block(b, EPB, body(order, x -> x.putInt(iface).putInt((int) (t >>> 32)).putInt((int) t).putInt(frame.length)
              .putInt(frame.length).put(frame).put(new byte[pad(frame.length)])));
        }
      }
    }
    return java.util.Arrays.copyOf(b.array(), b.position());
  }

  private static int pad(int n) {
    return (4 - n % 4) % 4;
  }

  private static ByteBuffer body(ByteOrder order, java.util.function.Consumer<ByteBuffer> fill) {
    ByteBuffer x = ByteBuffer.allocate(4096).order(order);
    fill.accept(x);
    x.flip();
    return x;
  }

  private static void block(ByteBuffer b, int type, ByteBuffer body) {
    int length = 12 + body.remaining();
    b.putInt(type).putInt(length).put(body).putInt(length);
  }

  /** Microseconds since the epoch: now-ish, the epoch, before it, or far in the future. */
  private static long timestamp(SplittableRandom r) {
    return Garbage.pick(r, List.of(1_780_000_000_000_000L, 157_766_400_000_000L, 0L, 4_000_000_000_000_000L, 1_000_000L));
  }

  /** The next timestamp: a little later mostly; sometimes earlier, or decades away. */
  private static long next(SplittableRandom r, long ts) {
    return switch (r.nextInt(10)) {
      case 0 -> ts + 2_000_000_000_000_000L / (1 + r.nextInt(4));
      case 1 -> Math.max(0, ts - r.nextLong(1, 100_000_000));
      default -> ts + r.nextLong(1, 40_000_000);
    };
  }

  /** An Ethernet frame to or from a VM, of some protocol, or a runt. */
  private static byte[] frame(SplittableRandom r) {
    ByteBuffer f = ByteBuffer.allocate(1600);
    byte[] dst = Garbage.chance(r, 0.8) ? new byte[] {2, 0, 0, 0x77, 0, (byte) (1 + r.nextInt(2))} : bytesOf(r, 6);
    f.put(dst).put(new byte[] {2, 0, 0, 0x77, 0, 9});
    if (Garbage.chance(r, 0.1)) {
      f.putShort((short) 0x8100).putShort((short) r.nextInt(4096));
    }
    switch (r.nextInt(5)) {
      case 0, 1 -> {
        f.putShort((short) 0x0800).put((byte) 0x45).put((byte) 0).putShort((short) 40).putInt(0).put((byte) 64).put((byte) 6).putShort((short) 0)
            .put(new byte[] {10, 77, 0, (byte) r.nextInt(4)}).put(new byte[] {10, 77, 0, (byte) (1 + r.nextInt(2))});
        f.put(new byte[20]);
      }
      case 2 -> {
        f.putShort((short) 0x86DD).putInt(0x60000000).putShort((short) 0).put((byte) 17).put((byte) 64);
        f.put(new byte[16]).put(new byte[] {(byte) 0xfd, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
      }
      case 3 -> f.putShort((short) 0x0806).put(new byte[28]);
      default -> f.put(bytesOf(r, r.nextInt(20)));
    }
    return java.util.Arrays.copyOf(f.array(), f.position());
  }

  private static byte[] bytesOf(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  private static byte[] gzip(byte[] file, SplittableRandom r) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] g = out.toByteArray();
    return Garbage.chance(r, 0.5) ? Garbage.mutateBytes(r, g) : g;
  }
}
