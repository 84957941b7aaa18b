package org.vmflock.scenario;

import java.util.Objects;
import org.vmflock.model.CommunicationRounds;
import org.vmflock.model.TrafficMatrix;

/**
 * A NAS-like application profile (S1): what a run of one NAS Parallel Benchmark on some number of
 * VMs looks like to vmflock. Its VMs are named {@code vm1 ... vmN} in rank order; an application
 * built from it renames them.
 *
 * @param name e.g. {@code cg.A.4}: benchmark, class, VMs
 * @param benchmark cg, lu, mg, ep, bt, ft or is
 * @param problemClass the NPB class: S, W, A, B, C, D
 * @param vms how many VMs (MPI ranks, one per VM)
 * @param trafficPerWork bytes and packets each VM sends each other per work second (one second of
 *     the run on CPUs of speed 1 with free communication), row = sender
 * @param syncsPerWork barriers (latency-bound exchanges) per work second
 * @param dirtyBytesPerSecond how fast each VM dirties its memory while it runs
 * @param size the VM size it runs on (small, medium, large, or a scenario's own)
 * @param defaultWorkSeconds the run's length in work seconds, unless a scenario says otherwise
 * @param origin where the numbers come from: a capture of this project, or the pattern they were
 *     generated from
 * @param rounds how its exchanges are organised in rounds, per work second (unknown: {@code syncsPerWork}
 *     barriers among all that talk)
 */
public record Profile(String name, String benchmark, String problemClass, int vms, TrafficMatrix trafficPerWork, double syncsPerWork,
    double dirtyBytesPerSecond, String size, double defaultWorkSeconds, String origin, CommunicationRounds rounds) {

  public Profile(String name, String benchmark, String problemClass, int vms, TrafficMatrix trafficPerWork, double syncsPerWork,
      double dirtyBytesPerSecond, String size, double defaultWorkSeconds, String origin) {
    this(name, benchmark, problemClass, vms, trafficPerWork, syncsPerWork, dirtyBytesPerSecond, size, defaultWorkSeconds, origin,
        CommunicationRounds.UNKNOWN);
  }

  public Profile {
    rounds = rounds == null ? CommunicationRounds.UNKNOWN : rounds;
    Objects.requireNonNull(name);
    if (vms < 1 || trafficPerWork.size() != vms) {
      throw new IllegalArgumentException("profile " + name + ": " + vms + " VMs but a " + trafficPerWork.size() + "-VM traffic matrix");
    }
    if (!(syncsPerWork >= 0) || !(dirtyBytesPerSecond >= 0) || !(defaultWorkSeconds > 0)) {
      throw new IllegalArgumentException("profile " + name + ": barriers and dirty rate >= 0, work > 0");
    }
  }
}
