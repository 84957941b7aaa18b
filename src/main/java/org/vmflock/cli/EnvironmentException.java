package org.vmflock.cli;

/** The machine lacks something a command needs (libpcap, root, an interface); says what to install or do. */
public final class EnvironmentException extends RuntimeException {

  public EnvironmentException(String message) {
    super(message);
  }

  public EnvironmentException(String message, Throwable cause) {
    super(message, cause);
  }
}
