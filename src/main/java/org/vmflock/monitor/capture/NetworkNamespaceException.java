package org.vmflock.monitor.capture;

/**
 * A named network namespace could not be entered (it does not exist, it could not be opened, or
 * {@code setns(2)} refused). Unchecked: callers rarely can do anything but report it.
 */
public class NetworkNamespaceException extends RuntimeException {
  private final int errno;

  public NetworkNamespaceException(String message, int errno) {
    super(message);
    this.errno = errno;
  }

  /** The libc {@code errno} behind the failure, or 0 when no system call failed. */
  public int errno() {
    return errno;
  }
}
