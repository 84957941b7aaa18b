package org.vmflock.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.vmflock.fuzz.FuzzTarget;
import org.vmflock.fuzz.Fuzzer;
import org.vmflock.fuzz.Targets;
import org.vmflock.model.InvalidInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Feeds generated inputs to every parser and boundary (capture files, VMS.csv, matrices, scenarios,
 * timelines, price traces, HTTP event JSON, the command line) and counts what each did: accepted,
 * refused as invalid input (exit 2, HTTP 400, one line naming what and where), or anything else,
 * which is a failure: another exception, a refusal on several lines, a try over its time limit.
 */
@Command(
    name = "fuzz",
    mixinStandardHelpOptions = true,
    description = {
      "Fuzzes every parser with generated inputs: each must be accepted or refused as invalid input",
      "(one line naming what and where), never fail otherwise, hang or run out of memory.",
      "Last line: fuzz: N inputs, F failures (exit code 1 when F > 0)."
    })
public final class FuzzBench implements Callable<Integer> {

  private static final long MAX_TRIES = 100_000_000;

  @Option(names = "--tries", defaultValue = "100000", description = "Inputs in all, shared evenly by the parsers (default ${DEFAULT-VALUE}).")
  long tries;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the inputs (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--limit-per-try", defaultValue = "10s", converter = DurationConverter.class,
      description = "An input that takes longer is a failure (a hang) (default ${DEFAULT-VALUE}).")
  Duration limitPerTry;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The parsers and the command line. */
  static List<FuzzTarget<?>> targets() {
    List<FuzzTarget<?>> all = new ArrayList<>(Targets.parsers());
    all.add(new CommandLineFuzzTarget());
    return all;
  }

  @Override
  public Integer call() {
    if (tries < 1 || tries > MAX_TRIES) {
      throw new InvalidInputException("--tries", "between 1 and " + MAX_TRIES + ", not " + tries);
    }
    if (limitPerTry.isZero()) {
      throw new InvalidInputException("--limit-per-try", "must be positive");
    }
    PrintWriter out = spec.commandLine().getOut();
    List<FuzzTarget<?>> targets = targets();
    long total = 0;
    long failures = 0;
    out.printf(Locale.ROOT, "%-14s %9s %9s %9s %9s %12s%n", "parser", "inputs", "accepted", "refused", "failures", "slowest ms");
    try (Fuzzer fuzzer = new Fuzzer(limitPerTry)) {
      for (int i = 0; i < targets.size(); i++) {
        long share = tries / targets.size() + (i < tries % targets.size() ? 1 : 0);
        Fuzzer.Tally t = fuzzer.run(targets.get(i), share, seed * 31 + i);
        out.printf(Locale.ROOT, "%-14s %9d %9d %9d %9d %12.1f%n", t.target(), t.inputs(), t.accepted(), t.refused(), t.failed(),
            t.slowestNanos() / 1e6);
        t.failures().forEach(f -> out.println("  failure: " + f));
        out.flush();
        total += t.inputs();
        failures += t.failed();
      }
    }
    out.printf(Locale.ROOT, "fuzz: %d inputs, %d failures%n", total, failures);
    out.flush();
    return failures == 0 ? ExitCode.OK : ExitCode.FAILURE;
  }
}
