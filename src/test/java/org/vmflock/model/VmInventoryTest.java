package org.vmflock.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.testing.TestData;

class VmInventoryTest {

  private static final String SRC = "VMS.csv";

  @TempDir Path dir;

  private static VmInventory parse(String... lines) {
    return VmInventory.parse(SRC, List.of(lines));
  }

  private static void assertRefused(String message, String... lines) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> parse(lines));
    assertEquals(message, e.getMessage());
  }

  // ---------------------------------------------------------------- real files

  @Test
  void readsTheFourVmsOfTheNpbRuns() {
    VmInventory inv = VmInventory.read(TestData.npb("vms4.csv"));
    assertEquals(List.of("vm1", "vm2", "vm3", "vm4"), inv.names());
    assertEquals(4, inv.size());
    assertEquals(List.of(VmInventory.DEFAULT_SITE), inv.sites());
    for (int i = 1; i <= 4; i++) {
      VmEndpoint vm = inv.vms().get(i - 1);
      assertEquals("vm" + i, vm.vm());
      assertEquals("local", vm.site());
      assertEquals(MacAddress.parse("02:00:00:77:00:0" + i), vm.mac());
      assertEquals(List.of(IpAddress.parse("10.77.0." + i)), vm.addresses());
      assertEquals(Optional.of(vm), inv.byMac(vm.mac()));
      assertEquals(Optional.of(vm), inv.byAddress(IpAddress.parse("10.77.0." + i)));
      assertEquals(Optional.of(vm), inv.byName("vm" + i));
    }
    assertEquals(Optional.empty(), inv.byName("vm5"));
    assertEquals(Optional.empty(), inv.byAddress(IpAddress.parse("10.77.0.254")));
  }

  @Test
  void readsTheEightVmAddressPlan() {
    VmInventory inv = VmInventory.read(TestData.npb("vms.csv"));
    assertEquals(List.of("vm1", "vm2", "vm3", "vm4", "vm5", "vm6", "vm7", "vm8"), inv.names());
    assertEquals("vm8", inv.byMac(MacAddress.parse("02:00:00:77:00:08")).orElseThrow().vm());
    assertEquals("vm5", inv.byAddress(IpAddress.parse("10.77.0.5")).orElseThrow().vm());
    assertEquals(8, inv.atSite("local").size());
  }

  @Test
  void missingFileIsNamed() {
    Path missing = dir.resolve("nope.csv");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> VmInventory.read(missing));
    assertEquals(missing + ": no such file", e.getMessage());
  }

  @Test
  void errorsReadFromAFileNameTheFileAndLine() throws Exception {
    Path f = dir.resolve("VMS.csv");
    Files.writeString(f, "vm,ip,mac\nvm1,10.0.0.1,02:00:00:00:00:01\nvm2,10.0.0.300,02:00:00:00:00:02\n", StandardCharsets.UTF_8);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> VmInventory.read(f));
    assertEquals(f + ":3: column 'ip': invalid IP address '10.0.0.300'", e.getMessage());
    assertEquals(f + ":3", e.where());
  }

  // ---------------------------------------------------------------- layout

  @Test
  void siteColumnIsOptionalAndSitesKeepTheirFirstAppearanceOrder() {
    VmInventory inv = parse(
        "vm,ip,mac,site",
        "a1,10.0.0.1,02:00:00:00:00:01,lyon",
        "b1,10.0.0.2,02:00:00:00:00:02,nancy",
        "a2,10.0.0.3,02:00:00:00:00:03,lyon");
    assertEquals(List.of("lyon", "nancy"), inv.sites());
    assertEquals(List.of("a1", "a2"), inv.atSite("lyon").stream().map(VmEndpoint::vm).toList());
    assertEquals("nancy", inv.byName("b1").orElseThrow().site());
  }

  @Test
  void ipColumnMayHoldSeveralAddressesSeparatedBySpacesOrSemicolons() {
    VmInventory inv = parse(
        "vm,ip,mac",
        "vm1,10.0.0.1 fd77::1;fd77:0:0:0:0:0:0:a ,02:00:00:00:00:01",
        "vm2,  10.0.0.2 ;  ; fd77::2,02:00:00:00:00:02");
    VmEndpoint vm1 = inv.byName("vm1").orElseThrow();
    assertEquals(
        List.of(IpAddress.parse("10.0.0.1"), IpAddress.parse("fd77::1"), IpAddress.parse("fd77::a")),
        vm1.addresses());
    assertEquals(vm1, inv.byAddress(IpAddress.parse("fd77::a")).orElseThrow());
    assertEquals(List.of(IpAddress.parse("10.0.0.2"), IpAddress.parse("fd77::2")), inv.byName("vm2").orElseThrow().addresses());
  }

  @Test
  void columnOrderComesFromTheHeaderWhateverItsCaseAndSpacing() {
    VmInventory inv = parse(
        " MAC , Site,IP , vm ",
        "02:00:00:00:00:01 , paris , 10.0.0.1 , vm1 ");
    VmEndpoint vm = inv.vms().get(0);
    assertEquals("vm1", vm.vm());
    assertEquals("paris", vm.site());
    assertEquals(MacAddress.parse("02:00:00:00:00:01"), vm.mac());
    assertEquals(List.of(IpAddress.parse("10.0.0.1")), vm.addresses());
  }

  @Test
  void blankAndCommentLinesAreIgnoredButCountInLineNumbers() {
    VmInventory inv = parse(
        "# the VMs of the test",
        "",
        "vm,ip,mac",
        "   ",
        "# vm0,10.0.0.9,02:00:00:00:00:09",
        "vm1,10.0.0.1,02:00:00:00:00:01");
    assertEquals(List.of("vm1"), inv.names());
    assertRefused(
        SRC + ":6: column 'mac': invalid MAC address 'zz' (expected six hex bytes like 02:00:00:77:00:01)",
        "# comment", "", "vm,ip,mac", "vm1,10.0.0.1,02:00:00:00:00:01", "", "vm2,10.0.0.2,zz");
  }

  // ---------------------------------------------------------------- errors

  @Test
  void missingColumn() {
    assertRefused(SRC + ":1: missing column 'mac' (header must name vm, ip, mac and optionally site)", "vm,ip", "vm1,10.0.0.1");
    assertRefused(SRC + ":2: missing column 'vm' (header must name vm, ip, mac and optionally site)", "#", "ip,mac,site");
  }

  @Test
  void unknownColumn() {
    assertRefused(SRC + ":1: unknown column 'rack' (expected vm, ip, mac and optionally site)",
        "vm,ip,mac,rack", "vm1,10.0.0.1,02:00:00:00:00:01,r1");
  }

  @Test
  void repeatedColumn() {
    assertRefused(SRC + ":1: column 'ip' appears twice", "vm,ip,mac,IP");
  }

  @Test
  void wrongFieldCount() {
    assertRefused(SRC + ":2: expected 3 fields [vm, ip, mac], found 2", "vm,ip,mac", "vm1,10.0.0.1");
    assertRefused(SRC + ":3: expected 4 fields [vm, ip, mac, site], found 5",
        "vm,ip,mac,site", "vm1,10.0.0.1,02:00:00:00:00:01,s", "vm2,10.0.0.2,02:00:00:00:00:02,s,extra");
  }

  @Test
  void badMac() {
    assertRefused(SRC + ":2: column 'mac': invalid MAC address '02:00:00:77:00' (expected six hex bytes like 02:00:00:77:00:01)",
        "vm,ip,mac", "vm1,10.0.0.1,02:00:00:77:00");
    assertRefused(SRC + ":2: column 'mac': invalid MAC address '02:00:00:77:00:0x'",
        "vm,ip,mac", "vm1,10.0.0.1,02:00:00:77:00:0x");
  }

  @Test
  void multicastMacIsNotAVmNic() {
    assertRefused(SRC + ":2: column 'mac': 01:00:5e:00:00:01 is a multicast address, not a VM's NIC",
        "vm,ip,mac", "vm1,10.0.0.1,01:00:5E:00:00:01");
    assertRefused(SRC + ":2: column 'mac': ff:ff:ff:ff:ff:ff is a multicast address, not a VM's NIC",
        "vm,ip,mac", "vm1,10.0.0.1,ff:ff:ff:ff:ff:ff");
  }

  @Test
  void badIp() {
    assertRefused(SRC + ":2: column 'ip': invalid IP address '10.0.0'", "vm,ip,mac", "vm1,10.0.0,02:00:00:00:00:01");
    assertRefused(SRC + ":2: column 'ip': invalid IP address 'fileserver.example'", "vm,ip,mac", "vm1,10.0.0.1 fileserver.example,02:00:00:00:00:01");
    assertRefused(SRC + ":2: column 'ip': no address for VM 'vm1'", "vm,ip,mac", "vm1, ; ,02:00:00:00:00:01");
  }

  @Test
  void duplicateVmName() {
    assertRefused(SRC + ":4: VM 'vm1' already listed on line 2",
        "vm,ip,mac", "vm1,10.0.0.1,02:00:00:00:00:01", "", "vm1,10.0.0.2,02:00:00:00:00:02");
  }

  @Test
  void duplicateMac() {
    assertRefused(SRC + ":3: MAC 02:00:00:00:00:01 belongs to both vm1 and vm2",
        "vm,ip,mac", "vm1,10.0.0.1,02:00:00:00:00:01", "vm2,10.0.0.2,02-00-00-00-00-01");
  }

  @Test
  void duplicateAddressIncludingItsIpv4MappedForm() {
    assertRefused(SRC + ":3: address 10.0.0.1 belongs to both vm1 and vm2",
        "vm,ip,mac", "vm1,10.0.0.1,02:00:00:00:00:01", "vm2,::ffff:10.0.0.1,02:00:00:00:00:02");
    assertRefused(SRC + ":3: address fd77::1 belongs to both vm1 and vm2",
        "vm,ip,mac", "vm1,10.0.0.1 fd77::1,02:00:00:00:00:01", "vm2,fd77:0::1,02:00:00:00:00:02");
  }

  @Test
  void emptyFile() {
    String message = SRC + ": empty file: expected a header 'vm,ip,mac[,site]' and one line per VM";
    assertRefused(message);
    assertRefused(message, "", "# only a comment", "  ");
  }

  @Test
  void headerOnly() {
    assertRefused(SRC + ": no VM listed after the header", "vm,ip,mac", "", "# nothing");
  }

  @Test
  void badVmName() {
    String rule = "(letters, digits, '.', '_' or '-', at most 64, starting with a letter or digit)";
    assertRefused(SRC + ":2: invalid VM name '-vm1' " + rule, "vm,ip,mac", "-vm1,10.0.0.1,02:00:00:00:00:01");
    assertRefused(SRC + ":2: invalid VM name 'vm 1' " + rule, "vm,ip,mac", "vm 1,10.0.0.1,02:00:00:00:00:01");
    assertRefused(SRC + ":2: invalid VM name '' " + rule, "vm,ip,mac", ",10.0.0.1,02:00:00:00:00:01");
    String longName = "v".repeat(65);
    assertRefused(SRC + ":2: invalid VM name '" + longName + "' " + rule, "vm,ip,mac", longName + ",10.0.0.1,02:00:00:00:00:01");
  }

  @Test
  void badSiteName() {
    assertRefused(SRC + ":2: invalid site name 'a/b' (letters, digits, '.', '_' or '-', at most 64, starting with a letter or digit)",
        "vm,ip,mac,site", "vm1,10.0.0.1,02:00:00:00:00:01,a/b");
  }

  @Test
  void whereIsTheFileAndLine() {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> parse("vm,ip,mac", "vm1,1.2.3,02:00:00:00:00:01"));
    assertEquals(SRC + ":2", e.where());
    assertTrue(e.getMessage().startsWith(e.where() + ": "));
  }

  // ---------------------------------------------------------------- hostile and careless input

  @Test
  void aByteOrderMarkIsSkippedNotTakenForPartOfTheFirstColumn() throws Exception {
    Path f = dir.resolve("bom.csv");
    Files.write(f, ("\uFEFFvm,ip,mac\nvm1,10.0.0.1,02:00:00:00:00:01\n").getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("vm1"), VmInventory.read(f).names());
  }

  @Test
  void aVmNamedLikeACommentIsRefusedNotLost() {
    String rule = "(letters, digits, '.', '_' or '-', at most 64, starting with a letter or digit)";
    assertRefused(SRC + ":3: invalid VM name '#vm1' " + rule,
        "vm,ip,mac", "vm0,10.0.0.9,02:00:00:00:00:09", "#vm1,10.0.0.1,02:00:00:00:00:01");
  }

  @Test
  void broadcastMulticastLoopbackAndUnspecifiedAreNoVmAddress() {
    for (String a : List.of("255.255.255.255", "224.0.0.1", "239.1.2.3", "127.0.0.1", "0.0.0.0", "240.0.0.1", "ff02::1", "::", "::1")) {
      InvalidInputException e = assertThrows(InvalidInputException.class, () -> parse("vm,ip,mac", "vm1," + a + ",02:00:00:00:00:01"), a);
      assertTrue(e.getMessage().startsWith(SRC + ":2: column 'ip': "), e.getMessage());
      assertTrue(e.getMessage().endsWith("not a VM's address"), e.getMessage());
    }
  }

  @Test
  void notUtf8IsRefusedWithItsLineAndByteOffset() throws Exception {
    Path f = dir.resolve("latin1.csv");
    Files.write(f, "vm,ip,mac\nv\u00e9,10.0.0.1,02:00:00:00:00:01\n".getBytes(StandardCharsets.ISO_8859_1));
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> VmInventory.read(f));
    assertEquals(f + ":2: not UTF-8 text: byte 0xe9 at byte offset 11", e.getMessage());
  }

  @Test
  void aHugeCellIsNeverEchoedWhole() {
    String huge = "x".repeat(1 << 20);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> parse("vm,ip,mac", "vm1,10.0.0.1," + huge));
    assertTrue(e.getMessage().length() < 300, e.getMessage().length() + " characters");
    assertTrue(e.getMessage().startsWith(SRC + ":2: column 'mac': invalid MAC address 'xxx"), e.getMessage().substring(0, 80));
    InvalidInputException header = assertThrows(InvalidInputException.class, () -> parse("vm,ip," + huge));
    assertTrue(header.getMessage().length() < 300, header.getMessage().length() + " characters");
  }

  @Test
  void readingIsLinearInTheVms() {
    // 1,024 VMs (the limit) read in a blink; before, each row re-checked the whole inventory
    StringBuilder csv = new StringBuilder("vm,ip,mac\n");
    for (int i = 0; i < Limits.MAX_VMS_PER_MATRIX; i++) {
      csv.append(String.format("vm%d,10.%d.%d.1,02:00:00:%02x:%02x:01%n", i, i / 256, i % 256, i / 256, i % 256));
    }
    VmInventory inv = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(5),
        () -> VmInventory.parse(SRC, csv.toString()));
    assertEquals(Limits.MAX_VMS_PER_MATRIX, inv.size());
  }

  @Test
  void moreVmsThanTheLimitAreRefusedOnTheFirstRowTooMany() {
    StringBuilder csv = new StringBuilder("vm,ip,mac\n");
    for (int i = 0; i < 20_000; i++) {
      csv.append(String.format("vm%d,10.%d.%d.1,02:00:00:%02x:%02x:01%n", i, i / 256, i % 256, i / 256, i % 256));
    }
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> VmInventory.parse(SRC, csv.toString()));
    assertEquals(SRC + ":" + (Limits.MAX_VMS_PER_MATRIX + 2) + ": more than 1024 VMs (vmflock's limit for one VM x VM matrix)", e.getMessage());
  }

  @Test
  void quotedCellsAreCsv() {
    VmInventory inv = parse("vm,ip,mac", "vm1,\"10.0.0.1;fd77::1\",02:00:00:00:00:01");
    assertEquals(2, inv.vms().get(0).addresses().size());
  }
}
