package org.vmflock.emulate.apps;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HPC Challenge ({@code hpcc}, Debian's {@code hpcc}): HPL (LU on a 2 x 2 grid, panel broadcasts),
 * PTRANS (matrix transpose, pairwise exchange), MPI RandomAccess (all-to-all small updates,
 * latency-bound), MPI FFT (all-to-all transposes), b_eff (ping-pong and rings), and the per-rank
 * DGEMM and STREAM; a small problem (N = 120; most of a run is b_eff's latency and bandwidth tests, whose
 * lengths N does not set: see {@link #mpirunOptions}). It writes its report to {@code hpccoutf.txt} in the
 * work directory. Progress: the sections it has ended over its 17 sections. Its check: the report
 * ends ("End of HPC Challenge tests."), no test says FAILED, and HPL's residual check PASSED.
 */
final class Hpcc implements MpiProgram {

  static final String DECK = "hpccinf.txt";
  /** Sections in a report: 16 tests and the summary. */
  private static final int SECTIONS = 17;
  private static final Pattern SECTION_END = Pattern.compile("(?m)^End of \\S+ section\\.");
  private static final Pattern HPL_RESIDUAL = Pattern.compile("(?m)^\\|\\|Ax-b\\|\\|_oo/\\(eps.*=\\s*\\S+ \\.+ (\\S+)\\s*$");
  private static final String DONE = "End of HPC Challenge tests.";

  @Override
  public String name() {
    return "hpcc";
  }

  @Override
  public String description() {
    return "HPC Challenge N=120 on a 2 x 2 grid: HPL broadcasts, PTRANS pairs, RandomAccess and FFT all-to-all, b_eff rings";
  }

  @Override
  public List<Integer> supportedRanks() {
    return List.of(4);
  }

  @Override
  public void writeInputs(Path workDir, int ranks) {
    ProgramInputs.copy(DECK, workDir.resolve("hpccinf.txt"));
  }

  /**
   * Its ranks yield the core while they wait: b_eff's ring-latency test sizes its repetitions on a
   * first probe, and with busy-polling ranks sharing two loaded cores each ring then takes
   * milliseconds instead of the probe's microseconds (79 s of an 89 s run on one site at load 16;
   * 11 s of 22.5 s when they yield).
   */
  @Override
  public List<String> mpirunOptions() {
    return List.of("--mca", "mpi_yield_when_idle", "1");
  }

  @Override
  public List<String> command(Path workDir, int ranks) {
    return List.of("hpcc");
  }

  @Override
  public Path reportFile(Path workDir, Path stdout) {
    return workDir.resolve("hpccoutf.txt");
  }

  @Override
  public double progress(String report) {
    if (report.contains(DONE)) {
      return 1;
    }
    Matcher m = SECTION_END.matcher(report);
    int ended = 0;
    while (m.find()) {
      ended++;
    }
    return Math.min(0.999, (double) ended / SECTIONS);
  }

  @Override
  public Verdict verify(int exitCode, String report, String stdout) {
    if (exitCode != 0) {
      return Verdict.failed("hpcc: exit code " + exitCode + ": " + ProgramInputs.tail(stdout, 3));
    }
    if (report.isEmpty()) {
      return Verdict.failed("hpcc: no report hpccoutf.txt: " + ProgramInputs.tail(stdout, 3));
    }
    String failed = ProgramInputs.lineWith(report, "FAILED");
    if (!failed.isEmpty()) {
      return Verdict.failed("hpcc: a test FAILED: " + failed);
    }
    if (!report.contains(DONE)) {
      return Verdict.failed("hpcc: the report does not end: " + ProgramInputs.tail(report, 2));
    }
    Matcher hpl = HPL_RESIDUAL.matcher(report);
    if (!hpl.find()) {
      return Verdict.failed("hpcc: HPL printed no residual check");
    }
    if (!hpl.group(1).equals("PASSED")) {
      return Verdict.failed("hpcc: HPL's residual check did not pass: " + hpl.group().strip());
    }
    return Verdict.ok("hpcc: all tests ended, none FAILED, HPL residual PASSED");
  }
}
