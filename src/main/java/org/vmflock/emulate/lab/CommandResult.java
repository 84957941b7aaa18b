package org.vmflock.emulate.lab;

/** How a command run in the lab ended: its exit code and its combined stdout and stderr. */
public record CommandResult(int exitCode, String output) {

  public boolean succeeded() {
    return exitCode == 0;
  }
}
