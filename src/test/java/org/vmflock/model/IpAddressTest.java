package org.vmflock.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressTest {

  @Test
  void ipv4IsHeldInItsMappedFormAndPrintedAsDottedQuad() {
    IpAddress a = IpAddress.parse("10.77.0.1");
    // ::ffff:10.77.0.1 -> low = 0x0000_ffff_0a4d_0001
    assertEquals(0L, a.high());
    assertEquals(0x0000_FFFF_0A4D_0001L, a.low());
    assertTrue(a.isIpv4());
    assertEquals("10.77.0.1", a.toString());
    assertEquals(a, IpAddress.ofIpv4(0x0A4D_0001));
    assertEquals(a.low(), IpAddress.mappedLow(0x0A4D_0001));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0", "255.255.255.255", "192.168.1.254", "10.77.0.200", "128.0.0.1"})
  void ipv4RoundTrips(String text) {
    IpAddress a = IpAddress.parse(text);
    assertTrue(a.isIpv4());
    assertEquals(text, a.toString());
    assertEquals(a, IpAddress.parse(a.toString()));
  }

  @Test
  void ipv4WithHighBitSetIsNotSignExtended() {
    // 255.255.255.255 as an int is -1: the mapped low must still be 0x0000_ffff_ffff_ffff
    assertEquals(0x0000_FFFF_FFFF_FFFFL, IpAddress.ofIpv4(-1).low());
    assertEquals("255.255.255.255", IpAddress.ofIpv4(-1).toString());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    // leading zeros dropped, lowercase, longest zero run compressed
    "2001:0DB8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
    "FD77::1, fd77::1",
    "[fd77::1], fd77::1",
    "'  fd77::c8  ', fd77::c8",
    // the longest run wins: 2 zeros then 3 zeros -> the 3 are compressed
    "2001:db8:0:0:1:0:0:0, 2001:db8:0:0:1::",
    "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
    // tie between two runs of two: the first one is compressed
    "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
    // a single zero group is never compressed
    "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
    "2001:db8:1:1:1:1:1:0, 2001:db8:1:1:1:1:1:0",
    // runs at the edges
    "::, ::",
    "::1, ::1",
    "1::, 1::",
    "fe80:0:0:0:0:0:0:0, fe80::",
    "0:0:0:0:0:0:0:1, ::1",
    "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    // IPv4-compatible (deprecated) is IPv6, not the mapped form
    "::1.2.3.4, ::102:304"
  })
  void ipv6PrintsInRfc5952Form(String input, String canonical) {
    IpAddress a = IpAddress.parse(input);
    assertFalse(a.isIpv4());
    assertEquals(canonical, a.toString());
    assertEquals(a, IpAddress.parse(canonical));
  }

  @Test
  void ipv6FromTheTwoLongsPrintsCanonically() {
    assertEquals("2001:db8::1", new IpAddress(0x2001_0DB8_0000_0000L, 1L).toString());
    assertEquals("fd77::1:0:0:1", new IpAddress(0xFD77_0000_0000_0000L, 0x0001_0000_0000_0001L).toString());
    assertEquals("::", new IpAddress(0, 0).toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"::ffff:10.77.0.1", "::FFFF:0a4d:0001", "0:0:0:0:0:ffff:10.77.0.1", "[::ffff:10.77.0.1]"})
  void ipv4MappedIpv6IsTheIpv4Address(String text) {
    IpAddress a = IpAddress.parse(text);
    assertTrue(a.isIpv4());
    assertEquals(IpAddress.parse("10.77.0.1"), a);
    assertEquals("10.77.0.1", a.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "localhost",
    "host.example.org",
    "fileserver",
    "10.1.1",
    "256.1.1.1",
    "1.2.3.4.5",
    "1..2.3",
    "1.2.3.",
    ".1.2.3",
    "1.2.3.-4",
    "1.2.3.+4",
    "1.2.3.0004",
    "1.2.3.4:80",
    "fd77::1%eth0",
    "fe80::1%1",
    "",
    "   ",
    "fd77:::1",
    "1:2:3:4:5:6:7:8:9",
    "g::1",
    "fd77::1::2",
    "[fd77::1",
    ".1::2", // not a literal for InetAddress: it would be looked up as a host name
    "::1.2.3",
    "\u0661\u0660.1.1.1" // Arabic-Indic digits "10"
  })
  void invalidAddressesAreRejectedNamingTheText(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpAddress.parse(text));
    assertEquals("invalid IP address '" + text + "'", e.getMessage());
  }

  @Test
  void orderIsUnsignedIpv4First() {
    List<IpAddress> list = new ArrayList<>(List.of(
        IpAddress.parse("ffff::1"),
        IpAddress.parse("fd77::1"),
        IpAddress.parse("2001:db8::1"),
        IpAddress.parse("10.77.0.200"),
        IpAddress.parse("10.77.0.3"),
        IpAddress.parse("200.0.0.1")));
    list.sort(null);
    assertEquals(
        List.of("10.77.0.3", "10.77.0.200", "200.0.0.1", "2001:db8::1", "fd77::1", "ffff::1"),
        list.stream().map(IpAddress::toString).toList());
  }
}
