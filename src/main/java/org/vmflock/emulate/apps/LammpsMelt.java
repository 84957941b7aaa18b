package org.vmflock.emulate.apps;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * LAMMPS ({@code lmp}, Debian's {@code lammps}): a Lennard-Jones melt of 16,384 atoms, 300 steps.
 * Spatial decomposition: every step each rank exchanges its boundary atoms with the ranks owning
 * the neighbouring blocks (halo exchange, a 3-D grid of ranks), plus a reduction for each thermo line.
 * Progress: the step of its last thermo line over the run's steps. Its check: no LAMMPS ERROR, the
 * run reaches its last step and prints its wall time, and the total energy stays within 1 % of its
 * start (the NVE integration conserves it; a broken run drifts or prints nan).
 */
final class LammpsMelt implements MpiProgram {

  static final String DECK = "lammps-melt.in";
  private static final Pattern RUN = Pattern.compile("(?m)^\\s*run\\s+(\\d+)");
  private static final Pattern THERMO = Pattern.compile(
      "(?m)^\\s*(\\d+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s*$");
  private static final double ENERGY_TOLERANCE = 0.01;

  private final String deck;
  private final int steps;

  LammpsMelt() {
    this(ProgramInputs.text(DECK));
  }

  /** A run of {@code deck} (a LAMMPS input with thermo_style custom step temp pe ke etotal press). */
  LammpsMelt(String deck) {
    this.deck = deck;
    Matcher m = RUN.matcher(deck);
    this.steps = m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  @Override
  public String name() {
    return "lammps";
  }

  @Override
  public String description() {
    return "LAMMPS Lennard-Jones melt, 16384 atoms, " + steps + " steps: halo exchange between neighbour blocks";
  }

  @Override
  public List<Integer> supportedRanks() {
    return List.of(1, 2, 4, 8, 16);
  }

  @Override
  public void writeInputs(Path workDir, int ranks) {
    try {
      java.nio.file.Files.writeString(workDir.resolve("in.lammps"), deck);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot write " + workDir.resolve("in.lammps"), e);
    }
  }

  @Override
  public List<String> command(Path workDir, int ranks) {
    return List.of("lmp", "-in", workDir.resolve("in.lammps").toString(), "-log", "none", "-nocite");
  }

  @Override
  public double progress(String report) {
    List<double[]> rows = thermo(report);
    if (rows.isEmpty() || steps <= 0) {
      return 0;
    }
    double last = rows.get(rows.size() - 1)[0];
    return report.contains("Total wall time") ? Math.min(1, last / steps) : Math.min(0.999, last / steps);
  }

  @Override
  public Verdict verify(int exitCode, String report, String stdout) {
    String error = ProgramInputs.lineWith(report, "ERROR");
    if (!error.isEmpty()) {
      return Verdict.failed("lammps: " + error);
    }
    if (exitCode != 0) {
      return Verdict.failed("lammps: exit code " + exitCode + ": " + ProgramInputs.tail(stdout, 3));
    }
    List<double[]> rows = thermo(report);
    if (rows.isEmpty() || rows.get(rows.size() - 1)[0] != steps || !report.contains("Total wall time")) {
      return Verdict.failed("lammps: the run did not reach step " + steps + " and its wall time: " + ProgramInputs.tail(report, 2));
    }
    double first = rows.get(0)[4];
    double last = rows.get(rows.size() - 1)[4];
    double drift = Math.abs(last - first) / Math.abs(first);
    if (!(drift <= ENERGY_TOLERANCE)) {
      return Verdict.failed(String.format(Locale.ROOT, "lammps: total energy went from %s to %s (drift %.3g, more than %.0f %%)",
          first, last, drift, ENERGY_TOLERANCE * 100));
    }
    return Verdict.ok(String.format(Locale.ROOT, "lammps: %d steps, total energy drift %.2g", steps, drift));
  }

  /** The thermo rows printed so far: step, temp, pe, ke, etotal, press (rows with a non-number are skipped). */
  private static List<double[]> thermo(String report) {
    List<double[]> rows = new ArrayList<>();
    Matcher m = THERMO.matcher(report);
    while (m.find()) {
      double[] row = new double[6];
      try {
        for (int i = 0; i < 6; i++) {
          row[i] = Double.parseDouble(m.group(i + 1));
        }
      } catch (NumberFormatException e) {
        continue;
      }
      rows.add(row);
    }
    return rows;
  }
}
