package org.vmflock.monitor.traffic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmflock.model.IpAddress;
import org.vmflock.model.MacAddress;
import org.vmflock.model.PeriodGrid;
import org.vmflock.model.VmEndpoint;

class TrafficCounterTest {

  private static final PeriodGrid GRID = PeriodGrid.of(Duration.ofSeconds(30));
  /** 1_700_000_010 s is a multiple of 30 s: the start of period P. */
  private static final long T0 = 1_700_000_010_000_000L;
  private static final long P = 56_666_667L;
  private static final long SECOND = 1_000_000L;

  private static final String MAC1 = "02:00:00:77:00:01";
  private static final String MAC2 = "02:00:00:77:00:02";
  private static final String MAC3 = "02:00:00:77:00:03"; // a VM of another host
  private static final String GATEWAY = "02:00:00:00:00:fe";
  private static final String BROADCAST = "ff:ff:ff:ff:ff:ff";

  private static final VmEndpoint VM1 = vm("vm1", MAC1, "10.77.0.1", "fd77::1");
  private static final VmEndpoint VM2 = vm("vm2", MAC2, "10.77.0.2", "fd77::2");
  private static final List<IpAddress> FILE_SERVERS = List.of(IpAddress.parse("10.77.0.200"), IpAddress.parse("fd77::c8"));

  private static VmEndpoint vm(String name, String mac, String... addresses) {
    return new VmEndpoint(name, "site1", MacAddress.parse(mac), Arrays.stream(addresses).map(IpAddress::parse).toList());
  }

  private static TrafficCounter counter() {
    return new TrafficCounter("h1", GRID, List.of(VM1, VM2), FILE_SERVERS);
  }

  private static TrafficCounter counterWithoutFileServers() {
    return new TrafficCounter("h1", GRID, List.of(VM1, VM2), List.of());
  }

  // ---------------------------------------------------------------- frame builder

  /** Builds an Ethernet frame byte by byte, independently of the counter. */
  static final class Frame {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static Frame eth(String dst, String src) {
      Frame f = new Frame();
      f.raw(MacAddress.parse(dst).bytes()).raw(MacAddress.parse(src).bytes());
      return f;
    }

    Frame u8(int v) {
      out.write(v & 0xFF);
      return this;
    }

    Frame u16(int v) {
      return u8(v >>> 8).u8(v);
    }

    Frame raw(byte[] b) {
      out.write(b, 0, b.length);
      return this;
    }

    /** An 802.1Q tag: TPID 0x8100 and the VLAN id (then the next ethertype or tag follows). */
    Frame vlan(int id) {
      return u16(0x8100).u16(id & 0x0FFF);
    }

    /** An 802.1ad service tag: TPID 0x88A8. */
    Frame serviceTag(int id) {
      return u16(0x88A8).u16(id & 0x0FFF);
    }

    Frame etherType(int type) {
      return u16(type);
    }

    /** Ethertype 0x0800 and a 20-byte IPv4 header (protocol UDP). */
    Frame ipv4(String src, String dst, int payload) {
      byte[] s = ipv4Bytes(src);
      byte[] d = ipv4Bytes(dst);
      etherType(0x0800);
      u8(0x45).u8(0).u16(20 + payload).u16(0x1234).u16(0x4000).u8(64).u8(17).u16(0);
      return raw(s).raw(d).raw(new byte[payload]);
    }

    /** Ethertype 0x86DD and a 40-byte IPv6 header (next header TCP). */
    Frame ipv6(String src, String dst, int payload) {
      etherType(0x86DD);
      u8(0x60).u8(0).u16(0).u16(payload).u8(6).u8(64);
      return raw(ipv6Bytes(src)).raw(ipv6Bytes(dst)).raw(new byte[payload]);
    }

    /** Ethertype 0x0806 and a 28-byte ARP request. */
    Frame arp() {
      etherType(0x0806);
      return raw(new byte[28]);
    }

    byte[] bytes() {
      return out.toByteArray();
    }

