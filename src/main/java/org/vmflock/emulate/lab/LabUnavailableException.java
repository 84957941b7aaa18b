package org.vmflock.emulate.lab;

/**
 * The machine cannot host an emulated federation: the message says what is missing (root, a
 * command, a cgroup controller, gcc) and how to get it. The CLI turns it into exit code 3.
 */
public final class LabUnavailableException extends RuntimeException {

  public LabUnavailableException(String message) {
    super(message);
  }

  public LabUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
