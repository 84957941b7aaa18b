package org.vmflock.node;

/**
 * A journal a node cannot start on: damaged (truncated, overwritten), in use by another process,
 * or unreachable. The message is one line naming the file (or database) and what is wrong.
 */
public final class JournalException extends RuntimeException {

  private final boolean damaged;

  JournalException(String message, boolean damaged, Throwable cause) {
    super(message, cause);
    this.damaged = damaged;
  }

  /** True when the journal's content is damaged (as opposed to unreachable or busy). */
  public boolean damaged() {
    return damaged;
  }
}