    private static byte[] ipv4Bytes(String text) {
      IpAddress a = IpAddress.parse(text);
      int v = (int) a.low();
      return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static byte[] ipv6Bytes(String text) {
      IpAddress a = IpAddress.parse(text);
      byte[] b = new byte[16];
      for (int i = 0; i < 8; i++) {
        b[i] = (byte) (a.high() >>> (56 - 8 * i));
        b[8 + i] = (byte) (a.low() >>> (56 - 8 * i));
      }
      return b;
    }
  }

  /**
   * Hands a frame to the counter inside a larger buffer: at offset 7, followed by 64 bytes of
   * 0xEE, so that reading outside {@code [offset, offset + capturedLength)} shows.
   */
  private static void feed(TrafficCounter c, long micros, int originalLength, byte[] frame, int capturedLength) {
    byte[] buf = new byte[7 + frame.length + 64];
    Arrays.fill(buf, (byte) 0xEE);
    System.arraycopy(frame, 0, buf, 7, frame.length);
    c.frame(micros, originalLength, buf, 7, capturedLength);
  }

  /** Captured whole; the wire length may be larger (the frame was cut to the snap length). */
  private static void feed(TrafficCounter c, long micros, int originalLength, byte[] frame) {
    feed(c, micros, originalLength, frame, frame.length);
  }

  private static HostTraffic host(long period, long unknownFrames, long unknownBytes, long multicastFrames, long multicastBytes,
      long malformedFrames, long malformedBytes) {
    return new HostTraffic("h1", period, unknownFrames, unknownBytes, multicastFrames, multicastBytes, malformedFrames, malformedBytes);
  }

  // ---------------------------------------------------------------- received

  @Test
  void ipv4FramesReceivedAreCountedPerSourceAddressWithTheirWireLength() {
    TrafficCounter c = counter();
    byte[] fromVm2 = Frame.eth(MAC1, MAC2).ipv4("10.77.0.2", "10.77.0.1", 1480).bytes(); // 14 + 20 + 1480 = 1514
    feed(c, T0 + SECOND, 1514, fromVm2);
    feed(c, T0 + 2 * SECOND, 1514, fromVm2);
    // cut to 54 bytes like the NPB captures: bytes counted are still the 1514 on the wire
    feed(c, T0 + 3 * SECOND, 1514, Arrays.copyOf(fromVm2, 54));
    feed(c, T0 + 4 * SECOND, 100, Frame.eth(MAC1, MAC3).ipv4("10.77.0.3", "10.77.0.1", 66).bytes());
    assertEquals(4, c.pendingFrames());

    CountedTraffic out = c.drain();
    assertEquals(4, out.frames());
    assertEquals(List.of(), out.hosts());
    // vm1 from 10.77.0.2: 3 frames, 3 * 1514 = 4542 bytes; from 10.77.0.3: 1 frame of 100
    assertEquals(List.of(new VmTraffic("vm1", P,
            List.of(new PeerTraffic("10.77.0.2", 3, 4542), new PeerTraffic("10.77.0.3", 1, 100)),
            List.of(), 0, 0)),
        out.vms());
    assertEquals(4, out.vms().get(0).receivedPackets());
    assertEquals(4642, out.vms().get(0).receivedBytes());
  }

  @Test
  void ipv6FramesReceivedAreCountedPerSourceAddressInRfc5952Form() {
    TrafficCounter c = counter();
    feed(c, T0, 1000, Frame.eth(MAC2, MAC1).ipv6("fd77::1", "fd77::2", 946).bytes()); // 14 + 40 + 946
    feed(c, T0 + 1, 86, Frame.eth(MAC2, MAC1).ipv6("FD77:0:0:0:0:0:0:1", "fd77::2", 32).bytes());
    feed(c, T0 + 2, 200, Frame.eth(MAC2, GATEWAY).ipv6("2001:db8:0:0:1:0:0:1", "fd77::2", 0).bytes(), 54);
    feed(c, T0 + 3, 70, Frame.eth(MAC2, GATEWAY).ipv4("192.168.10.254", "10.77.0.2", 36).bytes());

    CountedTraffic out = c.drain();
    // peers sorted by address: IPv4 (mapped, high = 0) first, then 2001:... before fd77:...
    assertEquals(List.of(new VmTraffic("vm2", P,
            List.of(
                new PeerTraffic("192.168.10.254", 1, 70),
                new PeerTraffic("2001:db8::1:0:0:1", 1, 200),
                new PeerTraffic("fd77::1", 2, 1086)),
            List.of(), 0, 0)),
        out.vms());
  }

