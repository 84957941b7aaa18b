package org.vmflock.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.vmflock.cli.VmflockCommand;
import picocli.CommandLine;

/** Runs the command line in this JVM as a user would run bin/vmflock, capturing what it prints. */
public final class Cli {

  /** Exit code and the command's own output (stdout) and errors (stderr). */
  public record Run(int exitCode, String out, String err) {}

  private Cli() {}

  public static Run run(Object... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = VmflockCommand.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] text = java.util.Arrays.stream(args).map(String::valueOf).toArray(String[]::new);
    int code = cli.execute(text);
    return new Run(code, out.toString(), err.toString());
  }
}
