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

  /**
   * The command line in a JVM of its own, as bin/vmflock runs it (the installation's configuration,
   * from the project's root), its output and errors merged; for tests that kill it.
   */
  public static ProcessBuilder inOwnJvm(Object... args) {
    java.nio.file.Path home = java.nio.file.Path.of("").toAbsolutePath();
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
        java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-Dvmflock.home=" + home,
        "-cp", System.getProperty("java.class.path"), VmflockCommand.class.getName()));
    java.util.Arrays.stream(args).map(String::valueOf).forEach(command::add);
    return new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true);
  }

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
