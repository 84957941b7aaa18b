package org.vmflock.emulate.apps;

import java.nio.file.Path;

/**
 * How a run of an MPI program ended.
 *
 * @param program its name
 * @param ranks how many ranks (VMs) it ran on
 * @param wallSeconds the real process's wall time, from its start to its exit (System.nanoTime), or
 *     to its stop or timeout
 * @param exitCode mpirun's exit code; -1 when it was stopped or timed out
 * @param verified true only when it exited 0 and the program's own checks passed
 * @param reason one line: what was verified, or why the run is an error
 * @param report the file its progress and results were read from
 * @param stdout the file holding mpirun's output (both streams)
 */
public record MpiOutcome(String program, int ranks, double wallSeconds, int exitCode, boolean verified, String reason, Path report,
    Path stdout) {
}
