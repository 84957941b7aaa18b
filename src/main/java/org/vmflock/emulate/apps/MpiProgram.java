package org.vmflock.emulate.apps;

import java.nio.file.Path;
import java.util.List;

/**
 * A real MPI program the emulated federation runs, one rank per VM: how it is launched, the input
 * files it needs, and how its progress and its own verdict are read from what it writes.
 * Implementations are stateless; {@link MpiPrograms} lists them.
 */
public interface MpiProgram {

  /** Its name in scenarios and in {@link MpiPrograms#lookup}, e.g. {@code lammps}. */
  String name();

  /** One line: what it computes and how its ranks talk. */
  String description();

  /** The rank counts it runs on, ascending. */
  List<Integer> supportedRanks();

  default boolean supports(int ranks) {
    return supportedRanks().contains(ranks);
  }

  /** Writes the input files a run of {@code ranks} ranks reads into {@code workDir} (shared by every VM: they share the file system). */
  void writeInputs(Path workDir, int ranks);

  /** mpirun options of its own, after the lab's ({@code --mca NAME VALUE} ...); none by default. */
  default List<String> mpirunOptions() {
    return List.of();
  }

  /** The program and its arguments, as mpirun runs them in {@code workDir} (mpirun's own options excluded). */
  List<String> command(Path workDir, int ranks);

  /**
   * The file its progress and results are read from: {@code stdout}, the file mpirun's output
   * (both streams) goes to, unless the program writes its report elsewhere in {@code workDir}.
   */
  default Path reportFile(Path workDir, Path stdout) {
    return stdout;
  }

  /** How far a run is, 0 to 1, from its report so far ({@link #reportFile}); 1 only once the report is complete. */
  double progress(String report);

  /**
   * The program's own verdict on a finished run: its exit code, its report and mpirun's output.
   * Verified only when it exited 0, its report is complete and its own checks passed.
   */
  Verdict verify(int exitCode, String report, String stdout);

  /** A program's verdict: verified, or why not (one line). */
  record Verdict(boolean verified, String reason) {
    public static Verdict ok(String what) {
      return new Verdict(true, what);
    }

    public static Verdict failed(String why) {
      return new Verdict(false, why);
    }
  }
}
