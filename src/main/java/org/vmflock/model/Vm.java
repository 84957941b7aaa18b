package org.vmflock.model;

/**
 * A VM of an application, as the planner sees it: its size (which sets its hosting price), the
 * cores and memory it takes, and how fast it dirties memory (what a live migration must copy again).
 */
public record Vm(String name, String size, int cores, long memoryBytes, double dirtyBytesPerSecond) {

  public Vm {
    VmEndpoint.requireName("VM", name);
    if (cores < 1 || memoryBytes < 1 || dirtyBytesPerSecond < 0 || !Double.isFinite(dirtyBytesPerSecond)) {
      throw new IllegalArgumentException("VM " + name + ": cores and memory must be positive and the dirty rate not negative");
    }
  }
}
