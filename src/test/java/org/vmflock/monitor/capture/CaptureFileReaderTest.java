package org.vmflock.monitor.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmflock.monitor.capture.CaptureBytes.PCAPNG_CUSTOM;
import static org.vmflock.monitor.capture.CaptureBytes.PCAPNG_DSB;
import static org.vmflock.monitor.capture.CaptureBytes.PCAPNG_ISB;
import static org.vmflock.monitor.capture.CaptureBytes.PCAPNG_NRB;
import static org.vmflock.monitor.capture.CaptureBytes.block;
import static org.vmflock.monitor.capture.CaptureBytes.concat;
import static org.vmflock.monitor.capture.CaptureBytes.enhancedPacket;
import static org.vmflock.monitor.capture.CaptureBytes.gzip;
import static org.vmflock.monitor.capture.CaptureBytes.interfaceDescription;
import static org.vmflock.monitor.capture.CaptureBytes.obsoletePacket;
import static org.vmflock.monitor.capture.CaptureBytes.pcapHeader;
import static org.vmflock.monitor.capture.CaptureBytes.pcapRecord;
import static org.vmflock.monitor.capture.CaptureBytes.sectionHeader;
import static org.vmflock.monitor.capture.CaptureBytes.seq;
import static org.vmflock.monitor.capture.CaptureBytes.simplePacket;
import static org.vmflock.monitor.capture.FrameCollector.frame;
import static org.vmflock.monitor.capture.FrameCollector.frameSlice;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmflock.monitor.capture.FrameCollector.Frame;

class CaptureFileReaderTest {
  private static final boolean LE = false;
  private static final boolean BE = true;
  private static final int ETHERNET = 1;
  private static final int LINUX_SLL = 113;
  /** Size of the hand-made SHB (with its shb_userappl option) and of an option-less IDB. */
  private static final int SHB_LENGTH = 44;
  private static final int PLAIN_IDB_LENGTH = 20;

  @TempDir Path dir;

  // ---------------------------------------------------------------- classic pcap

  @ParameterizedTest(name = "big endian: {0}")
  @ValueSource(booleans = {false, true})
  void classicMicroseconds(boolean bigEndian) throws Exception {
    ByteWriter w = pcapHeader(bigEndian, false, 65535, ETHERNET);
    pcapRecord(w, 1_700_000_000L, 123_456, 60, seq(5, 0x10));
    pcapRecord(w, 1_700_000_001L, 999_999, 42, new byte[0]);
    // seconds are unsigned 32-bit: this one is above 2^31
    pcapRecord(w, 0xFFFF_FFF0L, 0, 1514, seq(54, 0x40));
    Path file = write("us.pcap", w.toByteArray());

    try (CaptureFileReader reader = CaptureFileReader.open(file)) {
      FrameCollector c = readAll(reader);
      assertEquals(
          List.of(
              frame(1_700_000_000_123_456L, 60, seq(5, 0x10)),
              frame(1_700_000_001_999_999L, 42, new byte[0]),
              frame(4_294_967_280_000_000L, 1514, seq(54, 0x40))),
          c.frames);
      assertEquals(65535, reader.snapLength());
      assertFalse(reader.nanosecondResolution());
      assertFalse(reader.gzipped());
      assertEquals(3, reader.framesRead());
      assertEquals(Files.size(file), reader.bytesConsumed());
      assertEquals(1, c.bufferIdentities.size(), "frames are slices of one buffer");
    }
  }

  @ParameterizedTest(name = "big endian: {0}")
  @ValueSource(booleans = {false, true})
  void classicNanosecondsAreFlooredToMicroseconds(boolean bigEndian) throws Exception {
    ByteWriter w = pcapHeader(bigEndian, true, 54, ETHERNET);
    pcapRecord(w, 1_700_000_000L, 123_456_789, 1514, seq(54, 1));
    pcapRecord(w, 1_700_000_000L, 999, 60, seq(3, 2));
    pcapRecord(w, 1_700_000_002L, 999_999_999, 54, seq(54, 3));
    Path file = write("ns.pcap", w.toByteArray());

    try (CaptureFileReader reader = CaptureFileReader.open(file)) {
      assertEquals(
          List.of(
              frame(1_700_000_000_123_456L, 1514, seq(54, 1)),
              frame(1_700_000_000_000_000L, 60, seq(3, 2)),
              frame(1_700_000_002_999_999L, 54, seq(54, 3))),
          readAll(reader).frames);
      assertTrue(reader.nanosecondResolution());
      assertEquals(54, reader.snapLength());
    }
  }

