package org.vmflock.execute.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.vmflock.execute.SagaEvent;
import org.vmflock.execute.SagaPhase;
import org.vmflock.execute.SagaState;
import org.vmflock.execute.SimulatedWorld;
import org.vmflock.execute.WorldInvariants;
import org.vmflock.model.Capacity;
import org.vmflock.model.Vm;
import org.vmflock.site.SiteBooks;

/**
 * What one seeded run of the fault harness gave, and what its checks found.
 *
 * @param outcome how the saga ended, as it reported it; empty if it reported nothing in time
 * @param reported how many times the saga reported its end (1 expected)
 * @param violations what must not happen and did, described; empty when every check passed
 * @param signature the run's observable history (the saga's events, the world, the books), with its
 *     instance's names made neutral: the same seed must give the same signature
 */
public record FaultRun(long seed, FaultKind kind, Optional<SagaPhase> outcome, String reason, int reported, Faults faults, Checks checks,
    List<String> violations, String signature) {

  public FaultRun {
    violations = List.copyOf(violations);
  }

  /** The faults injected, as counted where they struck. */
  public record Faults(int actuatorFailures, int hangs, int messagesLost, int messagesDuplicated, int journalFailures, int sagaCrashes,
      int leaseExpiries) {

    Faults withLeaseExpiries(int n) {
      return new Faults(actuatorFailures, hangs, messagesLost, messagesDuplicated, journalFailures, sagaCrashes, n);
    }
  }

  /**
   * The checks' counts. Reservations and books are checked strictly once the saga completed or
   * rolled back; a stuck saga leaves its VM in one place but may leave a reservation or a book for
   * an operator to settle (it says which step), counted in {@code leftForOperator}.
   *
   * @param reservationsLeaked reservations still held at the end, at the sites' books or at the hypervisors
   * @param booksWrong sites whose books differ from a recount of the world
   */
  public record Checks(int vmsLost, int vmsDuplicated, int reservationsLeaked, int booksWrong, boolean outcomeRecorded, int leftForOperator) {}

  public boolean passed() {
    return violations.isEmpty();
  }

  /** The checks of a run once it is over; {@code told} is every end the saga reported. */
  static Result check(RunPlan plan, SimulatedWorld world, Map<String, SiteBooks> books, List<SagaEvent> events, List<SagaPhase> told,
      List<String> problems) {
    List<String> violations = new ArrayList<>(problems);
    int lost = 0;
    int duplicated = 0;
    for (Vm vm : plan.vms()) {
      int at = world.whereIs(vm.name()).size();
      if (at == 0) {
        lost++;
        violations.add("VM " + vm.name() + " is lost: " + world.instancesOf(vm.name()));
      } else if (at > 1) {
        duplicated++;
        violations.add("VM " + vm.name() + " is duplicated: " + world.whereIs(vm.name()));
      }
    }
    if (told.isEmpty()) {
      violations.add("the saga reported no outcome");
    } else if (told.size() > 1) {
      violations.add("the saga reported its outcome " + told.size() + " times: " + told);
    }
    SagaState recorded = SagaState.replay(events);
    boolean outcomeRecorded = recorded.phase().ended() && (told.isEmpty() || told.get(0) == recorded.phase());
    if (!outcomeRecorded) {
      violations.add("the journal says " + recorded.phase() + " but the saga reported " + told);
    }
    if (recorded.phase() == SagaPhase.STUCK || recorded.phase() == SagaPhase.ROLLED_BACK) {
      if (recorded.reason().filter(r -> !r.isBlank()).isEmpty()) {
        violations.add("the saga ended " + recorded.phase() + " without a reason");
      }
    }
    List<String> worldLeft = new ArrayList<>();
    int leaked = 0;
    int wrong = 0;
    boolean clean = recorded.phase() == SagaPhase.COMPLETED || recorded.phase() == SagaPhase.ROLLED_BACK;
    if (clean) {
      violations.addAll(WorldInvariants.settled(world, List.of(events)));
    } else {
      violations.addAll(WorldInvariants.safety(world));
    }
    leaked += world.reservations().size();
    world.reservations().forEach(r -> worldLeft.add("reservation held at the hypervisors: " + r));
    for (String site : List.of(plan.source(), plan.destination())) {
      SiteBooks b = books.get(site);
      leaked += b.reservations().size();
      b.reservations().values().forEach(r -> worldLeft.add("reservation held in the books of " + site + ": " + r));
      SortedMap<String, Capacity> recount = recount(world, site);
      Set<String> reserved = world.reservations().stream().filter(r -> r.site().equals(site)).map(SimulatedWorld.Reservation::migrationId)
          .collect(Collectors.toCollection(TreeSet::new));
      if (!new TreeMap<>(b.placed()).equals(recount) || !new TreeSet<>(b.reservations().keySet()).equals(reserved)) {
        wrong++;
        worldLeft.add("the books of " + site + " hold " + b.placed().keySet() + " and reservations " + b.reservations().keySet()
            + "; the world holds " + recount.keySet() + " and reservations " + reserved);
      }
    }
    if (clean) {
      violations.addAll(worldLeft);
    }
    Checks checks = new Checks(lost, duplicated, clean ? leaked : 0, clean ? wrong : 0, outcomeRecorded, clean ? 0 : leaked + wrong);
    return new Result(checks, violations);
  }

  /** What the checks found. */
  record Result(Checks checks, List<String> violations) {}

  /** What a site's books should hold: every VM the world has there (running, paused or retired), none of the incoming copies. */
  static SortedMap<String, Capacity> recount(SimulatedWorld world, String site) {
    SortedMap<String, Capacity> placed = new TreeMap<>();
    for (SimulatedWorld.Instance i : world.instancesAt(site)) {
      if (!i.state().incoming()) {
        placed.put(i.vm().name(), Capacity.of(i.vm()));
      }
    }
    return placed;
  }
}