  @Test
  void framesOfSeveralVmsOfTheHostAreSeparatedByDestinationMac() {
    TrafficCounter c = counter();
    feed(c, T0, 100, Frame.eth(MAC1, MAC2).ipv4("10.77.0.2", "10.77.0.1", 66).bytes());
    feed(c, T0, 200, Frame.eth(MAC2, MAC1).ipv4("10.77.0.1", "10.77.0.2", 166).bytes());
    feed(c, T0, 300, Frame.eth(MAC2, MAC3).ipv4("10.77.0.3", "10.77.0.2", 266).bytes());
    feed(c, T0, 400, Frame.eth(MAC1, MAC3).ipv6("fd77::3", "fd77::1", 346).bytes());

    CountedTraffic out = c.drain();
    // VMs in the order the counter was given them
    assertEquals(List.of(
            new VmTraffic("vm1", P, List.of(new PeerTraffic("10.77.0.2", 1, 100), new PeerTraffic("fd77::3", 1, 400)), List.of(), 0, 0),
            new VmTraffic("vm2", P, List.of(new PeerTraffic("10.77.0.1", 1, 200), new PeerTraffic("10.77.0.3", 1, 300)), List.of(), 0, 0)),
        out.vms());
    assertEquals(List.of(), out.hosts());
  }

  @Test
  void manyPeersAreAllKept() {
    TrafficCounter c = counter();
    // 300 sources (the peer table grows several times); source k sends k frames of 60 + k bytes
    for (int k = 1; k <= 300; k++) {
      String src = "10.1." + (k / 256) + "." + (k % 256);
      for (int i = 0; i < k; i++) {
        feed(c, T0 + k, 60 + k, Frame.eth(MAC1, GATEWAY).ipv4(src, "10.77.0.1", 26).bytes());
      }
    }
    VmTraffic vm1 = c.drain().vms().get(0);
    assertEquals(300, vm1.received().size());
    for (int k = 1; k <= 300; k++) {
      PeerTraffic peer = vm1.received().get(k - 1); // address order = k order
      assertEquals(new PeerTraffic("10.1." + (k / 256) + "." + (k % 256), k, (long) k * (60 + k)), peer);
    }
    // sum k for k=1..300 = 45150 frames
    assertEquals(45_150, vm1.receivedPackets());
  }

  // ---------------------------------------------------------------- non-IP, host counters

  @Test
  void nonIpFramesToAVmAreCountedAsNonIp() {
    TrafficCounter c = counter();
    feed(c, T0, 60, Frame.eth(MAC1, MAC2).arp().bytes()); // 42 captured, 60 on the wire (padding)
    feed(c, T0, 64, Frame.eth(MAC1, MAC2).vlan(10).arp().bytes());
    feed(c, T0, 80, Frame.eth(MAC1, MAC2).etherType(0x88CC).raw(new byte[20]).bytes()); // LLDP

    CountedTraffic out = c.drain();
    assertEquals(List.of(new VmTraffic("vm1", P, List.of(), List.of(), 3, 204)), out.vms());
    assertEquals(List.of(), out.hosts());
  }

