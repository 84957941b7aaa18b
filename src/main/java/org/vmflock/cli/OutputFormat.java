package org.vmflock.cli;

import org.vmflock.model.InvalidInputException;
import picocli.CommandLine.Option;

/** The {@code --format json|table} option of the commands that print either (a picocli mixin). */
final class OutputFormat {

  @Option(names = "--format", paramLabel = "json|table", defaultValue = "json", description = "Output format (default ${DEFAULT-VALUE}).")
  String format;

  /** Whether JSON is asked for (else a table); {@link InvalidInputException} naming {@code --format} for anything else. */
  boolean json() {
    return switch (format) {
      case "json" -> true;
      case "table" -> false;
      default -> throw new InvalidInputException("--format", "unknown format '" + format + "' (expected json or table)");
    };
  }
}
