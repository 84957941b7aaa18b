package org.vmflock.fuzz;

/**
 * What one input did: accepted, refused as vmflock refuses input (exit 2, HTTP 400, with one line
 * naming what and where), or anything else, which is a defect: another exception, a refusal that is
 * not one line or names no place, a try that did not end within its time.
 *
 * @param detail the refusal's message, or what went wrong
 */
public record Outcome(Kind kind, String detail, long nanos) {

  public enum Kind { ACCEPTED, REFUSED, FAILED }

  public boolean failed() {
    return kind == Kind.FAILED;
  }
}