  // ---------------------------------------------------------------- pcapng

  /** Section 1 little-endian, section 2 big-endian; unknown blocks in between. */
  private static byte[] twoSectionPcapng() {
    return concat(
        sectionHeader(LE),
        interfaceDescription(LE, ETHERNET, 0, -1, null), // µs by default
        interfaceDescription(LE, ETHERNET, 65535, 9, null), // ns
        block(LE, PCAPNG_NRB, new ByteWriter(LE).u16(1).u16(6).bytes(10, 77, 0, 1, 'h', 0)
            .pad4().u16(0).u16(0).toByteArray()),
        enhancedPacket(LE, 0, 1_700_000_000_123_456L, 60, seq(5, 0x10), false),
        block(LE, PCAPNG_CUSTOM, new ByteWriter(LE).u32(32473).bytes(seq(9, 0)).toByteArray()),
        enhancedPacket(LE, 1, 1_700_000_001_987_654_321L, 3, seq(3, 0xA0), true),
        block(LE, PCAPNG_ISB, new ByteWriter(LE).u32(0).u32(0).u32(0).toByteArray()),
        simplePacket(LE, 6, seq(6, 0xB0)),
        sectionHeader(BE),
        interfaceDescription(BE, ETHERNET, 128, 0x80 | 10, null), // 2^-10 s
        interfaceDescription(BE, ETHERNET, 0, 3, 1_000_000_000L), // ms, +1e9 s
        enhancedPacket(BE, 0, 1_700_000_002L * 1024 + 1, 64, seq(16, 0x20), true),
        block(BE, PCAPNG_DSB, new ByteWriter(BE).u32(0x544c534b).u32(4).bytes(1, 2, 3, 4)
            .toByteArray()),
        obsoletePacket(BE, 1, 700_000_003_250L, 1514, seq(20, 0x30)),
        enhancedPacket(BE, 1, 700_000_003_251L, 10, seq(10, 0x50), false),
        simplePacket(BE, 200, seq(200, 0)));
  }

  private static List<Frame> twoSectionFrames() {
    return List.of(
        frame(1_700_000_000_123_456L, 60, seq(5, 0x10)),
        frame(1_700_000_001_987_654L, 3, seq(3, 0xA0)),
        // simple packet: the last timestamp seen
        frame(1_700_000_001_987_654L, 6, seq(6, 0xB0)),
        // 1/1024 s = 976.5625 µs
        frame(1_700_000_002_000_976L, 64, seq(16, 0x20)),
        frame(1_700_000_003_250_000L, 1514, seq(20, 0x30)),
        frame(1_700_000_003_251_000L, 10, seq(10, 0x50)),
        // cut to interface 0's snap length of 128
        frameSlice(1_700_000_003_251_000L, 200, seq(200, 0), 0, 128));
  }

  @Test
  void pcapngSectionsInterfacesAndResolutions() throws Exception {
    Path file = write("two.pcapng", twoSectionPcapng());
    try (CaptureFileReader reader = CaptureFileReader.open(file)) {
      FrameCollector c = readAll(reader);
      assertEquals(twoSectionFrames(), c.frames);
      assertEquals(7, reader.framesRead());
      assertEquals(128, reader.snapLength());
      assertEquals(Files.size(file), reader.bytesConsumed());
      assertEquals(1, c.bufferIdentities.size());
    }
  }

