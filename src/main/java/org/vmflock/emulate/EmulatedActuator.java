package org.vmflock.emulate;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.vmflock.clock.Clock;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.execute.Actuator;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.SimulatedCrash;
import org.vmflock.execute.StepDetails;
import org.vmflock.execute.StepProgress;
import org.vmflock.execute.StepResult;
import org.vmflock.monitor.capture.NetworkNamespace;
import org.vmflock.plan.QemuPreCopyModel;

/**
 * The emulated actuator (E2): each saga step a real action on an {@link EmulatedFederation}.
 *
 * <ul>
 *   <li>RESERVE: a slot on the destination's bridge, from the site's VM slots (the actuator's own
 *       table, as a hypervisor's), with a lease; refused if full.
 *   <li>PRECOPY: the VM's resident memory (its cgroup's) sent as real bytes from the source site's
 *       host to the destination's, across their WAN link; then, round after round, the pages the VM
 *       dirtied meanwhile (measured from its processes' page contents, or from the order's dirty
 *       rate), until the dirty set is small enough to send within the target downtime, stops
 *       shrinking, or the round limit is reached (the textbook pre-copy's rule).
 *   <li>STOP_AND_COPY: the VM's cgroup frozen, its last dirty pages sent.
 *   <li>COMMIT: the destination copy becomes the VM (refused if the reservation lapsed).
 *   <li>ACTIVATE: the VM's veth moved to the destination's bridge, the VM thawed.
 *   <li>NETWORK_UPDATE: in a VXLAN federation every site's forwarding of the VM's MAC pointed at
 *       the destination (its VTEP; the VM's port there); then a gratuitous ARP from the VM;
 *       checked: it answers a ping from the destination site's host, and the destination and every
 *       site linked to it forward its MAC towards the destination.
 *   <li>RELEASE_SOURCE: the source slot freed.
 *   <li>DISCARD_DESTINATION, RESUME_AT_SOURCE (thaw at the source), RELEASE_RESERVATION.
 * </ul>
 *
 * <p>Idempotent, keyed on the migration id: a step asked again checks its record and the lab, and
 * answers done with {@link StepDetails#ALREADY_DONE}; compensations of what never happened are
 * done. Each answer's {@code took} is the real time the step took. Steps block the calling
 * thread and answer with a completed stage. Steps on one VM run one at a time; others run
 * concurrently. Faults can be injected where the real action happens ({@link Fault}).
 */
public final class EmulatedActuator implements Actuator {

  /** Where a pre-copy round's dirty set comes from. */
  public enum DirtyTracking {
    /** Measured: the VM's resident writable pages whose contents changed during the round ({@link PageContents}). */
    PAGE_CONTENTS,
    /** Modelled: the order's dirty rate times the round's measured duration. */
    ORDER_RATE
  }

  /** How an attempt goes wrong, for fault injection. */
  public enum Fault {
    NONE,
    /** The attempt fails before it does anything (its effect unknown to the saga: a timeout). */
    FAIL_BEFORE,
    /**
     * The real action breaks partway: the stream dropped in the middle of a round (pre-copy), the
     * VM frozen but its rest not sent (stop-and-copy), the veth moved but the VM not thawed
     * (activate), no gratuitous ARP sent (network update), the VM not thawed (resume at source);
     * in the other steps, whose effect is one change of the actuator's record, as FAIL_AFTER.
     */
    FAIL_MIDWAY,
    /** The destination stops reading the stream, so the round times out (pre-copy, stop-and-copy; others as FAIL_BEFORE). */
    STALL,
    /** The step is done but its answer says it failed (the answer was lost). */
    FAIL_AFTER,
    /** The step is done, then the driver crashes before recording it ({@link SimulatedCrash}). */
    CRASH_AFTER
  }

  /** Which attempt of which step goes wrong, and how. */
  @FunctionalInterface
  public interface Faults {
    Fault at(MigrationOrder order, MigrationStep step, int attempt);

    Faults NONE = (order, step, attempt) -> Fault.NONE;
  }