  @Test
  void framesForUnknownUnicastMacsAndGroupAddressesAreCountedPerHost() {
    TrafficCounter c = counter();
    feed(c, T0, 90, Frame.eth(MAC3, MAC1).ipv4("10.77.0.1", "10.77.0.3", 56).bytes()); // a VM of another host
    feed(c, T0, 95, Frame.eth("02:00:00:77:00:09", GATEWAY).arp().bytes());
    feed(c, T0, 60, Frame.eth(BROADCAST, MAC1).arp().bytes());
    feed(c, T0, 70, Frame.eth("01:00:5e:00:00:fb", MAC1).ipv4("10.77.0.1", "224.0.0.251", 36).bytes());
    feed(c, T0, 86, Frame.eth("33:33:00:00:00:01", MAC2).ipv6("fe80::2", "ff02::1", 32).bytes());

    CountedTraffic out = c.drain();
    assertEquals(5, out.frames());
    assertEquals(List.of(), out.vms());
    // unknown: 90 + 95 = 185; multicast/broadcast: 60 + 70 + 86 = 216
    assertEquals(List.of(host(P, 2, 185, 3, 216, 0, 0)), out.hosts());
    assertEquals(5, out.hosts().get(0).frames());
  }

  @Test
  void truncatedFramesAreCountedAsMalformed() {
    TrafficCounter c = counter();
    byte[] ipv4 = Frame.eth(MAC1, MAC2).ipv4("10.77.0.2", "10.77.0.1", 100).bytes();
    byte[] ipv6 = Frame.eth(MAC1, MAC2).ipv6("fd77::2", "fd77::1", 100).bytes();
    byte[] vlan = Frame.eth(MAC1, MAC2).vlan(7).ipv4("10.77.0.2", "10.77.0.1", 100).bytes();
    byte[] qinq = Frame.eth(MAC1, MAC2).serviceTag(100).vlan(7).ipv4("10.77.0.2", "10.77.0.1", 100).bytes();
    feed(c, T0, 1000, ipv4, 13);     // shorter than an Ethernet header
    feed(c, T0, 1001, ipv4, 0);      // nothing captured
    feed(c, T0, 1002, ipv4, 33);     // IPv4 header cut: 14 + 19
    feed(c, T0, 1003, ipv6, 53);     // IPv6 header cut: 14 + 39
    feed(c, T0, 1004, vlan, 17);     // VLAN tag cut: 14 + 3
    feed(c, T0, 1005, qinq, 21);     // inner tag of QinQ cut: 14 + 4 + 3
    feed(c, T0, 1006, vlan, 37);     // IPv4 header after the tag cut: 18 + 19

    CountedTraffic out = c.drain();
    assertEquals(List.of(), out.vms());
    // 7 frames, 1000 + ... + 1006 = 7021 bytes
    assertEquals(List.of(host(P, 0, 0, 0, 0, 7, 7021)), out.hosts());
  }

  @Test
  void exactlyTheHeadersAreEnoughToCount() {
    TrafficCounter c = counter();
    feed(c, T0, 1514, Frame.eth(MAC1, MAC2).ipv4("10.77.0.2", "10.77.0.1", 0).bytes()); // 34 bytes
    feed(c, T0, 1514, Frame.eth(MAC1, MAC2).ipv6("fd77::2", "fd77::1", 0).bytes());     // 54 bytes
    feed(c, T0, 60, Frame.eth(MAC1, MAC2).bytes(), 12); // no ethertype: malformed
    feed(c, T0, 60, Frame.eth(MAC1, MAC2).etherType(0x0806).bytes()); // 14 bytes: a non-IP frame
    CountedTraffic out = c.drain();
    assertEquals(List.of(new VmTraffic("vm1", P,
            List.of(new PeerTraffic("10.77.0.2", 1, 1514), new PeerTraffic("fd77::2", 1, 1514)), List.of(), 1, 60)),
        out.vms());
    assertEquals(List.of(host(P, 0, 0, 0, 0, 1, 60)), out.hosts());
  }

