package org.vmflock.model;

/**
 * Input that vmflock refuses: a malformed file, an unknown VM, a negative price. The message names
 * where (a file and line, a field, a message's sender) and what is wrong, on one line (line breaks
 * shown as \n, cut after 1,000 characters), so that the command line can print it as it is.
 */
public class InvalidInputException extends RuntimeException {

  private final String where;

  /** Longest message: a value quoted whole (a 1 MB cell) is cut, the place it names is kept. */
  private static final int MAX_MESSAGE_CHARS = 1000;

  public InvalidInputException(String where, String what) {
    super(oneLine(where + ": " + what));
    this.where = where;
  }

  public InvalidInputException(String where, String what, Throwable cause) {
    super(oneLine(where + ": " + what), cause);
    this.where = where;
  }

  /** {@code message} on one line and at most {@link #MAX_MESSAGE_CHARS} characters. */
  private static String oneLine(String message) {
    String m = message.replace("\r", "\\r").replace("\n", "\\n");
    return m.length() <= MAX_MESSAGE_CHARS ? m : m.substring(0, MAX_MESSAGE_CHARS) + "... (cut, " + m.length() + " characters)";
  }

  public String where() {
    return where;
  }
}
