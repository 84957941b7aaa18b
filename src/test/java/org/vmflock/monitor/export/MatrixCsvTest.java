package org.vmflock.monitor.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;
import org.vmflock.testing.TestData;

class MatrixCsvTest {

  private static final String SRC = "m.csv";

  @TempDir Path dir;

  private static void assertRefused(String message, String... lines) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> MatrixCsv.parse(SRC, List.of(lines), TrafficMetric.BYTES));
    assertEquals(message, e.getMessage());
  }

  // ---------------------------------------------------------------- the NPB files

  @Test
  void readsTheCgPacketMatrix() {
    TrafficMatrix m = MatrixCsv.read(TestData.npb("cg.A.4.packets.csv"), TrafficMetric.PACKETS);
    assertEquals(List.of("vm1", "vm2", "vm3", "vm4"), m.vms());
    // row = sender, column = receiver: "vm1,0,17964,7,6" and "vm3,9,16722,0,17958"
    assertEquals(17964, m.packets(0, 1));
    assertEquals(6, m.packets(0, 3));
    assertEquals(9, m.packets(2, 0));
    assertEquals(17958, m.packets(2, 3));
    assertEquals(0, m.packets(3, 3));
    assertEquals(0, m.totalBytes()); // the other measure is zero
    // 17964+7+6 + 17811+16714+7 + 9+16722+17958 + 7+6+17864
    assertEquals(105_075, m.totalPackets());
  }

  @ParameterizedTest
  @ValueSource(strings = {"cg.A.4.packets.csv", "cg.A.4.bytes.csv", "mg.A.4.packets.csv", "is.A.4.bytes.csv", "ep.A.4.bytes.csv"})
  void formatsTheNpbFilesBackByteForByte(String name) throws Exception {
    Path file = TestData.npb(name);
    TrafficMetric metric = name.contains("packets") ? TrafficMetric.PACKETS : TrafficMetric.BYTES;
    String original = Files.readString(file, StandardCharsets.UTF_8);
    assertEquals(original, MatrixCsv.format(MatrixCsv.read(file, metric), metric));
  }

  @Test
  void writeThenReadGivesTheSameMatrix() throws Exception {
    TrafficMatrix m = new TrafficMatrix(List.of("a", "b"), new double[][] {{0, 1}, {2, 0}}, new double[][] {{0, 12.5}, {1e6, 0}});
    Path f = dir.resolve("out.csv");
    MatrixCsv.write(f, m, TrafficMetric.BYTES);
    assertEquals("src\\dst,a,b\na,0,12.5\nb,1000000,0\n", Files.readString(f));
    TrafficMatrix back = MatrixCsv.read(f, TrafficMetric.BYTES);
    assertEquals(12.5, back.bytes(0, 1));
    assertEquals(1e6, back.bytes(1, 0));
  }

  // ---------------------------------------------------------------- numbers

  @Test
  void countsPrintAsIntegersAndMeansAsShortestDecimals() {
    assertEquals("0", MatrixCsv.number(0));
    assertEquals("0", MatrixCsv.number(-0.0));
    assertEquals("3", MatrixCsv.number(3.0));
    assertEquals("24516448", MatrixCsv.number(24_516_448));
    assertEquals("2.5", MatrixCsv.number(2.5));
    assertEquals("0.1", MatrixCsv.number(0.1));
    assertEquals("23.333333333333332", MatrixCsv.number(70.0 / 3));
    assertEquals("0.30000000000000004", MatrixCsv.number(0.1 + 0.2));
    assertEquals("0.0000001", MatrixCsv.number(1e-7)); // no exponent
    assertEquals("999999999999999", MatrixCsv.number(999_999_999_999_999.0));
    assertEquals("1000000000000000", MatrixCsv.number(1e15));
    assertEquals("100000000000000000000", MatrixCsv.number(1e20));
  }

  @Test
  void formatUsesTheVmOrderOfTheMatrix() {
    TrafficMatrix m = new TrafficMatrix(List.of("b", "a"), new double[][] {{0, 7.25}, {1, 0}}, new double[2][2]);
    assertEquals("src\\dst,b,a\nb,0,7.25\na,1,0\n", MatrixCsv.format(m, TrafficMetric.PACKETS));
    assertEquals("src\\dst,b,a\nb,0,0\na,0,0\n", MatrixCsv.format(m, TrafficMetric.BYTES));
  }

  @Test
  void rowsMayComeInAnyOrderAndDecimalsAreRead() {
    TrafficMatrix m = MatrixCsv.parse(SRC, List.of("src\\dst,a,b", "", "b, 2.5 ,0", "a,0,1e3", ""), TrafficMetric.BYTES);
    assertEquals(2.5, m.bytes(1, 0));
    assertEquals(1000, m.bytes(0, 1));
    assertEquals(0, m.totalPackets());
  }

  // ---------------------------------------------------------------- errors

  @Test
  void nonNumericValue() {
    assertRefused(SRC + ":3: column 'vm2': not a number: 'x'", "src\\dst,vm1,vm2", "vm1,0,1", "vm2,3,x");
    assertRefused(SRC + ":2: column 'vm1': not a number: ''", "src\\dst,vm1,vm2", "vm1,,1", "vm2,3,0");
  }

  @Test
  void negativeOrNonFiniteValue() {
    assertRefused(SRC + ":2: column 'vm1': traffic must be a finite number >= 0, not -1", "src\\dst,vm1,vm2", "vm1,-1,1", "vm2,3,0");
    assertRefused(SRC + ":3: column 'vm2': traffic must be a finite number >= 0, not NaN", "src\\dst,vm1,vm2", "vm1,0,1", "vm2,3,NaN");
    assertRefused(SRC + ":3: column 'vm1': traffic must be a finite number >= 0, not Infinity", "src\\dst,vm1,vm2", "vm1,0,1", "vm2,Infinity,0");
  }

  @Test
  void wrongFieldCount() {
    assertRefused(SRC + ":2: expected 3 fields (a VM and 2 values), found 2", "src\\dst,vm1,vm2", "vm1,0", "vm2,3,0");
    assertRefused(SRC + ":3: expected 3 fields (a VM and 2 values), found 4", "src\\dst,vm1,vm2", "vm1,0,1", "vm2,3,0,0");
  }

  @Test
  void unknownVmRow() {
    assertRefused(SRC + ":3: unknown VM 'vm9': not in the header", "src\\dst,vm1,vm2", "vm1,0,1", "vm9,3,0");
  }

  @Test
  void duplicateRow() {
    assertRefused(SRC + ":4: second row for VM 'vm1'", "src\\dst,vm1,vm2", "vm1,0,1", "", "vm1,3,0");
  }

  @Test
  void missingRow() {
    assertRefused(SRC + ": no row for [vm2, vm3]", "src\\dst,vm1,vm2,vm3", "vm1,0,1,2");
  }

  @Test
  void emptyFile() {
    assertRefused(SRC + ": empty file: expected a header 'src\\dst,vm1,...' and one row per VM");
    assertRefused(SRC + ": empty file: expected a header 'src\\dst,vm1,...' and one row per VM", "", "  ");
  }

  @Test
  void headerWithoutVmsOrWithARepeatedVm() {
    assertRefused(SRC + ":1: the header names no VM", "src\\dst");
    assertRefused(SRC + ":1: VM 'vm1' appears twice in the header", "src\\dst,vm1,vm2,vm1");
    assertRefused(SRC + ":1: empty VM name in the header", "src\\dst,vm1,,vm2");
  }

  @Test
  void headerErrorsNameTheHeadersOwnLine() {
    // blank lines before the header: the header is line 3
    assertRefused(SRC + ":3: VM 'vm1' appears twice in the header", "", "", "src\\dst,vm1,vm1", "vm1,0,0");
  }

  @Test
  void missingFileIsNamed() {
    Path missing = dir.resolve("none.csv");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> MatrixCsv.read(missing, TrafficMetric.BYTES));
    assertEquals(missing + ": no such file", e.getMessage());
  }

  @Test
  void errorsReadFromAFileNameTheFileAndLine() throws Exception {
    Path f = dir.resolve("bad.csv");
    Files.writeString(f, "src\\dst,vm1,vm2\nvm1,0,1\nvm2,-3,0\n");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> MatrixCsv.read(f, TrafficMetric.PACKETS));
    assertEquals(f + ":3: column 'vm1': traffic must be a finite number >= 0, not -3", e.getMessage());
    assertEquals(f + ":3", e.where());
  }

  @ParameterizedTest
  @ValueSource(strings = {"1d", "2f", "0x1p3", "1_000", "1,5", "one"})
  void onlyDecimalNumbersAreValues(String value) {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> MatrixCsv.parse(SRC, "src\\dst,vm1,vm2\nvm1,0,\"" + value + "\"\nvm2,3,0\n", TrafficMetric.BYTES));
    assertEquals(SRC + ":2: column 'vm2': not a number: '" + value + "'", e.getMessage());
  }

  @Test
  void valuesAboveAPetabyteAreRefused() {
    assertRefused(SRC + ":3: column 'vm1': a traffic value is between 0 and 1.0E15, not 1.0E308",
        "src\\dst,vm1,vm2", "vm1,0,1", "vm2,1e308,0");
  }

  @Test
  void aMatrixNamingMoreVmsThanTheLimitIsRefusedAtItsHeader() {
    StringBuilder header = new StringBuilder(MatrixCsv.CORNER);
    for (int i = 0; i < 40_000; i++) {
      header.append(",v").append(i);
    }
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> MatrixCsv.parse(SRC, header + "\nv0" + ",0".repeat(40_000) + "\n", TrafficMetric.BYTES));
    assertEquals(SRC + ":1: the header names 40000 VMs, more than vmflock's limit of 1024", e.getMessage());
  }
}
