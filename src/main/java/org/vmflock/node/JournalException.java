package org.vmflock.node;

/**
 * A journal a node cannot start on: damaged (truncated, overwritten), in use by another process,
 * or unreachable. The message is one line naming the file (or database) and what is wrong.
 */
public final class JournalException extends RuntimeException {

  private final boolean damaged;
  private final boolean machine;

  JournalException(String message, boolean damaged, Throwable cause) {
    this(message, damaged, false, cause);
  }

  private JournalException(String message, boolean damaged, boolean machine, Throwable cause) {
    super(message, cause);
    this.damaged = damaged;
    this.machine = machine;
  }

  /** The machine lacks what the journal needs (root to set up its database server). */
  static JournalException machine(String message) {
    return new JournalException(message, false, true, null);
  }

  /** True when the machine lacks what the journal needs (exit 3 at the command line). */
  public boolean machine() {
    return machine;
  }

  /** True when the journal's content is damaged (as opposed to unreachable or busy). */
  public boolean damaged() {
    return damaged;
  }
}
