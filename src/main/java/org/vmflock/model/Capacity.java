package org.vmflock.model;

/** What a site offers, or what VMs take: VM slots, cores and memory. */
public record Capacity(int slots, int cores, long memoryBytes) {

  public static final Capacity ZERO = new Capacity(0, 0, 0);

  public Capacity {
    if (slots < 0 || cores < 0 || memoryBytes < 0) {
      throw new IllegalArgumentException("a capacity is not negative: " + slots + " slots, " + cores + " cores, " + memoryBytes + " bytes");
    }
  }

  /** What one VM takes. */
  public static Capacity of(Vm vm) {
    return new Capacity(1, vm.cores(), vm.memoryBytes());
  }

  public Capacity plus(Capacity o) {
    return new Capacity(slots + o.slots, cores + o.cores, memoryBytes + o.memoryBytes);
  }

  /** Never below zero: what is left of this once {@code o} is taken. */
  public Capacity minus(Capacity o) {
    return new Capacity(Math.max(0, slots - o.slots), Math.max(0, cores - o.cores), Math.max(0, memoryBytes - o.memoryBytes));
  }

  /** Whether {@code demand} fits in this. */
  public boolean holds(Capacity demand) {
    return demand.slots <= slots && demand.cores <= cores && demand.memoryBytes <= memoryBytes;
  }

  @Override
  public String toString() {
    return slots + " slots, " + cores + " cores, " + (memoryBytes >> 20) + " MiB";
  }
}
