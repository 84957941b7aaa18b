package org.vmflock.execute;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.vmflock.execute.SimulatedWorld.Instance;
import org.vmflock.execute.SimulatedWorld.InstanceState;
import org.vmflock.model.Capacity;

/**
 * What must hold in a {@link SimulatedWorld} whatever fails (E1: no VM is ever lost or duplicated):
 * {@link #safety} at every instant, {@link #settled} once every saga has ended. Each returns the
 * violations found, described; empty when all hold.
 */
public final class WorldInvariants {

  private WorldInvariants() {}

  /**
   * At every instant: every VM is itself (running or paused) at exactly one site; no site holds more
   * than its capacity (instances, reservations, copies), and its books agree with what it holds; every incoming copy lives in a reservation.
   */
  public static List<String> safety(SimulatedWorld world) {
    List<String> violations = new ArrayList<>();
    for (String vm : world.vms().keySet()) {
      List<Instance> where = world.whereIs(vm);
      if (where.size() != 1) {
        violations.add("VM '" + vm + "' is running or paused at " + where.size() + " sites: " + where);
      }
    }
    for (String site : world.sites()) {
      Capacity used = world.used(site);
      if (!world.capacity(site).holds(used)) {
        violations.add("site '" + site + "' holds " + used + ", over its capacity of " + world.capacity(site));
      }
      Capacity recounted = world.usedRecounted(site);
      if (!recounted.equals(used)) {
        violations.add("site '" + site + "' books " + used + " but holds " + recounted);
      }
    }
    for (Instance i : world.instances()) {
      boolean reserved = world.reservation(i.migrationId()).filter(r -> r.site().equals(i.site())).isPresent();
      if (i.state().incoming() && !reserved) {
        violations.add("incoming copy of VM '" + i.vm().name() + "' at '" + i.site() + "' has no reservation");
      }
    }
    return violations;
  }

  /**
   * Once every saga has ended: the safety invariants; every VM running (none left paused), with its
   * network route pointing at its site; no reservation, incoming copy or retired source left; and
   * every saga ended, recorded, with its VM where its end says: at the destination when completed,
   * at the source when rolled back.
   *
   * @param journals every saga's events
   */
  public static List<String> settled(SimulatedWorld world, Collection<List<SagaEvent>> journals) {
    List<String> violations = new ArrayList<>(safety(world));
    Map<String, String> routes = world.routes();
    for (String vm : world.vms().keySet()) {
      for (Instance i : world.whereIs(vm)) {
        if (i.state() != InstanceState.RUNNING) {
          violations.add("VM '" + vm + "' is left " + i.state() + " at '" + i.site() + "'");
        }
        if (!i.site().equals(routes.get(vm))) {
          violations.add("VM '" + vm + "' runs at '" + i.site() + "' but its address is routed to '" + routes.get(vm) + "'");
        }
      }
    }
    world.reservations().forEach(r -> violations.add("reservation leaked: " + r));
    world.instances().stream()
        .filter(i -> !i.state().theVm())
        .forEach(i -> violations.add("instance left behind: " + i));
    for (List<SagaEvent> events : journals) {
      violations.addAll(ended(world, events));
    }
    return violations;
  }

  private static List<String> ended(SimulatedWorld world, List<SagaEvent> events) {
    SagaState state = SagaState.replay(events);
    if (state.order().isEmpty()) {
      return List.of("a saga has no Started event");
    }
    MigrationOrder order = state.order().get();
    SagaEvent last = events.get(events.size() - 1);
    String expectedSite;
    if (last instanceof SagaEvent.Completed && state.phase() == SagaPhase.COMPLETED) {
      expectedSite = order.to();
    } else if (last instanceof SagaEvent.RolledBack && state.phase() == SagaPhase.ROLLED_BACK) {
      expectedSite = order.from();
    } else {
      return List.of("saga " + order + " did not end in Completed or RolledBack: " + state.phase() + ", last event " + last);
    }
    List<Instance> where = world.whereIs(order.vm());
    if (where.size() != 1 || !where.get(0).site().equals(expectedSite)) {
      return List.of("saga " + order + " ended " + state.phase() + " but its VM is at " + where);
    }
    return List.of();
  }
}
