package org.vmflock.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {

  @Test
  void parsesColonSeparatedHexInNetworkOrder() {
    MacAddress m = MacAddress.parse("02:00:00:77:00:01");
    assertEquals(0x0200_0077_0001L, m.value());
    assertEquals("02:00:00:77:00:01", m.toString());
  }

  @Test
  void parsesDashSeparatorsUppercaseAndSurroundingBlanks() {
    MacAddress m = MacAddress.parse("  02-AB-cd-EF-00-0A ");
    assertEquals(0x02AB_CDEF_000AL, m.value());
    // printed lowercase with colons, two digits a byte
    assertEquals("02:ab:cd:ef:00:0a", m.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:fb", "33:33:00:00:00:01", "fe:dc:ba:98:76:54"})
  void roundTrips(String text) {
    assertEquals(text, MacAddress.parse(text).toString());
    assertEquals(MacAddress.parse(text), new MacAddress(MacAddress.parse(text).value()));
  }

  @Test
  void bytesAndReadAreInverse() {
    MacAddress m = MacAddress.parse("fe:dc:ba:98:76:54");
    byte[] b = m.bytes();
    assertArrayEquals(new byte[] {(byte) 0xfe, (byte) 0xdc, (byte) 0xba, (byte) 0x98, 0x76, 0x54}, b);
    byte[] buf = new byte[10];
    System.arraycopy(b, 0, buf, 3, 6);
    assertEquals(m.value(), MacAddress.read(buf, 3));
  }

  @Test
  void groupBitIsTheLowestBitOfTheFirstByte() {
    assertTrue(MacAddress.isGroup(MacAddress.parse("ff:ff:ff:ff:ff:ff").value()));
    assertTrue(MacAddress.isGroup(MacAddress.parse("01:00:5e:00:00:fb").value()));
    assertTrue(MacAddress.isGroup(MacAddress.parse("33:33:00:00:00:01").value()));
    assertFalse(MacAddress.isGroup(MacAddress.parse("02:00:00:77:00:01").value()));
    assertFalse(MacAddress.isGroup(MacAddress.parse("fe:ff:ff:ff:ff:ff").value()));
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "",
    "02:00:00:77:00",
    "02:00:00:77:00:01:02",
    "02:00:00:77:00:0g",
    "020:00:00:77:00:01",
    "02::00:77:00:01",
    "02:00:00:77:00:",
    "02:+1:00:77:00:01",
    "02:00:00:77:00:+f",
    "02:00:00:77:00: 1",
    "0200.0077.0001"
  })
  void invalidTextIsRejected(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
    assertTrue(e.getMessage().startsWith("invalid MAC address '" + text + "'"), e.getMessage());
  }

  @Test
  void valuesWiderThan48BitsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new MacAddress(1L << 48));
    assertThrows(IllegalArgumentException.class, () -> new MacAddress(-1L));
    assertEquals(0xFFFF_FFFF_FFFFL, new MacAddress(0xFFFF_FFFF_FFFFL).value());
  }
}
