package org.vmflock.cli;

/** Exit codes scripts can rely on. */
public final class ExitCode {

  /** Done. */
  public static final int OK = 0;
  /** Something failed while running (a bug, a node that could not start, a collector that never answered). */
  public static final int FAILURE = 1;
  /** The input was refused: usage, a malformed file, an unknown VM or interface, a broken configuration. */
  public static final int INVALID_INPUT = 2;
  /** The machine lacks what the command needs: libpcap, root privileges, a network namespace. */
  public static final int ENVIRONMENT = 3;
  /** A statistics query that could not be answered precisely in the time allowed: ask again later. */
  public static final int REFORMULATE = 4;

  private ExitCode() {}
}