  @Test
  void vlanAndQinqTagsAreSkipped() {
    TrafficCounter c = counter();
    feed(c, T0, 118, Frame.eth(MAC1, MAC2).vlan(10).ipv4("10.77.0.2", "10.77.0.1", 80).bytes());
    feed(c, T0, 122, Frame.eth(MAC1, MAC2).serviceTag(100).vlan(10).ipv4("10.77.0.2", "10.77.0.1", 80).bytes());
    feed(c, T0, 122, Frame.eth(MAC1, MAC2).vlan(100).vlan(10).ipv6("fd77::2", "fd77::1", 60).bytes());
    feed(c, T0, 126, Frame.eth(MAC2, MAC1).serviceTag(5).serviceTag(6).vlan(7).ipv6("fd77::1", "fd77::2", 60).bytes());

    CountedTraffic out = c.drain();
    assertEquals(List.of(
            new VmTraffic("vm1", P, List.of(new PeerTraffic("10.77.0.2", 2, 240), new PeerTraffic("fd77::2", 1, 122)), List.of(), 0, 0),
            new VmTraffic("vm2", P, List.of(new PeerTraffic("fd77::1", 1, 126)), List.of(), 0, 0)),
        out.vms());
    assertEquals(List.of(), out.hosts());
  }

  // ---------------------------------------------------------------- file servers

  @Test
  void framesAVmSendsToAFileServerAreCountedAsSentToIt() {
    TrafficCounter c = counter();
    feed(c, T0, 1000, Frame.eth(GATEWAY, MAC1).ipv4("10.77.0.1", "10.77.0.200", 966).bytes());
    feed(c, T0, 1000, Frame.eth(GATEWAY, MAC1).ipv4("10.77.0.1", "10.77.0.200", 966).bytes(), 40);
    feed(c, T0, 500, Frame.eth(GATEWAY, MAC1).vlan(3).ipv6("fd77::1", "fd77::c8", 406).bytes());
    feed(c, T0, 300, Frame.eth(GATEWAY, MAC2).ipv6("fd77::2", "FD77:0:0:0:0:0:0:C8", 206).bytes());

    CountedTraffic out = c.drain();
    assertEquals(List.of(
            new VmTraffic("vm1", P, List.of(),
                List.of(new PeerTraffic("10.77.0.200", 2, 2000), new PeerTraffic("fd77::c8", 1, 500)), 0, 0),
            new VmTraffic("vm2", P, List.of(), List.of(new PeerTraffic("fd77::c8", 1, 300)), 0, 0)),
        out.vms());
    assertEquals(List.of(), out.hosts());
  }

  @Test
  void withoutFileServerConfiguredTheSameFramesHaveAnUnknownDestination() {
    TrafficCounter c = counterWithoutFileServers();
    feed(c, T0, 1000, Frame.eth(GATEWAY, MAC1).ipv4("10.77.0.1", "10.77.0.200", 966).bytes());
    feed(c, T0, 500, Frame.eth(GATEWAY, MAC1).ipv6("fd77::1", "fd77::c8", 406).bytes());

    CountedTraffic out = c.drain();
    assertEquals(List.of(), out.vms());
    assertEquals(List.of(host(P, 2, 1500, 0, 0, 0, 0)), out.hosts());
  }

  @Test
  void onlyFramesFromAVmOfTheHostToAFileServerAddressCountAsSent() {
    TrafficCounter c = counter();
    // from a VM to an address that is no file server
    feed(c, T0, 100, Frame.eth(GATEWAY, MAC1).ipv4("10.77.0.1", "10.77.0.201", 66).bytes());
    // to a file server, but from a MAC that is no VM of this host
    feed(c, T0, 200, Frame.eth(GATEWAY, MAC3).ipv4("10.77.0.3", "10.77.0.200", 166).bytes());
    // to a file server, header cut before the destination address
    feed(c, T0, 300, Frame.eth(GATEWAY, MAC1).ipv4("10.77.0.1", "10.77.0.200", 166).bytes(), 30);
    // to a file server's address in a non-IP frame
    feed(c, T0, 60, Frame.eth(GATEWAY, MAC1).arp().bytes());

    CountedTraffic out = c.drain();
    assertEquals(List.of(), out.vms());
    assertEquals(List.of(host(P, 4, 660, 0, 0, 0, 0)), out.hosts());
  }

