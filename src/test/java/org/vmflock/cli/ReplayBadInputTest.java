package org.vmflock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.testing.Cli;
import org.vmflock.testing.TestData;

/**
 * Bad input to replay (and query) gets one clear line naming the file and the position, a non-zero
 * exit code, and leaves nothing half-written: the output directory is not created and no staging
 * directory remains.
 */
class ReplayBadInputTest {

  private static final int PCAP_HEADER = 24;
  private static final int RECORD_HEADER = 16;

  @TempDir static Path dir;
  private static byte[] ep;

  @BeforeAll
  static void decompress() throws Exception {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(TestData.npb("ep.A.4.pcap.gz")))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      ep = out.toByteArray();
    }
  }

  private static Path write(String name, byte[] content) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  /** Runs replay into a fresh directory and checks nothing was left behind there. */
  private static Cli.Run replay(Object vms, Object pcap, Object... more) throws Exception {
    Path parent = Files.createTempDirectory(dir, "run");
    Path out = parent.resolve("out");
    Object[] args = Stream.concat(Stream.of("replay", "-q", "--vms", vms, "--out", out), Stream.concat(Arrays.stream(more), Stream.of(pcap))).toArray();
    Cli.Run r = Cli.run(args);
    try (Stream<Path> left = Files.list(parent)) {
      assertEquals(List.of(), left.toList(), "nothing written when the input is refused");
    }
    return r;
  }

  /** The whole of stderr is one line (a usage error adds a pointer to --help): no stack trace after it. */
  static void assertOneLineError(Cli.Run r, String... fragments) {
    assertEquals(ExitCode.INVALID_INPUT, r.exitCode(), r.err());
    List<String> lines = r.err().lines().toList();
    boolean usage = lines.size() == 2 && lines.get(1).matches("\\(see vmflock.* --help\\)");
    assertTrue(lines.size() == 1 || usage, "one line, not:\n" + r.err());
    String first = lines.get(0);
    for (String f : fragments) {
      assertTrue(first.contains(f), "'" + f + "' in: " + first);
    }
  }

  @Test
  void aTruncatedCaptureIsRefusedWithItsPosition() throws Exception {
    // cut inside the 11th record: the error names the offset of that record
    int offset = PCAP_HEADER;
    for (int i = 0; i < 10; i++) {
      offset += RECORD_HEADER + ByteBuffer.wrap(ep, offset + 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }
    Path cut = write("cut.pcap", Arrays.copyOf(ep, offset + RECORD_HEADER + 5));
    Cli.Run r = replay(TestData.npb("vms4.csv"), cut);
    assertOneLineError(r, "cut.pcap: byte " + offset + " (frame 11): truncated record");
  }

  @Test
  void aCorruptRecordHeaderIsRefused() throws Exception {
    byte[] bad = ep.clone();
    ByteBuffer.wrap(bad, PCAP_HEADER + 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(70_000); // caplen
    Cli.Run r = replay(TestData.npb("vms4.csv"), write("corrupt.pcap", bad));
    assertOneLineError(r, "corrupt.pcap: byte 24 (frame 1): corrupt record header");
  }

  @Test
  void anUnsupportedLinkTypeIsNamed() throws Exception {
    byte[] sll = ep.clone();
    ByteBuffer.wrap(sll, 20, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(113);
    Cli.Run r = replay(TestData.npb("vms4.csv"), write("sll.pcap", sll));
    assertOneLineError(r, "sll.pcap", "LINUX_SLL");
  }

  @Test
  void somethingThatIsNotACaptureIsRefused() throws Exception {
    Cli.Run r = replay(TestData.npb("vms4.csv"), TestData.npb("vms4.csv"));
    assertOneLineError(r, "vms4.csv", "not a pcap or pcapng file");
  }

  @Test
  void aMissingCaptureIsRefused() throws Exception {
    assertOneLineError(replay(TestData.npb("vms4.csv"), dir.resolve("nowhere.pcap")), "nowhere.pcap: no such capture file");
  }

  @Test
  void aMalformedVmFileIsRefusedWithItsLine() throws Exception {
    Path vms = write("vms.csv", "vm,ip,mac\nvm1,10.0.0.1,02:00:00:77:00:01\nvm2,10.0.0.2,02:00:00:77:zz:02\n".getBytes());
    assertOneLineError(replay(vms, TestData.npb("ep.A.4.pcap.gz")), "vms.csv:3: column 'mac': invalid MAC address '02:00:00:77:zz:02'");
    Path dup = write("dup.csv", "vm,ip,mac\nvm1,10.0.0.1,02:00:00:77:00:01\nvm2,10.0.0.1,02:00:00:77:00:02\n".getBytes());
    assertOneLineError(replay(dup, TestData.npb("ep.A.4.pcap.gz")), "dup.csv:3: address 10.0.0.1 belongs to both vm1 and vm2");
  }

  @Test
  void badOptionsAreRefused() throws Exception {
    assertOneLineError(replay(TestData.npb("vms4.csv"), TestData.npb("ep.A.4.pcap.gz"), "--pace", "fast"), "--pace", "invalid pace 'fast'");
    assertOneLineError(replay(TestData.npb("vms4.csv"), TestData.npb("ep.A.4.pcap.gz"), "--period", "ten"), "invalid duration 'ten'");
    assertOneLineError(replay(TestData.npb("vms4.csv"), TestData.npb("ep.A.4.pcap.gz"), "--set", "vmflock.collector.retention-periods=-1"),
        "vmflock.collector.retention-periods is between 0 and 10000000, not -1");
    assertOneLineError(replay(TestData.npb("vms4.csv"), TestData.npb("ep.A.4.pcap.gz"), "--period", "1ms"),
        "vmflock.monitor.period is between PT0.1S and PT24H, not 1ms");
  }

  @Test
  void aNonEmptyOutputDirectoryIsKeptUnlessForced() throws Exception {
    Path out = Files.createDirectories(dir.resolve("kept"));
    Files.writeString(out.resolve("notes.txt"), "mine");
    Cli.Run r = Cli.run("replay", "-q", "--vms", TestData.npb("vms4.csv"), "--out", out, TestData.npb("ep.A.4.pcap.gz"));
    assertEquals(ExitCode.INVALID_INPUT, r.exitCode());
    assertTrue(r.err().contains("is not empty (use --force to replace it)"), r.err());
    assertEquals("mine", Files.readString(out.resolve("notes.txt")));
    Cli.Run forced = Cli.run("replay", "-q", "--force", "--vms", TestData.npb("vms4.csv"), "--out", out, TestData.npb("ep.A.4.pcap.gz"));
    assertEquals(0, forced.exitCode(), forced.err());
    assertFalse(Files.exists(out.resolve("notes.txt")));
    assertTrue(Files.exists(out.resolve("total.bytes.csv")));
  }

  @Test
  void queryRefusesWhatIsNotAJournal() throws Exception {
    Cli.Run r = Cli.run("query", "--journal", dir, "--type", "mean", "--periods", 1);
    assertOneLineError(r, "no vmflock journal here");
    Cli.Run t = Cli.run("query", "--journal", dir, "--type", "median", "--periods", 1);
    assertOneLineError(t, "unknown query type 'median'");
  }

  @Test
  void capturesWhoseTimestampsJumpByDecadesAreRefusedNotMaterialised() throws Exception {
    // a record in 1975, the next in 2038: every empty 30 s period in between used to be closed (OutOfMemoryError)
    byte[] jump = Arrays.copyOf(ep, ep.length);
    int second = PCAP_HEADER + RECORD_HEADER + ByteBuffer.wrap(ep, PCAP_HEADER + 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    ByteBuffer.wrap(jump, PCAP_HEADER, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(157_766_400); // 1975-01-01
    for (int off = second; off + RECORD_HEADER <= jump.length; ) {
      ByteBuffer.wrap(jump, off, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(2_145_916_800); // 2038-01-01
      off += RECORD_HEADER + ByteBuffer.wrap(jump, off + 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }
    Cli.Run r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(120),
        () -> replay(TestData.npb("vms4.csv"), write("jump.pcap", jump)));
    assertOneLineError(r, "jump.pcap: frame 2: its time 2038-01-01T00:00:00.5", "66271680 periods after the first frame (1975-01-01T00:00:00.5",
        "a replay spans at most 100000 periods");
  }

  @Test
  void aVmFileOfAHundredThousandVmsIsRefusedAtOnce() throws Exception {
    StringBuilder csv = new StringBuilder("vm,ip,mac\n");
    for (int i = 0; i < 100_000; i++) {
      csv.append(String.format("vm%d,10.%d.%d.%d,02:00:%02x:%02x:%02x:01%n", i, i >> 16, (i >> 8) & 0xFF, i & 0xFF, i >> 16, (i >> 8) & 0xFF, i & 0xFF));
    }
    Path vms = write("huge.csv", csv.toString().getBytes());
    Cli.Run r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
        () -> replay(vms, TestData.npb("ep.A.4.pcap.gz")));
    assertOneLineError(r, "huge.csv:1026: more than 1024 VMs");
  }

  @Test
  void aQueryForABillionPeriodsIsRefused() {
    Cli.Run r = Cli.run("query", "--journal", dir, "--type", "mean", "--periods", 1_000_000_000);
    assertOneLineError(r, "--periods", "between 1 and 100000, not 1000000000");
  }
}
