package org.vmflock.plan;

/** Money, split by what it pays for (P2): hosting the VMs, the application's inter-site traffic, and migrating. */
public record Cost(double hosting, double transfer, double migration) {

  public static final Cost ZERO = new Cost(0, 0, 0);

  public double total() {
    return hosting + transfer + migration;
  }

  public Cost plus(Cost o) {
    return new Cost(hosting + o.hosting, transfer + o.transfer, migration + o.migration);
  }
}