  @Test
  void aFileServerSendingToAVmCountsAsReceivedByTheVm() {
    TrafficCounter c = counter();
    feed(c, T0, 1514, Frame.eth(MAC1, GATEWAY).ipv4("10.77.0.200", "10.77.0.1", 1480).bytes());
    assertEquals(List.of(new VmTraffic("vm1", P, List.of(new PeerTraffic("10.77.0.200", 1, 1514)), List.of(), 0, 0)), c.drain().vms());
  }

  // ---------------------------------------------------------------- periods, drain

  @Test
  void framesLandInThePeriodOfTheirTimestampEvenOutOfOrder() {
    TrafficCounter c = counter();
    byte[] f = Frame.eth(MAC1, MAC2).ipv4("10.77.0.2", "10.77.0.1", 26).bytes();
    byte[] bcast = Frame.eth(BROADCAST, MAC2).arp().bytes();
    feed(c, T0 + 30 * SECOND - 1, 101, f);  // last microsecond of P
    feed(c, T0 + 30 * SECOND, 102, f);      // first microsecond of P+1
    feed(c, T0 + 65 * SECOND, 103, f);      // P+2
    feed(c, T0 + 5 * SECOND, 104, f);       // back in P
    feed(c, T0 + 31 * SECOND, 60, bcast);   // P+1, host counter
    feed(c, T0 - 1, 105, f);                // P-1, before everything else
    assertEquals(T0 + 65 * SECOND, c.lastTimestampMicros());

    CountedTraffic out = c.drain();
    assertEquals(6, out.frames());
    assertEquals(List.of(
            new VmTraffic("vm1", P - 1, List.of(new PeerTraffic("10.77.0.2", 1, 105)), List.of(), 0, 0),
            new VmTraffic("vm1", P, List.of(new PeerTraffic("10.77.0.2", 2, 205)), List.of(), 0, 0),
            new VmTraffic("vm1", P + 1, List.of(new PeerTraffic("10.77.0.2", 1, 102)), List.of(), 0, 0),
            new VmTraffic("vm1", P + 2, List.of(new PeerTraffic("10.77.0.2", 1, 103)), List.of(), 0, 0)),
        out.vms());
    assertEquals(List.of(host(P + 1, 0, 0, 1, 60, 0, 0)), out.hosts());
  }

  @Test
  void drainHandsOverEverythingAndStartsAfresh() {
    TrafficCounter c = counter();
    byte[] f = Frame.eth(MAC1, MAC2).ipv4("10.77.0.2", "10.77.0.1", 26).bytes();
    feed(c, T0, 100, f);
    feed(c, T0, 13, f, 13);
    CountedTraffic first = c.drain();
    assertEquals(2, first.frames());
    assertEquals(0, c.pendingFrames());

    CountedTraffic empty = c.drain();
    assertTrue(empty.isEmpty());
    assertEquals(List.of(), empty.vms());
    assertEquals(List.of(), empty.hosts());

    // counts after a drain do not include what was drained before, even in the same period
    feed(c, T0 + 1, 200, f);
    assertEquals(1, c.pendingFrames());
    CountedTraffic second = c.drain();
    assertEquals(List.of(new VmTraffic("vm1", P, List.of(new PeerTraffic("10.77.0.2", 1, 200)), List.of(), 0, 0)), second.vms());
    assertEquals(List.of(), second.hosts());
    assertEquals(T0 + 1, c.lastTimestampMicros());
    assertSame(CountedTraffic.none().getClass(), c.drain().getClass());
    assertTrue(c.drain().isEmpty());
  }

  @Test
  void aHostWithoutVmsCountsEverythingAsHostTraffic() {
    TrafficCounter c = new TrafficCounter("h1", GRID, List.of(), FILE_SERVERS);
    feed(c, T0, 100, Frame.eth(MAC1, MAC2).ipv4("10.77.0.2", "10.77.0.1", 66).bytes());
    feed(c, T0, 200, Frame.eth(GATEWAY, MAC1).ipv4("10.77.0.1", "10.77.0.200", 166).bytes());
    CountedTraffic out = c.drain();
    assertEquals(List.of(), out.vms());
    assertEquals(List.of(host(P, 2, 300, 0, 0, 0, 0)), out.hosts());
  }
}
