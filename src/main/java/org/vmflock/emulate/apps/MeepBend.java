package org.vmflock.emulate.apps;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Meep ({@code meep}, Debian's {@code meep-openmpi}; a libctl/Scheme front end): FDTD of a light
 * pulse through a bent dielectric waveguide (meep's tutorial), 2-D, 32 x 32 at resolution 8, to
 * time 100. The grid is split into one chunk per rank; every time step each rank exchanges its
 * chunk's boundary fields with the chunks next to it (a 2-D halo), and the flux is summed over the
 * ranks at the end. Progress: the simulated time the deck prints every 10 units over 100. Its
 * check: it reaches time 200, prints its elapsed time and 50 finite flux values, and light got
 * through the bend (positive total flux).
 */
final class MeepBend implements MpiProgram {

  static final String DECK = "meep-bend.ctl";
  private static final double END_TIME = 100;
  private static final int FREQUENCIES = 50;
  private static final Pattern TIME = Pattern.compile("progress-time: ([0-9.]+)");
  private static final Pattern FLUX = Pattern.compile("(?m)^flux1:, (\\S+), (\\S+)\\s*$");

  @Override
  public String name() {
    return "meep";
  }

  @Override
  public String description() {
    return "Meep FDTD, a pulse through a bent waveguide (2-D, 256 x 256 cells, 1600 steps): 2-D halo of field chunks";
  }

  @Override
  public List<Integer> supportedRanks() {
    return List.of(1, 2, 4, 8, 16);
  }

  @Override
  public void writeInputs(Path workDir, int ranks) {
    ProgramInputs.copy(DECK, workDir.resolve("bend.ctl"));
  }

  @Override
  public List<String> command(Path workDir, int ranks) {
    return List.of("meep", workDir.resolve("bend.ctl").toString());
  }

  @Override
  public double progress(String report) {
    Matcher m = TIME.matcher(report);
    double last = 0;
    while (m.find()) {
      last = Double.parseDouble(m.group(1));
    }
    double p = last / END_TIME;
    return report.contains("Elapsed run time") ? Math.min(1, p) : Math.min(0.999, p);
  }

  @Override
  public Verdict verify(int exitCode, String report, String stdout) {
    String error = ProgramInputs.lineWith(report, "meep: ");
    if (exitCode != 0) {
      return Verdict.failed("meep: exit code " + exitCode + ": " + (error.isEmpty() ? ProgramInputs.tail(stdout, 3) : error));
    }
    if (!report.contains("Elapsed run time") || progress(report) < 1 - 1e-9) {
      return Verdict.failed("meep: the run did not reach time " + END_TIME + ": " + ProgramInputs.tail(report, 2));
    }
    Matcher m = FLUX.matcher(report);
    int n = 0;
    double total = 0;
    while (m.find()) {
      double f;
      try {
        f = Double.parseDouble(m.group(2));
      } catch (NumberFormatException e) {
        return Verdict.failed("meep: flux value '" + m.group(2) + "' is not a number");
      }
      if (!Double.isFinite(f)) {
        return Verdict.failed("meep: flux value " + f);
      }
      total += f;
      n++;
    }
    if (n != FREQUENCIES || !(total > 0)) {
      return Verdict.failed(String.format(Locale.ROOT, "meep: %d flux values (want %d), total %.3g (want > 0)", n, FREQUENCIES, total));
    }
    return Verdict.ok(String.format(Locale.ROOT, "meep: time %.0f, %d flux values, total %.4g", END_TIME, n, total));
  }
}