  /**
   * @param policy the pre-copy's target downtime (the stop-and-copy size is the link's rate times
   *     it, times the bandwidth share)
   * @param maxRounds the round limit, after which the stop-and-copy comes whatever is left
   * @param roundTimeoutMargin a round not acknowledged within this plus {@code roundTimeoutFactor}
   *     times its time at the link's rate fails
   * @param leaseMargin a reservation's lease: this plus {@code leaseFactor} times the order's
   *     predicted migration time
   * @param reachTimeout how long the network update may take to find the VM reachable and learnt
   */
  public record Settings(QemuPreCopyModel.Policy policy, int maxRounds, DirtyTracking dirtyTracking, Duration roundTimeoutMargin, double roundTimeoutFactor,
      Duration leaseMargin, double leaseFactor, Duration reachTimeout) {

    public Settings {
      if (maxRounds < 1 || roundTimeoutMargin.isNegative() || leaseMargin.isNegative() || reachTimeout.isNegative() || !(roundTimeoutFactor >= 1)
          || !(leaseFactor >= 0) || Double.isInfinite(roundTimeoutFactor) || Double.isInfinite(leaseFactor)) {
        throw new IllegalArgumentException("emulated actuator: at least one round, no negative time, a round timeout factor of at least 1, finite factors");
      }
    }

    /** The textbook's round limit (Clark et al.'s Xen stops after 30). */
    public static final int DEFAULT_MAX_ROUNDS = 30;

    public static Settings defaults() {
      return new Settings(QemuPreCopyModel.Policy.defaults(), DEFAULT_MAX_ROUNDS, DirtyTracking.PAGE_CONTENTS, Duration.ofSeconds(10), 4,
          Duration.ofMinutes(1), 3, Duration.ofSeconds(10));
    }

    public Settings withDirtyTracking(DirtyTracking tracking) {
      return new Settings(policy, maxRounds, tracking, roundTimeoutMargin, roundTimeoutFactor, leaseMargin, leaseFactor, reachTimeout);
    }

    public Settings withRoundTimeout(Duration margin, double factor) {
      return new Settings(policy, maxRounds, dirtyTracking, margin, factor, leaseMargin, leaseFactor, reachTimeout);
    }

    public Settings withLease(Duration margin, double factor) {
      return new Settings(policy, maxRounds, dirtyTracking, roundTimeoutMargin, roundTimeoutFactor, margin, factor, reachTimeout);
    }
  }

  /** Where a migration stands in the actuator's record. */
  enum Phase {
    /** Room held at the destination. */
    RESERVED,
    /** Pre-copy under way or broken off: a partial copy may be at the destination. */
    COPYING,
    /** Pre-copy done: an out-of-date copy at the destination. */
    COPIED,
    /** The VM frozen at its source, the copy complete. */
    SYNCED,
    /** The destination copy is the VM. */
    COMMITTED,
    /** Rolled back: nothing held. */
    RELEASED
  }

  /** One migration's record: the actuator's memory of what it did, keyed on the migration id. */
  private static final class Record {
    final MigrationOrder order;
    Phase phase = Phase.RELEASED;
    boolean reserved;
    Instant leaseExpiresAt = Instant.MAX;
    boolean sourceRetired;
    boolean announced;
    MigrationStream stream;
    PageContents pages;
    double pendingDirtyBytes;
    long precopyEndedNanos;

    Record(MigrationOrder order) {
      this.order = order;
    }

    boolean copyAtDestination() {
      return phase == Phase.COPYING || phase == Phase.COPIED || phase == Phase.SYNCED;
    }
  }

  /** A reservation as the checks see it. */
  public record Reservation(String migrationId, String vm, String site, Instant leaseExpiresAt) {}

  private final EmulatedFederation lab;
  private final Map<String, Integer> slots;
  private final Clock clock;
  private final Settings settings;
  private final Faults faults;
  private final Map<String, Record> records = new LinkedHashMap<>();
  /** Where a committed VM is, until its veth is on that site's bridge (then the lab says). */
  private final Map<String, String> placed = new HashMap<>();
  private final Map<String, ReentrantLock> vmLocks = new ConcurrentHashMap<>();

