package org.vmflock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmflock.model.Application;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Objective;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;
import org.vmflock.model.Vm;
import org.vmflock.monitor.export.MatrixCsv;
import org.vmflock.testing.TestData;

/** Profiles by name: captured where a capture exists, generated otherwise, refused with a reason when invalid. */
class NpbProfilesTest {

  private static final String POWERS = "2, 4, 8, 16, 32, 64, 128, 256, 512, 1024";

  @ParameterizedTest
  @CsvSource({"cg, 2.1", "mg, 2.6", "ep, 3.1", "is, 1.6"})
  void capturedProfilesAreTheCapturesDividedByTheirWallTime(String benchmark, double seconds) {
    String name = benchmark + ".A.4";
    Profile p = NpbProfiles.lookupOrThrow(name);
    TrafficMatrix bytes = MatrixCsv.read(TestData.npb(name + ".bytes.csv"), TrafficMetric.BYTES);
    TrafficMatrix packets = MatrixCsv.read(TestData.npb(name + ".packets.csv"), TrafficMetric.PACKETS);
    assertEquals(List.of("vm1", "vm2", "vm3", "vm4"), p.trafficPerWork().vms());
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        assertEquals(bytes.bytes(i, j), p.trafficPerWork().bytes(i, j) * seconds, 1e-6, name + " bytes " + i + "->" + j);
        assertEquals(packets.packets(i, j), p.trafficPerWork().packets(i, j) * seconds, 1e-9, name + " packets " + i + "->" + j);
      }
    }
    assertEquals(seconds, p.defaultWorkSeconds());
    assertEquals(benchmark, p.benchmark());
    assertEquals("A", p.problemClass());
    assertTrue(p.origin().startsWith("captured: samples/npb/" + name), p.origin());
  }

  @Test
  void otherNamesAreGeneratedFromTheirPattern() {
    Profile p = NpbProfiles.lookupOrThrow("lu.B.16");
    assertEquals("lu", p.benchmark());
    assertEquals("B", p.problemClass());
    assertEquals(16, p.vms());
    assertEquals(16, p.trafficPerWork().size());
    assertEquals("vm16", p.trafficPerWork().vms().get(15));
    assertTrue(p.origin().startsWith("generated: NPB 3.4 MPI lu pattern, class B, 16 ranks"), p.origin());
    assertTrue(p.syncsPerWork() > 0 && p.dirtyBytesPerSecond() > 0 && p.defaultWorkSeconds() > 0);
  }

  @Test
  void theSameNameGivesTheSameProfileAndCallersCannotChangeIt() {
    Profile first = NpbProfiles.lookupOrThrow("mg.C.32");
    first.trafficPerWork().bytes()[0][1] = -1;
    Profile second = NpbProfiles.lookupOrThrow("mg.C.32");
    assertTrue(second.trafficPerWork().bytes(0, 1) > 0, "the cache keeps its own copy");
    assertNotSame(first.trafficPerWork().bytes(), second.trafficPerWork().bytes());
    assertEquals(NpbProfiles.generate(NpbBenchmark.MG, NpbClass.C, 32), second);
    assertEquals(second, NpbProfiles.lookupOrThrow("MG.c.32"), "benchmark and class in either case");
    assertEquals("mg.C.32", NpbProfiles.lookupOrThrow("MG.c.32").name());
  }

  @Test
  void namesListTheCapturedProfilesAndTheDocumentedGeneratedOnes() {
    List<String> names = NpbProfiles.names();
    // 6 power-of-two benchmarks x 3 classes x {4, 8, 16, 32, 64} + BT and SP x 3 x {4, 9, 16, 36, 64}
    assertEquals(120, names.size());
    assertTrue(names.containsAll(List.of("cg.A.4", "mg.A.4", "ep.A.4", "is.A.4")));
    assertEquals(List.of("bt.A.4", "bt.A.9", "bt.A.16", "bt.A.36", "bt.A.64", "bt.B.4"), names.subList(0, 6));
    assertEquals("sp.C.64", names.get(names.size() - 1));
    List<String> failures = new ArrayList<>();
    for (String name : names) {
      Optional<Profile> p = NpbProfiles.lookup(name);
      if (p.isEmpty() || !p.get().name().equals(name)) {
        failures.add(name);
      }
    }
    assertEquals(List.of(), failures);
  }

  @Test
  void validCountsBeyondTheListedOnesAreGeneratedToo() {
    assertEquals(128, NpbProfiles.lookupOrThrow("cg.C.128").vms());
    assertEquals(25, NpbProfiles.lookupOrThrow("sp.B.25").vms());
    assertEquals(2, NpbProfiles.lookupOrThrow("is.A.2").vms());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "cg.B| expected <benchmark>.<class>.<vms>, e.g. cg.B.16",
      "cg.B.16.x| expected <benchmark>.<class>.<vms>, e.g. cg.B.16",
      "xx.A.4| unknown benchmark 'xx' (known: bt, cg, ep, ft, is, lu, mg, sp)",
      "cg.D.4| unknown class 'D' (known: A, B, C)",
      "cg.A.four| the VM count 'four' is not a whole number",
      "cg.A.12| cg class A does not run on 12 VMs: the VM count must be a power of two from 2 to 1024 (valid: " + POWERS + ")",
      "cg.A.2048| cg class A does not run on 2048 VMs: the VM count must be a power of two from 2 to 1024 (valid: " + POWERS + ")",
      "is.C.0| is class C does not run on 0 VMs: the VM count must be a power of two from 2 to 1024 (valid: " + POWERS + ")",
      "lu.A.512| lu class A does not run on 512 VMs: the VM count must be a power of two from 2 to 256"
          + " (valid: 2, 4, 8, 16, 32, 64, 128, 256)",
      "ft.A.256| ft class A does not run on 256 VMs: the VM count must be a power of two from 2 to 128"
          + " (valid: 2, 4, 8, 16, 32, 64, 128)",
      "bt.A.8| bt class A does not run on 8 VMs: the VM count must be a square from 4 to 441"
          + " (valid: 4, 9, 16, 25, 36, 49, 64, 81, 100, 121, 144, 169, 196, 225, 256, 289, 324, 361, 400, 441)",
  })
  void invalidNamesAreRefusedWithWhatIsWrong(String name, String reason) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> NpbProfiles.lookupOrThrow(name));
    assertEquals("profile '" + name + "': " + reason.strip(), e.getMessage());
    assertEquals("profile '" + name + "'", e.where());
    assertEquals(Optional.empty(), NpbProfiles.lookup(name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cg.A.4", "ft.C.4", "bt.B.9"})
  void anApplicationRunsTheProfileOnVmsOfItsSize(String name) {
    Profile p = NpbProfiles.lookupOrThrow(name);
    Instant deadline = Instant.parse("2026-06-02T00:00:00Z");
    Application app = NpbProfiles.application(p, "job", 500, Objective.COST, Optional.of(deadline), Optional.of(40.0));
    assertEquals("job", app.name());
    assertEquals(p.vms(), app.vms().size());
    Vm first = app.vms().get(0);
    assertEquals("job-vm1", first.name());
    assertEquals("job-vm" + p.vms(), app.vms().get(p.vms() - 1).name());
    assertEquals(p.size(), first.size());
    assertEquals(ScenarioFile.defaultSizes().get(p.size()).cores(), first.cores());
    assertEquals(ScenarioFile.defaultSizes().get(p.size()).memoryBytes(), first.memoryBytes());
    assertEquals(p.dirtyBytesPerSecond(), first.dirtyBytesPerSecond());
    assertEquals(500, app.workload().totalWork());
    assertEquals(0, app.workload().doneWork());
    assertEquals(p.syncsPerWork(), app.workload().syncsPerWork());
    TrafficMatrix t = app.workload().trafficPerWork();
    assertEquals(app.vmNames(), t.vms());
    assertEquals(p.trafficPerWork().bytes(0, 1), t.bytes(0, 1));
    assertEquals(p.trafficPerWork().totalPackets(), t.totalPackets(), 1e-6);
    assertEquals(Objective.COST, app.objective());
    assertEquals(Optional.of(deadline), app.deadline());
    assertEquals(Optional.of(40.0), app.budget());
  }

  @Test
  void anApplicationOfAProfileWithAnUnknownSizeIsRefused() {
    Profile p = NpbProfiles.lookupOrThrow("cg.A.4");
    Profile huge = new Profile(p.name(), p.benchmark(), p.problemClass(), p.vms(), p.trafficPerWork(), p.syncsPerWork(),
        p.dirtyBytesPerSecond(), "huge", p.defaultWorkSeconds(), p.origin());
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> NpbProfiles.application(huge, "job", 10, Objective.TIME, Optional.empty(), Optional.empty()));
    assertEquals("profile cg.A.4: unknown VM size 'huge' (known: [large, medium, small])", e.getMessage());
  }

  @Test
  void vmSizesFollowARanksMemory() {
    // ft.C on 4 ranks: 512^3 points x 56 bytes / 4 = 1.9 GB a rank, with 1 GiB for the guest: medium
    assertEquals("medium", NpbProfiles.lookupOrThrow("ft.C.4").size());
    assertEquals("small", NpbProfiles.lookupOrThrow("ft.C.8").size());
    // ft.C on 2 ranks: 3.8 GB a rank: large
    assertEquals("large", NpbProfiles.lookupOrThrow("ft.C.2").size());
    assertEquals("small", NpbProfiles.lookupOrThrow("cg.A.4").size());
  }
}
