package org.vmflock.model;

/**
 * Input that vmflock refuses: a malformed file, an unknown VM, a negative price. The message names
 * where (a file and line, a field, a message's sender) and what is wrong, on one line, so that the
 * command line can print it as it is.
 */
public class InvalidInputException extends RuntimeException {

  private final String where;

  public InvalidInputException(String where, String what) {
    super(where + ": " + what);
    this.where = where;
  }

  public InvalidInputException(String where, String what, Throwable cause) {
    super(where + ": " + what, cause);
    this.where = where;
  }

  public String where() {
    return where;
  }
}