  /**
   * @param slotsPerSite how many VMs each site's bridge holds at most (every site of the lab)
   * @param clock the time of the reservations' leases
   */
  public EmulatedActuator(EmulatedFederation lab, Map<String, Integer> slotsPerSite, Clock clock, Settings settings, Faults faults) {
    List<String> missing = lab.sites().stream().filter(s -> !slotsPerSite.containsKey(s)).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("emulated actuator: no VM slot count for site(s) " + missing);
    }
    slotsPerSite.forEach((site, n) -> {
      if (n < 0) {
        throw new IllegalArgumentException("emulated actuator: site '" + site + "' has " + n + " VM slots");
      }
    });
    this.lab = lab;
    this.slots = Map.copyOf(slotsPerSite);
    this.clock = clock;
    this.settings = settings;
    this.faults = faults;
  }

  public EmulatedActuator(EmulatedFederation lab, Map<String, Integer> slotsPerSite, Clock clock) {
    this(lab, slotsPerSite, clock, Settings.defaults(), Faults.NONE);
  }

  public EmulatedFederation lab() {
    return lab;
  }

  /**
   * This actuator, telling {@code progress} how each step comes along whatever its caller asks
   * (the {@code SagaRunner} follows none): for benchmarks and tests.
   */
  public Actuator reportingProgressTo(Consumer<StepProgress> progress) {
    EmulatedActuator self = this;
    return new Actuator() {
      @Override
      public CompletionStage<StepResult> perform(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> theirs) {
        return self.perform(order, step, attempt, p -> {
          progress.accept(p);
          theirs.accept(p);
        });
      }

      @Override
      public CompletionStage<StepResult> compensate(MigrationOrder order, MigrationStep step, int attempt) {
        return self.compensate(order, step, attempt);
      }
    };
  }

  // ---------------------------------------------------------------- the interface

  @Override
  public CompletionStage<StepResult> perform(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> progress) {
    requireForward(step, true);
    return answer(order, step, attempt, progress);
  }

  @Override
  public CompletionStage<StepResult> compensate(MigrationOrder order, MigrationStep step, int attempt) {
    requireForward(step, false);
    return answer(order, step, attempt, NO_PROGRESS);
  }

  private static void requireForward(MigrationStep step, boolean forward) {
    if (step.forward() != forward) {
      throw new IllegalArgumentException(step + (forward ? " is a compensation, not a step" : " is a step, not a compensation"));
    }
  }

  private CompletionStage<StepResult> answer(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> progress) {
    try {
      return CompletableFuture.completedFuture(attempt(order, step, attempt, progress));
    } catch (SimulatedCrash crash) {
      return CompletableFuture.failedFuture(crash);
    }
  }

  /** The step done now, on the calling thread: its result, or a {@link SimulatedCrash} when one is injected after it. */
  public StepResult attempt(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> progress) {
    ReentrantLock lock = vmLocks.computeIfAbsent(order.vm(), v -> new ReentrantLock());
    lock.lock();
    long start = System.nanoTime();
    try {
      Fault fault = faults.at(order, step, attempt);
      if (fault == Fault.FAIL_MIDWAY && !HAS_MIDPOINT.contains(step)) {
        fault = Fault.FAIL_AFTER;
      }
      boolean streams = step == MigrationStep.PRECOPY || step == MigrationStep.STOP_AND_COPY;
      if (fault == Fault.FAIL_BEFORE || (fault == Fault.STALL && !streams)) {
        return StepResult.Failed.unknown(StepResult.since(start), "injected fault before " + step);
      }
      StepResult result;
      try {
        result = act(order, step, fault, progress, start);
      } catch (StepFailure | IOException | RuntimeException e) {
        if (e instanceof SimulatedCrash crash) {
          throw crash;
        }
        result = StepResult.Failed.unknown(StepResult.since(start), e.getMessage() != null ? e.getMessage() : e.toString());
      }
      return switch (fault) {
        case FAIL_AFTER -> StepResult.Failed.unknown(result.took(), "injected fault: the answer of " + step + " was lost");
        case CRASH_AFTER -> throw new SimulatedCrash(order, step, attempt, result.took());
        default -> result;
      };
    } finally {
      lock.unlock();
    }
  }

  /** The steps whose real action can break partway ({@link Fault#FAIL_MIDWAY}); in the others it strikes after the effect. */
  private static final java.util.Set<MigrationStep> HAS_MIDPOINT = java.util.EnumSet.of(MigrationStep.PRECOPY, MigrationStep.STOP_AND_COPY,
      MigrationStep.ACTIVATE, MigrationStep.NETWORK_UPDATE, MigrationStep.RESUME_AT_SOURCE);

  /** A step's real action broke (an injected fault partway, or the lab refusing). */
  private static final class StepFailure extends Exception {
    StepFailure(String message) {
      super(message);
    }
  }

  private StepResult act(MigrationOrder o, MigrationStep step, Fault fault, Consumer<StepProgress> progress, long start)
      throws StepFailure, IOException {
    Record r;
    synchronized (records) {
      expireLeases();
      r = records.computeIfAbsent(o.migrationId(), id -> new Record(o));
    }
    boolean midway = fault == Fault.FAIL_MIDWAY;
    return switch (step) {
      case RESERVE -> reserve(r, start);
      case PRECOPY -> precopy(r, fault, progress, start);
      case STOP_AND_COPY -> stopAndCopy(r, fault, start);
      case COMMIT -> commit(r, start);
      case ACTIVATE -> activate(r, midway, start);
      case NETWORK_UPDATE -> updateNetwork(r, midway, start);
      case RELEASE_SOURCE -> releaseSource(r, start);
      case DISCARD_DESTINATION -> discardDestination(r, start);
      case RESUME_AT_SOURCE -> resumeAtSource(r, midway, start);
      case RELEASE_RESERVATION -> releaseReservation(r, start);
    };
  }

  // ---------------------------------------------------------------- forward steps

  private StepResult reserve(Record r, long start) {
    MigrationOrder o = r.order;
    synchronized (records) {
      if (r.reserved || r.phase == Phase.COMMITTED) {
        return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
      }
      Optional<String> wrong = notAtSource(o);
      if (wrong.isPresent()) {
        return StepResult.refusedSince(start, wrong.get());
      }
      if (!slots.containsKey(o.to())) {
        return StepResult.refusedSince(start, "no site '" + o.to() + "' in the lab");
      }
      int used = used(o.to());
      if (used >= slots.get(o.to())) {
        return StepResult.refusedSince(start, "no room at '" + o.to() + "': " + used + " of " + slots.get(o.to()) + " VM slots taken");
      }
      r.reserved = true;
      r.phase = Phase.RESERVED;
      r.leaseExpiresAt = clock.now().plus(settings.leaseMargin())
          .plus(Duration.ofNanos(Math.round(o.predicted().totalSeconds() * settings.leaseFactor() * 1e9)));
      return StepResult.doneSince(start, StepDetails.NONE);
    }
  }

  private StepResult precopy(Record r, Fault fault, Consumer<StepProgress> progress, long start) throws StepFailure, IOException {
    MigrationOrder o = r.order;
    synchronized (records) {
      if (r.phase == Phase.COPIED || r.phase == Phase.SYNCED || r.phase == Phase.COMMITTED) {
        return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
      }
      if (!r.reserved) {
        return StepResult.refusedSince(start, "no reservation at '" + o.to() + "' (released, or its lease expired)");
      }
      Optional<String> wrong = notAtSource(o).or(() -> lab.vm(o.vm()).thawed() ? Optional.empty()
          : Optional.of("VM '" + o.vm() + "' is not running at '" + o.from() + "'"));
      if (wrong.isPresent()) {
        return StepResult.refusedSince(start, wrong.get());
      }
      r.phase = Phase.COPYING;
    }
    EmulatedVm vm = lab.vm(o.vm());
    WanLinkSpec link = lab.link(o.from(), o.to()).spec();
    double bandwidth = link.bitsPerSecond() / 8.0 * settings.policy().bandwidthShare();
    double stopCopyBytes = bandwidth * settings.policy().downtimeLimit().toNanos() / 1e9;
    closeStream(r);
    r.stream = MigrationStream.open(o.migrationId(), lab.siteNamespace(o.from()), lab.siteNamespace(o.to()), lab.siteAddress(o.to()));
    if (fault == Fault.STALL) {
      r.stream.stallReceiver();
    }
    PageContents before = settings.dirtyTracking() == DirtyTracking.PAGE_CONTENTS ? PageContents.of(vm.pids()) : null;
    long resident = vm.residentBytes();
    long toSend = resident;
    long sent = 0;
    int rounds = 0;
    double dirty;
    while (true) {
      long roundStart = System.nanoTime();
      long abortAfter = fault == Fault.FAIL_MIDWAY && rounds == 0 ? toSend / 2 : -1;
      r.stream.sendRound(toSend, roundTimeout(toSend, link), abortAfter);
      double roundSeconds = (System.nanoTime() - roundStart) / 1e9;
      sent += toSend;
      rounds++;
      PageContents now = null;
      if (before != null) {
        now = PageContents.of(vm.pids());
        dirty = (double) before.dirtiedUntil(now) * PageContents.PAGE_BYTES;
      } else {
        dirty = Math.min(resident, o.vmSpec().dirtyBytesPerSecond() * roundSeconds);
      }
      progress.accept(new StepProgress(MigrationStep.PRECOPY, rounds, sent, dirty, dirty / Math.max(roundSeconds, 1e-9)));
      if (dirty <= stopCopyBytes || dirty >= toSend || rounds >= settings.maxRounds()) {
        // the pages dirtied during this last round are not sent: stop-and-copy sends every page changed since it began
        break;
      }
      before = now;
      toSend = Math.round(dirty);
    }
    synchronized (records) {
      r.pages = before;
      r.pendingDirtyBytes = dirty;
      r.precopyEndedNanos = System.nanoTime();
      if (leaseLapsed(r)) {
        return StepResult.Failed.unknown(StepResult.since(start), "the reservation's lease at '" + o.to() + "' expired during " + MigrationStep.PRECOPY);
      }
      r.phase = Phase.COPIED;
    }
    return StepResult.doneSince(start, new StepDetails(false, sent, rounds, Duration.ZERO));
  }

  private StepResult stopAndCopy(Record r, Fault fault, long start) throws StepFailure, IOException {
    MigrationOrder o = r.order;
    EmulatedVm vm = lab.vm(o.vm());
    synchronized (records) {
      if ((r.phase == Phase.SYNCED && vm.frozen()) || r.phase == Phase.COMMITTED) {
        return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
      }
      if (!r.reserved) {
        return StepResult.refusedSince(start, "no reservation at '" + o.to() + "' (released, or its lease expired)");
      }
      if (r.phase != Phase.COPIED && r.phase != Phase.SYNCED) {
        return StepResult.refusedSince(start, "no pre-copied instance of VM '" + o.vm() + "' at '" + o.to() + "'");
      }
      Optional<String> wrong = notAtSource(o);
      if (wrong.isPresent()) {
        return StepResult.refusedSince(start, wrong.get());
      }
    }
    long pausedAt = System.nanoTime();
    vm.freeze();
    if (fault == Fault.FAIL_MIDWAY) {
      throw new StepFailure("injected fault: VM '" + o.vm() + "' frozen, its last pages not sent");
    }
    long rest;
    if (r.pages != null) {
      PageContents now = PageContents.of(vm.pids());
      rest = r.pages.dirtiedUntil(now) * PageContents.PAGE_BYTES;
      r.pages = now;
    } else {
      double sincePrecopy = (pausedAt - r.precopyEndedNanos) / 1e9;
      rest = Math.round(Math.min(vm.residentBytes(), r.pendingDirtyBytes + o.vmSpec().dirtyBytesPerSecond() * sincePrecopy));
    }
    WanLinkSpec link = lab.link(o.from(), o.to()).spec();
    if (r.stream == null) {
      r.stream = MigrationStream.open(o.migrationId(), lab.siteNamespace(o.from()), lab.siteNamespace(o.to()), lab.siteAddress(o.to()));
    }
    if (fault == Fault.STALL) {
      r.stream.stallReceiver();
    }
    r.stream.sendRound(rest, roundTimeout(rest, link), -1);
    Duration pause = StepResult.since(pausedAt);
    synchronized (records) {
      closeStream(r);
      if (leaseLapsed(r)) {
        return StepResult.Failed.unknown(StepResult.since(start), "the reservation's lease at '" + o.to() + "' expired during " + MigrationStep.STOP_AND_COPY);
      }
      r.phase = Phase.SYNCED;
    }
    return StepResult.doneSince(start, new StepDetails(false, rest, 0, pause));
  }

  private StepResult commit(Record r, long start) {
    MigrationOrder o = r.order;
    synchronized (records) {
      if (r.phase == Phase.COMMITTED) {
        return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
      }
      if (!r.reserved) {
        return StepResult.refusedSince(start, "no reservation at '" + o.to() + "' (its lease expired): nothing committed");
      }
      EmulatedVm vm = lab.vm(o.vm());
      if (r.phase != Phase.SYNCED || !vm.frozen() || !vm.site().equals(o.from())) {
        return StepResult.refusedSince(start, "VM '" + o.vm() + "' is not frozen at '" + o.from() + "' with a synchronised copy at '" + o.to() + "': nothing committed");
      }
      r.phase = Phase.COMMITTED;
      r.reserved = false; // the reservation is now the VM's slot
      r.sourceRetired = true;
      placed.put(o.vm(), o.to());
      return StepResult.doneSince(start, StepDetails.NONE);
    }
  }

  private StepResult activate(Record r, boolean midway, long start) throws StepFailure {
    MigrationOrder o = r.order;
    EmulatedVm vm = lab.vm(o.vm());
    if (r.phase != Phase.COMMITTED) {
      return StepResult.refusedSince(start, "migration " + o.migrationId() + " is not committed");
    }
    boolean attached = vm.site().equals(o.to()) && lab.vmPorts().stream()
        .anyMatch(p -> p.vm().equals(Optional.of(o.vm())) && p.site().equals(o.to()) && p.forwarding());
    if (attached && vm.thawed()) {
      settle(o);
      return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
    }
    if (!attached) {
      lab.movePort(o.vm(), o.to()); // also finishes a move that broke off
    }
    if (midway) {
      throw new StepFailure("injected fault: VM '" + o.vm() + "' moved to '" + o.to() + "', not thawed");
    }
    vm.thaw();
    settle(o);
    return StepResult.doneSince(start, StepDetails.NONE);
  }

  /** The VM's veth is on its destination's bridge: the lab says where it is from now on. */
  private void settle(MigrationOrder o) {
    synchronized (records) {
      placed.remove(o.vm(), o.to());
    }
  }

  private StepResult updateNetwork(Record r, boolean midway, long start) throws StepFailure {
    MigrationOrder o = r.order;
    EmulatedVm vm = lab.vm(o.vm());
    if (r.phase != Phase.COMMITTED || !vm.site().equals(o.to())) {
      return StepResult.refusedSince(start, "VM '" + o.vm() + "' is not active at '" + o.to() + "' yet");
    }
    if (r.announced && unreachable(vm, o.to(), Duration.ZERO).isEmpty()) {
      return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
    }
    if (midway) {
      throw new StepFailure("injected fault: VM '" + o.vm() + "' not announced");
    }
    lab.updateForwarding(o.vm());
    lab.announce(o.vm());
    Optional<String> problem = unreachable(vm, o.to(), settings.reachTimeout());
    if (problem.isPresent()) {
      throw new StepFailure(problem.get());
    }
    r.announced = true;
    return StepResult.doneSince(start, StepDetails.NONE);
  }

  /**
   * Why VM {@code vm} is not reachable at {@code site} yet (polled until {@code timeout}): a ping
   * from the site's host unanswered, or a bridge (the site's, or one linked to it) forwarding its
   * MAC elsewhere or not at all.
   */
  private Optional<String> unreachable(EmulatedVm vm, String site, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<String> problem = reachProblem(vm, site);
      if (problem.isEmpty() || System.nanoTime() - deadline >= 0) {
        return problem;
      }
      try {
        Thread.sleep(REACH_POLL_MILLIS); // the bridges learn from frames crossing the links
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.of("interrupted while checking that VM '" + vm.name() + "' is reachable");
      }
    }
  }

  private Optional<String> reachProblem(EmulatedVm vm, String site) {
    for (String s : lab.sites()) {
      boolean linked = s.equals(site) || lab.links().stream().anyMatch(l -> l.joins(s, site));
      if (!linked) {
        continue;
      }
      Optional<String> towards = lab.forwardsTowards(s, vm.mac());
      if (!towards.equals(Optional.of(site))) {
        return Optional.of("'" + s + "' forwards VM '" + vm.name() + "' (" + vm.mac() + ") "
            + towards.map(t -> "towards '" + t + "'").orElse("nowhere") + ", not towards '" + site + "'");
      }
    }
    try {
      InetAddress address = InetAddress.getByName(vm.ip().toString());
      boolean answered = NetworkNamespace.call(lab.siteNamespace(site), () -> address.isReachable(PING_TIMEOUT_MILLIS));
      return answered ? Optional.empty() : Optional.of("VM '" + vm.name() + "' (" + vm.ip() + ") does not answer a ping from the host of '" + site + "'");
    } catch (Exception e) {
      return Optional.of("cannot ping VM '" + vm.name() + "' from '" + site + "': " + e);
    }
  }

  private static final int PING_TIMEOUT_MILLIS = 500;
  private static final long REACH_POLL_MILLIS = 5;

  private StepResult releaseSource(Record r, long start) {
    MigrationOrder o = r.order;
    synchronized (records) {
      if (r.phase != Phase.COMMITTED) {
        return StepResult.refusedSince(start, "migration " + o.migrationId() + " is not committed: the source is the VM");
      }
      if (!r.sourceRetired) {
        return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
      }
      if (lab.vm(o.vm()).site().equals(o.from())) {
        return StepResult.refusedSince(start, "VM '" + o.vm() + "' is still on the bridge of '" + o.from() + "'");
      }
      r.sourceRetired = false;
      return StepResult.doneSince(start, StepDetails.NONE);
    }
  }

  // ---------------------------------------------------------------- compensations

  private StepResult discardDestination(Record r, long start) {
    synchronized (records) {
      if (r.phase == Phase.COMMITTED) {
        return StepResult.refusedSince(start, "migration " + r.order.migrationId() + " is committed: the destination instance is the VM");
      }
      if (!r.copyAtDestination() && r.stream == null) {
        return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
      }
      closeStream(r);
      r.pages = null;
      r.phase = r.reserved ? Phase.RESERVED : Phase.RELEASED;
      return StepResult.doneSince(start, StepDetails.NONE);
    }
  }

  private StepResult resumeAtSource(Record r, boolean midway, long start) throws StepFailure {
    MigrationOrder o = r.order;
    EmulatedVm vm = lab.vm(o.vm());
    synchronized (records) {
      if (r.phase == Phase.COMMITTED) {
        return StepResult.refusedSince(start, "migration " + o.migrationId() + " is committed: VM '" + o.vm() + "' lives at '" + o.to() + "'");
      }
      if (!vm.site().equals(o.from())) {
        return StepResult.refusedSince(start, "VM '" + o.vm() + "' is no longer at '" + o.from() + "'");
      }
      if (vm.thawed()) {
        return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
      }
      if (r.copyAtDestination()) {
        return StepResult.refusedSince(start, "the copy at '" + o.to() + "' must be discarded before the source resumes");
      }
    }
    if (midway) {
      throw new StepFailure("injected fault: VM '" + o.vm() + "' not thawed");
    }
    lab.updateForwarding(o.vm()); // the overlay forwards to the source, as it did (nothing to change unless a step went astray)
    vm.thaw();
    return StepResult.doneSince(start, StepDetails.NONE);
  }

  private StepResult releaseReservation(Record r, long start) {
    synchronized (records) {
      if (!r.reserved) {
        return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
      }
      if (r.copyAtDestination()) {
        return StepResult.refusedSince(start, "the copy at '" + r.order.to() + "' still occupies the reservation");
      }
      r.reserved = false;
      r.phase = Phase.RELEASED;
      return StepResult.doneSince(start, StepDetails.NONE);
    }
  }

  // ---------------------------------------------------------------- the books

  /** Why {@code o}'s VM is not at its source now (per the actuator's record, then the lab), if it is not. */
  private Optional<String> notAtSource(MigrationOrder o) {
    if (lab.vms().stream().noneMatch(v -> v.name().equals(o.vm()))) {
      return Optional.of("no VM '" + o.vm() + "' in the lab");
    }
    String at = placeOf(o.vm());
    return at.equals(o.from()) ? Optional.empty() : Optional.of("VM '" + o.vm() + "' is at '" + at + "', not at '" + o.from() + "'");
  }

  private String placeOf(String vm) {
    return placed.getOrDefault(vm, lab.vm(vm).site());
  }

  /** VM slots taken at {@code site}: its VMs, the reservations held there and the sources not yet released. */
  private int used(String site) {
    int n = 0;
    for (EmulatedVm vm : lab.vms()) {
      if (placeOf(vm.name()).equals(site)) {
        n++;
      }
    }
    for (Record r : records.values()) {
      if ((r.reserved && r.order.to().equals(site)) || (r.sourceRetired && r.order.from().equals(site))) {
        n++;
      }
    }
    return n;
  }

  /** Reservations whose lease the clock has passed are released (no commit confirmed them). */
  private void expireLeases() {
    Instant now = clock.now();
    for (Record r : records.values()) {
      if (r.reserved && r.phase != Phase.COMMITTED && !now.isBefore(r.leaseExpiresAt)) {
        r.reserved = false;
      }
    }
  }

  private boolean leaseLapsed(Record r) {
    expireLeases();
    return !r.reserved;
  }

  /** The reservations held now. */
  public List<Reservation> reservations() {
    synchronized (records) {
      List<Reservation> held = new ArrayList<>();
      records.values().stream().filter(r -> r.reserved)
          .forEach(r -> held.add(new Reservation(r.order.migrationId(), r.order.vm(), r.order.to(), r.leaseExpiresAt)));
      return held;
    }
  }

  /** What the actuator holds that a settled lab should not: retired sources, copies, open streams, committed VMs not yet on their bridge. */
  public List<String> leftovers() {
    synchronized (records) {
      List<String> left = new ArrayList<>();
      for (Record r : records.values()) {
        if (r.sourceRetired) {
          left.add("the source of " + r.order + " is not released");
        }
        if (r.copyAtDestination()) {
          left.add("a copy of " + r.order + " is at '" + r.order.to() + "' (" + r.phase + ")");
        }
        if (r.stream != null) {
          left.add("the stream of " + r.order + " is open");
        }
      }
      placed.forEach((vm, site) -> left.add("VM '" + vm + "' is committed to '" + site + "' but not on its bridge"));
      return left;
    }
  }

  /** VM slots taken at {@code site} now, as the actuator counts them. */
  public int slotsTaken(String site) {
    synchronized (records) {
      return used(site);
    }
  }

  private void closeStream(Record r) {
    if (r.stream != null) {
      r.stream.close();
      r.stream = null;
    }
  }

  private Duration roundTimeout(long bytes, WanLinkSpec link) {
    double seconds = bytes * 8.0 / link.bitsPerSecond() * settings.roundTimeoutFactor() + 2 * link.oneWayDelay().toNanos() / 1e9;
    return settings.roundTimeoutMargin().plus(Duration.ofNanos(Math.round(seconds * 1e9)));
  }
}