  @Test
  void pcapngTsresolHighPowerOfTwoAndDecimal() throws Exception {
    // with 2^-40 s units, 64 bits span 2^24 s: stay below
    long binarySeconds = 10_000_000L;
    long seconds = 1_700_000_000L;
    byte[] bytes =
        concat(
            sectionHeader(LE),
            interfaceDescription(LE, ETHERNET, 0, 0x80 | 40, null), // 2^-40 s
            interfaceDescription(LE, ETHERNET, 0, 12, null), // ps: ticks above 2^63
            interfaceDescription(LE, ETHERNET, 0, 0, -100L), // seconds, -100 s
            enhancedPacket(LE, 0, (binarySeconds << 40) | (1L << 39) | 12345, 60, seq(1, 1),
                false),
            enhancedPacket(LE, 1, Long.parseUnsignedLong("10000000000000999999"), 60, seq(1, 2),
                false),
            enhancedPacket(LE, 2, seconds, 60, seq(1, 3), false));
    try (CaptureFileReader reader = CaptureFileReader.open(write("res.pcapng", bytes))) {
      assertEquals(
          List.of(
              // 0.5 s + 12345 * 2^-40 s (0.011 µs), floored
              frame(binarySeconds * 1_000_000 + 500_000, 60, seq(1, 1)),
              // 1e19 ps + 999999 ps (0.999999 µs), floored
              frame(10_000_000_000_000L, 60, seq(1, 2)),
              frame((seconds - 100) * 1_000_000, 60, seq(1, 3))),
          readAll(reader).frames);
    }
  }

  // ---------------------------------------------------------------- gzip

  @Test
  void gzipIsDetectedByMagicNotByName() throws Exception {
    byte[] pcapng = twoSectionPcapng();
    ByteWriter w = pcapHeader(BE, true, 0, ETHERNET);
    pcapRecord(w, 1_700_000_000L, 123_456_789, 60, seq(40, 7));
    byte[] classic = w.toByteArray();

    for (byte[] plain : List.of(pcapng, classic)) {
      Path raw = write("plain.pcap.gz", plain); // misleading name, not compressed
      Path gz = write("packed.pcap", gzip(plain)); // compressed, no .gz
      try (CaptureFileReader a = CaptureFileReader.open(raw);
          CaptureFileReader b = CaptureFileReader.open(gz)) {
        List<Frame> expected = readAll(a).frames;
        assertEquals(expected, readAll(b).frames);
        assertFalse(a.gzipped());
        assertTrue(b.gzipped());
        assertEquals(plain.length, b.bytesConsumed());
      }
    }
  }

  // ---------------------------------------------------------------- chunk boundaries

  /** Frames of varying sizes, some larger than the small buffers, one of the maximum size. */
  private static List<Frame> generatedFrames(Random random, List<byte[]> data, int[] originals) {
    List<Frame> frames = new ArrayList<>();
    long micros = 1_700_000_000_000_000L;
    for (int i = 0; i < data.size(); i++) {
      micros += random.nextInt(5_000);
      frames.add(frameSlice(micros, originals[i], data.get(i), 0, data.get(i).length));
    }
    return frames;
  }

