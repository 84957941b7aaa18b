package org.vmflock.emulate.lab;

/** A lab operation failed on a machine that can host labs: a command refused, a process died, a timeout. */
public final class LabException extends RuntimeException {

  public LabException(String message) {
    super(message);
  }

  public LabException(String message, Throwable cause) {
    super(message, cause);
  }
}
