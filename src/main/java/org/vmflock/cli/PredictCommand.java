package org.vmflock.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.vmflock.model.InvalidInputException;
import org.vmflock.plan.QemuPreCopyModel;
import org.vmflock.scenario.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vmflock predict ...}: what vmflock's models predict for one case. */
@Command(name = "predict", mixinStandardHelpOptions = true, description = "Print what vmflock's models predict.",
    subcommands = {PredictCommand.Migration.class, PredictRuntime.class})
public final class PredictCommand implements Runnable {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name what to predict: migration or runtime");
  }

  /** {@code vmflock predict migration}: a QEMU pre-copy live migration ({@link QemuPreCopyModel}). */
  @Command(name = "migration", mixinStandardHelpOptions = true,
      description = "Predict a live migration's total time, downtime, bytes and rounds, and whether it converges (QEMU's pre-copy).")
  static final class Migration implements Callable<Integer> {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Option(names = "--memory", required = true, paramLabel = "SIZE", description = "The VM's RAM, e.g. 1GiB, 256MiB.")
    String memory;

    @Option(names = "--nonzero", paramLabel = "SIZE", description = "What of its RAM holds data (default: --memory).")
    String nonzero;

    @Option(names = "--working-set", paramLabel = "SIZE", description = "The memory it keeps writing (default: --memory).")
    String workingSet;

    @Option(names = "--dirty-rate", paramLabel = "RATE", defaultValue = "0B/s", description = "How fast it writes it, e.g. 40MiB/s (default 0).")
    String dirtyRate;

    @Option(names = "--bandwidth", required = true, paramLabel = "RATE", description = "The migration's bandwidth cap, e.g. 1Gbit/s, 128MiB/s.")
    String bandwidth;

    @Option(names = "--path-rate", paramLabel = "RATE", description = "The path's own speed, at which the last copy runs (default: --bandwidth).")
    String pathRate;

    @Option(names = "--latency", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "0ms",
        description = "The path's one-way delay (default 0ms).")
    Duration latency;

    @Option(names = "--downtime-limit", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "300ms",
        description = "The pause QEMU aims at (default 300ms).")
    Duration downtimeLimit;

    @Mixin OutputFormat output;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      boolean json = output.json();
      double mem = size("--memory", memory);
      double nz = nonzero == null ? mem : size("--nonzero", nonzero);
      double ws = workingSet == null ? mem : size("--working-set", workingSet);
      double dirty = rate("--dirty-rate", dirtyRate, true);
      double cap = rate("--bandwidth", bandwidth, false);
      double path = pathRate == null ? cap : rate("--path-rate", pathRate, false);
      if (nz > mem) {
        throw new InvalidInputException("--nonzero", "larger than --memory: " + nonzero + " > " + memory);
      }
      if (ws > mem) {
        throw new InvalidInputException("--working-set", "larger than --memory: " + workingSet + " > " + memory);
      }
      QemuPreCopyModel.Prediction p = new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated())
          .predict(new QemuPreCopyModel.Input(mem, nz, ws, dirty, cap, path, latency, downtimeLimit));
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(json(p));
      } else {
        out.printf("%-12s %s%n", "total", p.converged() ? String.format("%.0f ms", p.totalSeconds() * 1e3) : "never (does not converge)");
        out.printf("%-12s %s%n", "downtime", p.converged() ? String.format("%.1f ms", p.downtimeSeconds() * 1e3) : "-");
        out.printf("%-12s %.0f (%.1f MiB)%n", "bytes", p.bytes(), p.bytes() / (1 << 20));
        out.printf("%-12s %d%n", "rounds", p.rounds());
        out.printf("%-12s %s%n", "converged", p.converged());
      }
      out.flush();
      return ExitCode.OK;
    }

    /** The JSON line: times in ms (null when it does not converge), bytes, rounds, converged. */
    static String json(QemuPreCopyModel.Prediction p) {
      ObjectNode o = MAPPER.createObjectNode();
      if (p.converged()) {
        o.put("total_ms", Math.round(p.totalSeconds() * 1e3 * 10) / 10.0);
        o.put("downtime_ms", Math.round(p.downtimeSeconds() * 1e3 * 10) / 10.0);
      } else {
        o.putNull("total_ms");
        o.putNull("downtime_ms");
      }
      o.put("bytes", Math.round(p.bytes()));
      o.put("rounds", p.rounds());
      o.put("converged", p.converged());
      return o.toString();
    }

    private static double size(String option, String text) {
      double v;
      try {
        v = Units.bytes(text);
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException(option, e.getMessage());
      }
      if (!(v > 0) && !option.equals("--nonzero") && !option.equals("--working-set") || !Double.isFinite(v) || v < 0) {
        throw new InvalidInputException(option, "must be a positive size: '" + text + "'");
      }
      return v;
    }

    private static double rate(String option, String text, boolean zeroAllowed) {
      double v;
      try {
        v = Units.bytesPerSecond(text);
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException(option, e.getMessage());
      }
      if (!Double.isFinite(v) || v < 0 || (v == 0 && !zeroAllowed)) {
        throw new InvalidInputException(option, "must be a " + (zeroAllowed ? "non-negative" : "positive") + " rate: '" + text + "'");
      }
      return v;
    }
  }
}
