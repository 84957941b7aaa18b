package org.vmflock.model;

/**
 * What an application computes and exchanges, counted in <em>work seconds</em>: one work second is
 * what the application computes in one second on CPUs of speed 1 when communication costs nothing.
 *
 * @param totalWork the work of the whole run (its reference run time)
 * @param doneWork the work already done
 * @param syncsPerWork barriers (exchange rounds) per work second: each pays the network's latency
 * @param trafficPerWork VM x VM bytes and messages exchanged per work second
 * @param rounds how the exchanges are organised in rounds, per work second ({@link CommunicationRounds#UNKNOWN}:
 *     {@code syncsPerWork} barriers among every VM that talks)
 */
public record Workload(double totalWork, double doneWork, double syncsPerWork, TrafficMatrix trafficPerWork, CommunicationRounds rounds) {

  public Workload(double totalWork, double doneWork, double syncsPerWork, TrafficMatrix trafficPerWork) {
    this(totalWork, doneWork, syncsPerWork, trafficPerWork, CommunicationRounds.UNKNOWN);
  }

  public Workload {
    rounds = rounds == null ? CommunicationRounds.UNKNOWN : rounds;
    rounds.requireVms(trafficPerWork.size(), "workload");
    if (!(totalWork > 0) || !(doneWork >= 0) || doneWork > totalWork || !Limits.SYNCS_PER_SECOND.contains(syncsPerWork)
        || totalWork > Limits.WORK_SECONDS.max()) {
      throw new IllegalArgumentException("a workload needs total work > 0, 0 <= done <= total and syncs >= 0 (got "
          + totalWork + ", " + doneWork + ", " + syncsPerWork + ")");
    }
  }

  public double remainingWork() {
    return totalWork - doneWork;
  }

  public Workload withDone(double done) {
    return new Workload(totalWork, Math.min(totalWork, done), syncsPerWork, trafficPerWork, rounds);
  }

  public Workload withTraffic(TrafficMatrix perWork) {
    return new Workload(totalWork, doneWork, syncsPerWork, perWork, rounds.renumbered(trafficPerWork.vms(), perWork.vms()));
  }

  public Workload withRounds(CommunicationRounds r) {
    return new Workload(totalWork, doneWork, syncsPerWork, trafficPerWork, r);
  }
}