  private static List<byte[]> generatedData(Random random, int count) {
    List<byte[]> data = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int length;
      if (i == count / 2) {
        length = CaptureLimits.MAX_CAPTURED_LENGTH;
      } else if (i % 500 == 7) {
        length = 100_000 + random.nextInt(1000);
      } else {
        length = random.nextInt(1601);
      }
      byte[] b = new byte[length];
      random.nextBytes(b);
      data.add(b);
    }
    return data;
  }

  @Test
  void smallBuffersGiveTheSameFramesAsALargeOne() throws Exception {
    Random random = new Random(42);
    List<byte[]> data = generatedData(random, 3000);
    int[] originals = data.stream().mapToInt(b -> b.length + (b.length % 3) * 100).toArray();
    List<Frame> expected = generatedFrames(new Random(7), data, originals);

    // classic pcap through PcapWriter
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (PcapWriter writer = new PcapWriter(out, CaptureLimits.MAX_CAPTURED_LENGTH)) {
      for (int i = 0; i < data.size(); i++) {
        byte[] b = data.get(i);
        writer.write(expected.get(i).micros(), b, 0, b.length, originals[i]);
      }
    }
    // pcapng by hand, nanosecond interface
    List<byte[]> blocks = new ArrayList<>();
    blocks.add(sectionHeader(BE));
    blocks.add(interfaceDescription(BE, ETHERNET, 0, 9, null));
    for (int i = 0; i < data.size(); i++) {
      blocks.add(
          enhancedPacket(BE, 0, expected.get(i).micros() * 1000 + 999, originals[i], data.get(i),
              i % 2 == 0));
    }
    Path classic = write("gen.pcap", out.toByteArray());
    Path pcapng = write("gen.pcapng", concat(blocks.toArray(new byte[0][])));
    Path gzipped = write("gen.pcapng.gz", gzip(Files.readAllBytes(pcapng)));

    for (Path file : List.of(classic, pcapng, gzipped)) {
      for (int bufferSize : new int[] {CaptureFileReader.DEFAULT_BUFFER_SIZE, 65_536, 100, 1}) {
        try (CaptureFileReader reader = CaptureFileReader.open(file, bufferSize)) {
          assertEquals(expected, readAll(reader).frames, file + " with buffer " + bufferSize);
          assertEquals(Files.size(file.equals(gzipped) ? pcapng : file), reader.bytesConsumed());
        }
      }
    }
  }

  // ---------------------------------------------------------------- read(sink, max)

  @Test
  void readRespectsMaxAndResumes() throws Exception {
    ByteWriter w = pcapHeader(LE, false, 1514, ETHERNET);
    for (int i = 0; i < 10; i++) {
      pcapRecord(w, 1_700_000_000L + i, i, 100 + i, seq(i, i));
    }
    Path file = write("ten.pcap", w.toByteArray());
    List<Frame> all;
    try (CaptureFileReader reader = CaptureFileReader.open(file)) {
      all = readAll(reader).frames;
    }
    try (CaptureFileReader reader = CaptureFileReader.open(file, 40)) {
      FrameCollector c = new FrameCollector();
      long[] counts = new long[5];
      for (int i = 0; i < counts.length; i++) {
        counts[i] = reader.read(c, 3);
        assertEquals(Math.min(10, 3L * (i + 1)), reader.framesRead());
      }
      assertEquals("[3, 3, 3, 1, 0]", Arrays.toString(counts));
      assertEquals(all, c.frames);
      assertEquals(0, reader.read(c, 1), "stays at the end");
      assertThrows(IllegalArgumentException.class, () -> reader.read(c, 0));
    }
  }

  // ---------------------------------------------------------------- errors: classic pcap

  @Test
  void emptyFile() throws Exception {
    CaptureFormatException e = openError("empty.pcap", new byte[0]);
    assertEquals("empty.pcap: byte 0: empty file", e.getMessage());
    assertEquals(0, e.byteOffset());
    assertEquals(0, e.frameNumber());
    assertEquals("empty.pcap", e.file().getFileName().toString());
  }

  @Test
  void notACapture() throws Exception {
    CaptureFormatException e =
        openError("notes.txt", "hello world\n".getBytes(StandardCharsets.US_ASCII));
    assertEquals("notes.txt: byte 0: not a pcap or pcapng file (magic 0x68656c6c)", e.getMessage());
  }

  @Test
  void truncatedGlobalHeader() throws Exception {
    byte[] header = pcapHeader(LE, false, 65535, ETHERNET).toByteArray();
    CaptureFormatException e = openError("short.pcap", Arrays.copyOf(header, 10));
    assertEquals(
        "short.pcap: byte 0: truncated global header: 24 bytes expected, 10 present",
        e.getMessage());
  }

  @Test
  void truncatedRecordHeader() throws Exception {
    ByteWriter w = pcapHeader(LE, false, 65535, ETHERNET);
    pcapRecord(w, 1_700_000_000L, 0, 60, seq(5, 0));
    w.u32(1_700_000_001L).bytes(1, 2, 3);
    CaptureFormatException e = readError("cut-header.pcap", w.toByteArray());
    assertEquals(
        "cut-header.pcap: byte 45 (frame 2): truncated record header: 16 bytes expected, 7 left",
        e.getMessage());
    assertEquals(45, e.byteOffset());
    assertEquals(2, e.frameNumber());
  }

  @Test
  void truncatedRecordBody() throws Exception {
    ByteWriter w = pcapHeader(LE, false, 65535, ETHERNET);
    pcapRecord(w, 1_700_000_000L, 0, 60, seq(5, 0));
    w.u32(1_700_000_001L).u32(0).u32(54).u32(60).bytes(seq(12, 0));
    CaptureFormatException e = readError("cg.pcap", w.toByteArray());
    assertEquals(
        "cg.pcap: byte 45 (frame 2): truncated record: header says 54 captured bytes, 12 left",
        e.getMessage());
  }

  @Test
  void capturedLengthAboveSnapLength() throws Exception {
    ByteWriter w = pcapHeader(BE, false, 65535, ETHERNET);
    w.u32(1_700_000_000L).u32(0).u32(70_000).u32(70_000).bytes(seq(100, 0));
    CaptureFormatException e = readError("snap.pcap", w.toByteArray());
    assertEquals(
        "snap.pcap: byte 24 (frame 1): corrupt record header: captured length 70000 > snap length"
            + " 65535",
        e.getMessage());
  }

  @Test
  void capturedLengthAboveOriginalLength() throws Exception {
    ByteWriter w = pcapHeader(LE, false, 65535, ETHERNET);
    pcapRecord(w, 1_700_000_000L, 0, 60, seq(5, 0));
    pcapRecord(w, 1_700_000_000L, 1, 54, seq(60, 0));
    CaptureFormatException e = readError("orig.pcap", w.toByteArray());
    assertEquals(
        "orig.pcap: byte 45 (frame 2): corrupt record header: captured length 60 > original"
            + " length 54",
        e.getMessage());
  }

  @Test
  void capturedLengthAboveMaximum() throws Exception {
    ByteWriter w = pcapHeader(LE, false, 0, ETHERNET); // no snap length
    w.u32(1_700_000_000L).u32(0).u32(300_000).u32(300_000).bytes(seq(100, 0));
    CaptureFormatException e = readError("huge.pcap", w.toByteArray());
    assertEquals(
        "huge.pcap: byte 24 (frame 1): corrupt record header: captured length 300000 > maximum"
            + " 262144",
        e.getMessage());
    // an all-ones length (negative as an int) is caught the same way
    ByteWriter w2 = pcapHeader(LE, false, 0, ETHERNET);
    w2.u32(1_700_000_000L).u32(0).u32(0xFFFF_FFFFL).u32(60);
    assertTrue(
        readError("ones.pcap", w2.toByteArray())
            .getMessage()
            .endsWith("captured length 4294967295 > maximum 262144"));
  }

  @Test
  void unsupportedLinkTypeInPcap() throws Exception {
    CaptureFormatException e =
        openError("sll.pcap", pcapHeader(LE, false, 65535, LINUX_SLL).toByteArray());
    assertEquals(
        "sll.pcap: byte 0: unsupported link type 113 (LINUX_SLL); vmflock reads Ethernet captures"
            + " (link type 1)",
        e.getMessage());
    CaptureFormatException unnamed =
        openError("other.pcap", pcapHeader(BE, true, 65535, 228).toByteArray());
    assertTrue(
        unnamed.getMessage().contains("unsupported link type 228; vmflock"), unnamed.getMessage());
  }

  @Test
  void truncatedGzip() throws Exception {
    Random random = new Random(1);
    ByteWriter w = pcapHeader(LE, false, 2000, ETHERNET);
    for (int i = 0; i < 2000; i++) {
      byte[] b = new byte[random.nextInt(1500)];
      random.nextBytes(b);
      pcapRecord(w, 1_700_000_000L, i, b.length, b);
    }
    byte[] plain = w.toByteArray();
    byte[] packed = gzip(plain);
    Path file = write("cut.pcap.gz", Arrays.copyOf(packed, packed.length * 6 / 10));
    try (CaptureFileReader reader = CaptureFileReader.open(file, 4096)) {
      FrameCollector c = new FrameCollector();
      CaptureFormatException e =
          assertThrows(CaptureFormatException.class, () -> readAll(reader, c));
      String prefix = "cut.pcap.gz: byte " + e.byteOffset() + " (frame " + e.frameNumber() + "): ";
      assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
      assertTrue(e.getMessage().contains("corrupt or truncated gzip stream"), e.getMessage());
      assertEquals(c.frames.size() + 1, e.frameNumber());
      assertTrue(e.byteOffset() >= reader.bytesConsumed() && e.byteOffset() < plain.length);
      assertTrue(e.byteOffset() > plain.length / 4, "got through a good part of the data");
      assertSame(e, assertThrows(CaptureFormatException.class, () -> reader.read(c, 1)));
    }
  }

  // ---------------------------------------------------------------- errors: pcapng

  @Test
  void unsupportedLinkTypeInPcapng() throws Exception {
    byte[] bytes =
        concat(
            sectionHeader(BE),
            interfaceDescription(BE, ETHERNET, 0, -1, null),
            interfaceDescription(BE, LINUX_SLL, 0, -1, null));
    CaptureFormatException e = readError("sll.pcapng", bytes);
    assertEquals(
        "sll.pcapng: byte 64: unsupported link type 113 (LINUX_SLL) on interface 1; vmflock reads"
            + " Ethernet captures (link type 1)",
        e.getMessage());
    assertEquals(SHB_LENGTH + PLAIN_IDB_LENGTH, e.byteOffset());
  }

  private static byte[] pcapngPrefix() {
    return concat(sectionHeader(LE), interfaceDescription(LE, ETHERNET, 0, -1, null));
  }

  @Test
  void pcapngBlockLengthNotMultipleOfFour() throws Exception {
    byte[] epb = enhancedPacket(LE, 0, 1, 60, seq(5, 0), false);
    epb[4] = 42; // leading length 40 -> 42
    CaptureFormatException e = readError("odd.pcapng", concat(pcapngPrefix(), epb));
    assertEquals(
        "odd.pcapng: byte 64 (frame 1): corrupt block: total length 42 is not a multiple of 4",
        e.getMessage());
  }

  @Test
  void pcapngBlockLengthTooSmall() throws Exception {
    byte[] epb = enhancedPacket(LE, 0, 1, 60, seq(5, 0), false);
    byte[] tiny = new ByteWriter(LE).u32(PCAPNG_CUSTOM).u32(8).toByteArray();
    CaptureFormatException e = readError("tiny.pcapng", concat(pcapngPrefix(), epb, tiny, epb));
    assertEquals(
        "tiny.pcapng: byte 104: corrupt block: total length 8 is less than 12", e.getMessage());
    assertEquals(0, e.frameNumber());
  }

  @Test
  void pcapngTrailingLengthMismatch() throws Exception {
    byte[] epb = enhancedPacket(LE, 0, 1, 60, seq(5, 0), false);
    byte[] bad = enhancedPacket(LE, 0, 2, 60, seq(5, 0), false);
    bad[bad.length - 4] = 44;
    CaptureFormatException e = readError("trail.pcapng", concat(pcapngPrefix(), epb, bad));
    assertEquals(
        "trail.pcapng: byte 104 (frame 2): corrupt block: trailing length 44 does not match"
            + " leading length 40",
        e.getMessage());
    // same check for a skipped block
    byte[] custom = block(LE, PCAPNG_CUSTOM, seq(8, 0));
    custom[custom.length - 4] = 16;
    CaptureFormatException skipped = readError("trail2.pcapng", concat(pcapngPrefix(), custom));
    assertEquals(
        "trail2.pcapng: byte 64: corrupt block: trailing length 16 does not match leading length"
            + " 20",
        skipped.getMessage());
  }

  @Test
  void pcapngTruncatedBlock() throws Exception {
    byte[] epb = enhancedPacket(LE, 0, 1, 60, seq(5, 0), false);
    CaptureFormatException e =
        readError("cut.pcapng", concat(pcapngPrefix(), Arrays.copyOf(epb, 20)));
    assertEquals(
        "cut.pcapng: byte 64 (frame 1): truncated block: header says 40 bytes, 20 left",
        e.getMessage());
    CaptureFormatException header =
        readError("cut2.pcapng", concat(pcapngPrefix(), Arrays.copyOf(epb, 6)));
    assertEquals(
        "cut2.pcapng: byte 64: truncated block header: 8 bytes expected, 6 left",
        header.getMessage());
  }

  @Test
  void pcapngBadByteOrderMagicAndUndescribedInterface() throws Exception {
    byte[] shb = sectionHeader(LE);
    shb[8] = 0x11;
    CaptureFormatException e = openError("bom.pcapng", shb);
    assertEquals(
        "bom.pcapng: byte 0: corrupt section header block: byte-order magic 0x1a2b3c11",
        e.getMessage());
    byte[] epb = enhancedPacket(LE, 3, 1, 60, seq(5, 0), false);
    CaptureFormatException iface = readError("iface.pcapng", concat(pcapngPrefix(), epb));
    assertEquals(
        "iface.pcapng: byte 64 (frame 1): corrupt packet block: interface 3 not described"
            + " (section has 1)",
        iface.getMessage());
  }

  // ---------------------------------------------------------------- real NPB captures

  /**
   * Expected numbers computed once with tcpdump 4.99.3 on the decompressed files: {@code tcpdump
   * -r X.A.4.pcap -nn -e | wc -l} for the frame count; the sum of the first {@code length N:}
   * field of {@code tcpdump -r X.A.4.pcap -nn -e -tt} (the frame length, i.e. orig_len) for the
   * bytes; the first and last {@code -tt} timestamps.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "cg.A.4, 105143, 146892600, 1795552332700917, 1795552334595224",
    "ep.A.4,    173,     25498, 1795552363516656, 1795552366399744",
    "is.A.4, 225329, 292646676, 1795552391301812, 1795552392777515",
    "mg.A.4,  82557, 108540258, 1795552351628111, 1795552353937392",
  })
  void npbCapturesMatchTcpdump(
      String run, long frames, long originalBytes, long firstMicros, long lastMicros)
      throws Exception {
    Path file = org.vmflock.testing.TestData.npb(run + ".pcap.gz");
    long[] sums = new long[2]; // original bytes, frames with captured length > 54
    long[] times = {Long.MIN_VALUE, Long.MIN_VALUE};
    FrameSink sink =
        (micros, original, buffer, offset, captured) -> {
          sums[0] += original;
          if (captured > 54) {
            sums[1]++;
          }
          if (times[0] == Long.MIN_VALUE) {
            times[0] = micros;
          }
          times[1] = micros;
        };
    try (CaptureFileReader reader = CaptureFileReader.open(file)) {
      long total = 0;
      for (long n; (n = reader.read(sink, 10_000)) > 0; ) {
        total += n;
      }
      assertEquals(frames, total);
      assertEquals(frames, reader.framesRead());
      assertEquals(originalBytes, sums[0]);
      assertEquals(0, sums[1]);
      assertEquals(firstMicros, times[0]);
      assertEquals(lastMicros, times[1]);
      assertEquals(54, reader.snapLength());
      assertTrue(reader.gzipped());
      assertFalse(reader.nanosecondResolution());
    }
  }

  // ---------------------------------------------------------------- helpers

  private Path write(String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  private static FrameCollector readAll(CaptureFileReader reader) throws Exception {
    FrameCollector c = new FrameCollector();
    readAll(reader, c);
    return c;
  }

  private static void readAll(CaptureFileReader reader, FrameCollector c) throws Exception {
    while (reader.read(c, Long.MAX_VALUE) > 0) {
      // read until the end
    }
  }

  /** The exception from opening the file. */
  private CaptureFormatException openError(String name, byte[] bytes) throws IOException {
    Path file = write(name, bytes);
    return assertThrows(CaptureFormatException.class, () -> CaptureFileReader.open(file).close());
  }

  /** The exception from opening or reading the file to its end, with small and large buffers. */
  private CaptureFormatException readError(String name, byte[] bytes) throws Exception {
    Path file = write(name, bytes);
    CaptureFormatException first = null;
    for (int bufferSize : new int[] {CaptureFileReader.DEFAULT_BUFFER_SIZE, 16}) {
      CaptureFormatException e =
          assertThrows(
              CaptureFormatException.class,
              () -> {
                try (CaptureFileReader reader = CaptureFileReader.open(file, bufferSize)) {
                  readAll(reader);
                }
              });
      assertEquals(file, e.file());
      if (first != null) {
        assertEquals(first.getMessage(), e.getMessage(), "same error whatever the buffer size");
      }
      first = e;
    }
    return first;
  }
}
