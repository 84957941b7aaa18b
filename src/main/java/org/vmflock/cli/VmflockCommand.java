package org.vmflock.cli;

import com.typesafe.config.ConfigException;
import java.io.PrintWriter;
import java.util.List;
import org.vmflock.emulate.lab.LabUnavailableException;
import org.vmflock.model.InvalidInputException;
import org.vmflock.monitor.capture.CaptureFormatException;
import org.vmflock.node.JournalException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code vmflock} command line (I1): one entry point, a subcommand per mode. */
@Command(
    name = "vmflock",
    mixinStandardHelpOptions = true,
    versionProvider = VmflockCommand.Version.class,
    description = "Communication-aware live migration of virtual clusters across federated sites.",
    subcommands = {SimulateCommand.class, EmulateCommand.class, LabCommand.class, RunCommand.class, NodeCommand.class, HypervisorsCommand.class, InjectCommand.class, KeysCommand.class, ReplayCommand.class, CaptureCommand.class, QueryCommand.class, GroupsCommand.class, PlanCommand.class, PredictCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:done",
      "1:failure while running (also a damaged journal, said in one line)",
      "2:invalid input (usage, files, configuration)",
      "3:missing system support (libpcap, root, interface)",
      "4:query could not be answered precisely in time (reformulate)"
    })
public final class VmflockCommand implements Runnable {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(VmflockCommand.class);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing a command (see vmflock --help)");
  }

  public static void main(String[] args) {
    // logging set up before any thread logs, so that nothing is queued during its initialisation
    org.slf4j.LoggerFactory.getLogger(VmflockCommand.class);
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code (used by tests as a user would run it). */
  public static int execute(String... args) {
    CommandLine cli = commandLine();
    return cli.execute(args);
  }

  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new VmflockCommand());
    CommandLine.IExecutionStrategy run = new CommandLine.RunLast();
    cli.setExecutionStrategy(parsed -> {
      try {
        return run.execute(parsed);
      } catch (Error e) { // out of memory, a stack overflow: picocli lets errors through, a user gets one line
        List<CommandLine> commands = parsed.asCommandLineList();
        return failed(e, commands.get(commands.size() - 1));
      }
    });
    cli.setExecutionExceptionHandler(VmflockCommand::handle);
    cli.setParameterExceptionHandler((ex, args) -> {
      PrintWriter err = ex.getCommandLine().getErr();
      // the message quotes what was typed: an argument with a line break in it stays on this one line
      err.println(new InvalidInputException(ex.getCommandLine().getCommandName(), String.valueOf(ex.getMessage())).getMessage());
      err.println("(see " + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
      return ExitCode.INVALID_INPUT;
    });
    return cli;
  }

  private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
    PrintWriter err = cli.getErr();
    String command = cli.getCommandSpec().qualifiedName();
    if (e instanceof InvalidInputException || e instanceof CaptureFormatException) {
      err.println(command + ": " + e.getMessage());
      return ExitCode.INVALID_INPUT;
    }
    if (e instanceof JournalException j) {
      err.println(command + ": " + e.getMessage());
      return j.machine() ? ExitCode.ENVIRONMENT : ExitCode.FAILURE;
    }
    if (e instanceof ConfigException c) {
      // a setting of the wrong type or an unreadable file the configuration library met first: its origin names the place
      err.println(command + ": " + new InvalidInputException(c.origin() != null ? c.origin().description() : "configuration",
          c.getMessage().replaceFirst("^.*?: \\d+: ", "")).getMessage());
      return ExitCode.INVALID_INPUT;
    }
    if (e instanceof EnvironmentException || e instanceof LabUnavailableException) {
      err.println(new InvalidInputException(command, String.valueOf(e.getMessage())).getMessage());
      return ExitCode.ENVIRONMENT;
    }
    return failed(e, cli);
  }

  /** Anything else is a failure while running: one line, the stack trace in the log (at debug) or on stderr with VMFLOCK_DEBUG. */
  private static int failed(Throwable e, CommandLine cli) {
    PrintWriter err = cli.getErr();
    String command = cli.getCommandSpec().qualifiedName();
    LOG.debug("{} failed", command, e);
    String what = e instanceof OutOfMemoryError ? "out of memory (" + e.getMessage() + "): the input is too large for this JVM's heap "
        + "(VMFLOCK_JAVA_OPTS=-Xmx...)" : e.getMessage() != null ? e.getMessage() : e.toString();
    err.println(command + ": failed: " + what.replace('\n', ' ') + (System.getenv("VMFLOCK_DEBUG") != null ? "" : " (VMFLOCK_DEBUG=1 shows the stack trace)"));
    if (System.getenv("VMFLOCK_DEBUG") != null) {
      e.printStackTrace(err);
    }
    err.flush();
    return ExitCode.FAILURE;
  }

  /** The version from the jar's manifest, or "development" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = VmflockCommand.class.getPackage().getImplementationVersion();
      return new String[] {"vmflock " + (v != null ? v : "development")};
    }
  }
}
