package org.vmflock.emulate.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.TrafficMatrix;

/** The programs' progress and verdicts read from outputs of their shape; the lookup; the splits. */
class ProgramVerdictTest {

  private static String lammpsReport(int lastStep, String lastEnergy, boolean finished) {
    StringBuilder b = new StringBuilder("LAMMPS (7 Jan 2022)\n   Step          Temp          PotEng         KinEng         TotEng         Press     \n");
    for (int step = 0; step <= lastStep; step += 15) {
      String e = step == lastStep ? lastEnergy : "-2.2847";
      b.append(String.format("       %d   1.6   -4.7   2.4   %s   5.9%n", step, e));
    }
    if (finished) {
      b.append("Loop time of 9.1 on 4 procs for 300 steps with 16384 atoms\nTotal wall time: 0:00:09\n");
    }
    return b.toString();
  }

  @Test
  void lammpsProgressFollowsItsThermoLinesAndItsCheckIsEnergy() {
    MpiProgram lammps = MpiPrograms.lookupOrThrow("lammps");
    assertEquals(0, lammps.progress("LAMMPS (7 Jan 2022)\n"));
    assertEquals(0.5, lammps.progress(lammpsReport(150, "-2.2850", false)), 1e-9);
    assertTrue(lammps.progress(lammpsReport(300, "-2.2850", false)) < 1, "1 only once the run printed its wall time");
    assertEquals(1, lammps.progress(lammpsReport(300, "-2.2850", true)));
    assertTrue(lammps.verify(0, lammpsReport(300, "-2.2850", true), "").verified());
    MpiProgram.Verdict drift = lammps.verify(0, lammpsReport(300, "-2.4", true), "");
    assertFalse(drift.verified());
    assertTrue(drift.reason().contains("drift"), drift.reason());
    assertFalse(lammps.verify(0, lammpsReport(150, "-2.2850", false), "").verified());
    assertFalse(lammps.verify(1, lammpsReport(300, "-2.2850", true), "mpirun noticed that process rank 0 exited").verified());
    MpiProgram.Verdict error = lammps.verify(1, "ERROR: Unknown command: bogus (src/input.cpp:232)\n", "");
    assertEquals("lammps: ERROR: Unknown command: bogus (src/input.cpp:232)", error.reason());
  }

  @Test
  void hpccNeedsItsEndNoFailureAndHplPassed() {
    MpiProgram hpcc = MpiPrograms.lookupOrThrow("hpcc");
    String sections = "Begin of PTRANS section.\nEnd of PTRANS section.\nBegin of HPL section.\n"
        + "||Ax-b||_oo/(eps*(||A||_oo*||x||_oo+||b||_oo)*N)=        0.0072510 ...... PASSED\nEnd of HPL section.\n";
    assertEquals(1.0 / 17, hpcc.progress("End of PTRANS section.\n"), 1e-9);
    String done = sections + "End of HPC Challenge tests.\n";
    assertEquals(1, hpcc.progress(done));
    assertTrue(hpcc.verify(0, done, "").verified(), hpcc.verify(0, done, "").reason());
    assertFalse(hpcc.verify(0, sections, "").verified(), "no end");
    MpiProgram.Verdict failed = hpcc.verify(0, done.replace("PASSED", "FAILED"), "");
    assertFalse(failed.verified());
    assertTrue(failed.reason().startsWith("hpcc: a test FAILED"), failed.reason());
    assertEquals("hpcc: no report hpccoutf.txt: mpirun was unable to launch", hpcc.verify(0, "", "mpirun was unable to launch").reason());
  }

  @Test
  void meepNeedsItsEndTimeAndFiniteFluxes() {
    MpiProgram meep = MpiPrograms.lookupOrThrow("meep");
    StringBuilder b = new StringBuilder();
    for (int t = 10; t <= 100; t += 10) {
      b.append("progress-time: ").append(t).append(".0\n");
    }
    String run = b.toString();
    assertTrue(meep.progress("progress-time: 50.0\n") == 0.5);
    StringBuilder flux = new StringBuilder("Elapsed run time = 9.1 s\n");
    for (int i = 0; i < 50; i++) {
      flux.append("flux1:, 0.1").append(i).append(", 0.25\n");
    }
    assertTrue(meep.verify(0, run + flux, "").verified());
    assertEquals(1, meep.progress(run + flux));
    assertFalse(meep.verify(0, run + flux.toString().replace("0.25\nflux1:, 0.149", "nan\nflux1:, 0.149"), "").verified());
    assertFalse(meep.verify(0, "progress-time: 50.0\n" + flux, "").verified());
  }

  @Test
  void anUnknownProgramNamesTheKnownOnes() {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> MpiPrograms.lookupOrThrow("gromacs"));
    assertEquals("program 'gromacs': no such MPI program (known: hpcc, lammps, meep)", e.getMessage());
    assertEquals(List.of("hpcc", "lammps", "meep"), MpiPrograms.names());
  }

  @Test
  void theSplitsCutTheLeastAndTheMostTraffic() {
    double[][] b = new double[4][4];
    b[0][2] = b[2][0] = 100;
    b[1][3] = b[3][1] = 100;
    b[0][1] = b[1][0] = 1;
    TrafficMatrix t = new TrafficMatrix(List.of("vm1", "vm2", "vm3", "vm4"), new double[4][4], b);
    assertEquals("[false, true, false, true]", java.util.Arrays.toString(MeasurementCampaign.bisection(t, false)));
    assertEquals("[false, true, true, false]", java.util.Arrays.toString(MeasurementCampaign.bisection(t, true)));
  }

  @Test
  void mpirunsWordsForAFailedRankAreRecognisedSoAHungTeardownCannotHoldTheCaller() {
    String nonZero = "Primary job  terminated normally, but 1 process returned\na non-zero exit code. Per user-direction, the job has been aborted.\n";
    String detected = "mpirun detected that one or more processes exited with non-zero status, thus causing\nthe job to be terminated.";
    String aborted = "MPI_ABORT was invoked on rank 1 in communicator MPI_COMM_WORLD\nwith errorcode 1.";
    assertTrue(MpiRun.rankFailed(nonZero));
    assertTrue(MpiRun.rankFailed(detected));
    assertTrue(MpiRun.rankFailed(aborted));
    assertFalse(MpiRun.rankFailed(lammpsReport(300, "-2.2850", true)), "a good run's output says no rank failed");
    assertFalse(MpiRun.rankFailed(""));
  }
}
