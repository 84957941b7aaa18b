package org.vmflock.control;

import java.time.Duration;
import java.util.List;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.KnowledgeEvent;

/**
 * What the migration manager tells whoever watches it (the node's metrics, its live stream): the
 * events once they are durable, each cycle's duration, each monitor answer. Called on the manager's
 * thread: an observer returns at once. {@link #NONE} watches nothing.
 */
public interface ManagerObserver {

  ManagerObserver NONE = new ManagerObserver() {};

  /** Each of {@code observers}, in this order. */
  static ManagerObserver all(List<ManagerObserver> observers) {
    List<ManagerObserver> each = List.copyOf(observers);
    return new ManagerObserver() {
      @Override
      public void persisted(List<KnowledgeEvent> events, Knowledge after) {
        each.forEach(o -> o.persisted(events, after));
      }

      @Override
      public void cycle(Duration took) {
        each.forEach(o -> o.cycle(took));
      }

      @Override
      public void monitored(boolean answered, boolean approximate, int extrapolatedVms, int vmsWithoutData) {
        each.forEach(o -> o.monitored(answered, approximate, extrapolatedVms, vmsWithoutData));
      }

      @Override
      public void trafficObserved(org.vmflock.model.TrafficMatrix ratesPerSecond, java.time.Instant at) {
        each.forEach(o -> o.trafficObserved(ratesPerSecond, at));
      }
    };
  }

  /** {@code events} are in the journal; {@code after} is the knowledge with them. */
  default void persisted(List<KnowledgeEvent> events, Knowledge after) {}

  /** A MAPE cycle took {@code took}, from its monitor query to its decisions persisted (or dropped). */
  default void cycle(Duration took) {}

  /**
   * The collectors answered a cycle's traffic query ({@code answered}), approximately if the newest
   * period was incomplete; {@code extrapolatedVms} had their newest period taken from the one before,
   * {@code vmsWithoutData} had no report in the window.
   */
  default void monitored(boolean answered, boolean approximate, int extrapolatedVms, int vmsWithoutData) {}

  /**
   * The traffic a cycle's Monitor step saw: the mean rates per second between the VMs over the
   * manager's window, at {@code at}. Called off the manager's thread, as the collectors answer.
   */
  default void trafficObserved(org.vmflock.model.TrafficMatrix ratesPerSecond, java.time.Instant at) {}
}
