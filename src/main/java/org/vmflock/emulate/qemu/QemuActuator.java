package org.vmflock.emulate.qemu;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.execute.Actuator;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.StepDetails;
import org.vmflock.execute.StepProgress;
import org.vmflock.execute.StepResult;

/**
 * The QEMU actuator (E2): the saga's steps as a real QEMU live migration between two sites of an
 * {@link EmulatedFederation}, driven over QMP.
 *
 * <ul>
 *   <li>RESERVE: a slot at the destination (the actuator's own table, as a hypervisor's).
 *   <li>PRECOPY: the destination QEMU started paused with {@code -incoming} on the destination's
 *       host; {@code migrate-set-parameters} (max-bandwidth, downtime-limit), the
 *       {@code pause-before-switchover} capability, {@code migrate}; {@code query-migrate} polled
 *       into progress (rounds = dirty-sync-count, bytes left, dirty rate) until QEMU pauses before
 *       its switch-over ({@code pre-switchover}: the source's CPUs stopped, its last pages not
 *       sent). A migration that does not converge (the guest dirties as fast as the cap, or
 *       {@code stallRounds} rounds without a new least of bytes left) is cancelled, its
 *       destination quit, and the step refused with why: never forced.
 *   <li>STOP_AND_COPY: {@code migrate-continue}: the last pages and the devices' state sent (at
 *       the path's speed: QEMU lifts its cap for them), until {@code completed}.
 *   <li>COMMIT: the destination holds the complete guest (paused): it becomes the VM.
 *   <li>ACTIVATE: {@code cont} on the destination.
 *   <li>NETWORK_UPDATE: in a VXLAN federation, every site's forwarding of the guest's MAC pointed
 *       at the destination (its tap there, the destination's VTEP elsewhere:
 *       {@link EmulatedFederation#forwardTo}); then {@code announce-self} (RARP from the guest's
 *       MAC, which a flat federation's bridges learn); checked: the guest answers from the
 *       destination's host and the source's.
 *   <li>RELEASE_SOURCE: the source QEMU quit, its tap removed.
 *   <li>DISCARD_DESTINATION: {@code migrate_cancel} on the source, the destination quit.
 *       RESUME_AT_SOURCE: the source running again ({@code cont} if QEMU left it paused).
 *       RELEASE_RESERVATION.
 * </ul>
 *
 * <p>Idempotent per migration id: a step asked again finds its effect and answers
 * {@link StepDetails#ALREADY_DONE}. Steps block the calling thread; one VM's steps run one at a time.
 */
public final class QemuActuator implements Actuator {

  /** Which attempt of which step fails, for fault injection: before doing anything, or after (its answer lost). */
  public enum Fault { NONE, FAIL_BEFORE, FAIL_AFTER }

  @FunctionalInterface
  public interface Faults {
    Fault at(MigrationOrder order, MigrationStep step, int attempt);

    Faults NONE = (order, step, attempt) -> Fault.NONE;
  }

  /**
   * @param maxBandwidthBytesPerSecond the migration's cap (QEMU's max-bandwidth)
   * @param downtimeLimit QEMU's downtime-limit: it switches over once the rest fits in it
   * @param autoConverge QEMU's auto-converge (throttles the guest's CPU); off by default
   * @param stallRounds rounds without a new least of bytes left before a migration is called non-converging
   * @param precopyTimeout the longest a pre-copy may take
   * @param poll how often {@code query-migrate} is asked
   * @param reachTimeout how long the network update may take to find the guest answering
   */
  public record Settings(long maxBandwidthBytesPerSecond, Duration downtimeLimit, boolean autoConverge, int stallRounds, Duration precopyTimeout,
      Duration poll, Duration reachTimeout) {
    public Settings {
      if (maxBandwidthBytesPerSecond <= 0 || downtimeLimit.isNegative() || stallRounds < 1 || poll.isNegative() || poll.isZero()) {
        throw new IllegalArgumentException("QEMU actuator: a positive bandwidth cap and poll interval, at least one stall round");
      }
    }

    /**
     * Rounds without progress before a pre-copy is called non-converging: 5 cancelled migrations
     * that converge after 8 and 18 rounds ({@code samples/qemu-migration/stall-15-1024.csv}).
     */
    public static final int STALL_ROUNDS = 15;

    public static Settings defaults(long maxBandwidthBytesPerSecond) {
      return new Settings(maxBandwidthBytesPerSecond, Duration.ofMillis(300), false, STALL_ROUNDS, Duration.ofMinutes(10), Duration.ofMillis(100),
          Duration.ofSeconds(20));
    }
  }

  enum Phase { RESERVED, COPYING, PRECOPIED, SYNCED, COMMITTED, RELEASED }

  private static final class Record {
    final MigrationOrder order;
    Phase phase = Phase.RELEASED;
    boolean reserved;
    QemuVm destination;
    long precopyBytes;
    long precopyEndedNanos;
    boolean sourceRetired;
    boolean announced;
    double dirtyMiBPerSecond;
    Optional<String> fillBefore = Optional.empty();
    Optional<String> fillAfter = Optional.empty();
    long badPagesAfter = -1;
    MigrationStatus completed;

    Record(MigrationOrder order) {
      this.order = order;
    }
  }

  private final EmulatedFederation lab;
  private final Path runDirectory;
  private final Map<String, Integer> slots;
  private final Settings settings;
  private final Faults faults;
  private final Map<String, QemuVm> vms = new HashMap<>();
  /** Guests booting, by name: their site (they take a slot there). */
  private final Map<String, String> booting = new HashMap<>();
  private final Map<String, QemuVm> retired = new HashMap<>();
  private final Map<String, Record> records = new HashMap<>();
  private final Map<String, ReentrantLock> vmLocks = new ConcurrentHashMap<>();
  private int nextPort = FIRST_PORT;
  private int nextTap;

  private static final int FIRST_PORT = 4600;

  public QemuActuator(EmulatedFederation lab, Path runDirectory, Map<String, Integer> slotsPerSite, Settings settings, Faults faults) {
    this.lab = lab;
    this.runDirectory = runDirectory;
    this.slots = Map.copyOf(slotsPerSite);
    this.settings = settings;
    this.faults = faults;
  }

  /** Boots guest {@code name} on {@code site} and waits until its workload answers. */
  public QemuVm boot(String name, String site, GuestConfig guest, Duration timeout) throws IOException {
    return boot(name, site, EmulatedFederation.DEFAULT_CLUSTER, guest, timeout);
  }

  /**
   * Boots guest {@code name} of virtual cluster {@code cluster} (its VXLAN segment) on {@code site}
   * and waits until its workload answers; other guests boot, and migrations run, meanwhile. A boot
   * that fails leaves nothing.
   */
  public QemuVm boot(String name, String site, String cluster, GuestConfig guest, Duration timeout) throws IOException {
    synchronized (this) {
      if (vms.containsKey(name) || booting.containsKey(name)) {
        throw new IllegalArgumentException("QEMU VM " + name + " exists already");
      }
      booting.put(name, site);
    }
    QemuVm vm = null;
    try {
      vm = QemuVm.boot(lab, name, site, newTap(), cluster, guest, runDirectory);
      vm.awaitGuest(timeout);
      synchronized (this) {
        vms.put(name, vm);
      }
      return vm;
    } catch (IOException | RuntimeException e) {
      if (vm != null) {
        vm.close();
      }
      throw e;
    } finally {
      synchronized (this) {
        booting.remove(name);
        notifyAll();
      }
    }
  }

  /** Waits while guest {@code name} boots (a migration ordered meanwhile starts once it runs), at most {@code timeout}. */
  private synchronized void awaitBooted(String name, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (booting.containsKey(name)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IOException("guest " + name + " still boots after " + timeout);
      }
      try {
        wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while guest " + name + " boots", e);
      }
    }
  }

  /** Quits guest {@code name} (its application ended) and forgets it; nothing if there is none. */
  public void remove(String name) {
    QemuVm vm;
    synchronized (this) {
      vm = vms.remove(name);
    }
    if (vm != null) {
      vm.close();
    }
  }

  /** The guests running now (not those booting), by name. */
  public synchronized Map<String, QemuVm> vms() {
    return Map.copyOf(vms);
  }

  /** QEMU slots taken at {@code site}: guests there or booting there, and reservations. */
  public synchronized int slotsTaken(String site) {
    return (int) (vms.values().stream().filter(v -> v.site().equals(site)).count()
        + booting.values().stream().filter(site::equals).count()
        + records.values().stream().filter(x -> x.reserved && x.order.to().equals(site)).count());
  }

  /** The migrations committed so far, as QEMU measured them, in no particular order. */
  public synchronized java.util.List<QemuMigration> migrations() {
    return records.values().stream().filter(r -> r.phase == Phase.COMMITTED && r.completed != null)
        .map(r -> new QemuMigration(r.order.migrationId(), r.order.vm(), r.order.from(), r.order.to(), vms.containsKey(r.order.vm())
            ? vms.get(r.order.vm()).guest() : r.destination.guest(), r.dirtyMiBPerSecond, settings.maxBandwidthBytesPerSecond(),
            settings.downtimeLimit(), r.completed, r.fillBefore, r.fillAfter, r.badPagesAfter))
        .toList();
  }

  /** The running instance of VM {@code name}. */
  public synchronized QemuVm vm(String name) {
    QemuVm vm = vms.get(name);
    if (vm == null) {
      throw new IllegalArgumentException("no QEMU VM " + name + " (VMs: " + vms.keySet() + ")");
    }
    return vm;
  }

  private synchronized String newTap() {
    return "vmfl-q" + nextTap++;
  }

  // ---------------------------------------------------------------- the interface

  @Override
  public CompletionStage<StepResult> perform(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> progress) {
    if (!step.forward()) {
      throw new IllegalArgumentException(step + " is a compensation, not a step");
    }
    return CompletableFuture.completedFuture(attempt(order, step, attempt, progress));
  }

  @Override
  public CompletionStage<StepResult> compensate(MigrationOrder order, MigrationStep step, int attempt) {
    if (step.forward()) {
      throw new IllegalArgumentException(step + " is a step, not a compensation");
    }
    return CompletableFuture.completedFuture(attempt(order, step, attempt, NO_PROGRESS));
  }

  private StepResult attempt(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> progress) {
    ReentrantLock lock = vmLocks.computeIfAbsent(order.vm(), v -> new ReentrantLock());
    lock.lock();
    long start = System.nanoTime();
    try {
      Fault fault = faults.at(order, step, attempt);
      if (fault == Fault.FAIL_BEFORE) {
        return StepResult.Failed.unknown(StepResult.since(start), "injected fault before " + step);
      }
      StepResult result;
      try {
        Record r;
        synchronized (this) {
          r = records.computeIfAbsent(order.migrationId(), id -> new Record(order));
        }
        result = act(r, step, progress, start);
      } catch (IOException | RuntimeException e) {
        result = StepResult.Failed.unknown(StepResult.since(start), step + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
      }
      return fault == Fault.FAIL_AFTER ? StepResult.Failed.unknown(result.took(), "injected fault: the answer of " + step + " was lost") : result;
    } finally {
      lock.unlock();
    }
  }

  private StepResult act(Record r, MigrationStep step, Consumer<StepProgress> progress, long start) throws IOException {
    return switch (step) {
      case RESERVE -> {
        awaitBooted(r.order.vm(), settings.precopyTimeout());
        yield reserve(r, start);
      }
      case PRECOPY -> precopy(r, progress, start);
      case STOP_AND_COPY -> stopAndCopy(r, start);
      case COMMIT -> commit(r, start);
      case ACTIVATE -> activate(r, start);
      case NETWORK_UPDATE -> updateNetwork(r, start);
      case RELEASE_SOURCE -> releaseSource(r, start);
      case DISCARD_DESTINATION -> discardDestination(r, start);
      case RESUME_AT_SOURCE -> resumeAtSource(r, start);
      case RELEASE_RESERVATION -> releaseReservation(r, start);
    };
  }

  // ---------------------------------------------------------------- forward steps

  private synchronized StepResult reserve(Record r, long start) {
    MigrationOrder o = r.order;
    if (r.reserved || r.phase == Phase.COMMITTED) {
      return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
    }
    Optional<String> wrong = notAtSource(o);
    if (wrong.isPresent()) {
      return StepResult.refusedSince(start, wrong.get());
    }
    if (!slots.containsKey(o.to())) {
      return StepResult.refusedSince(start, "no site '" + o.to() + "' for QEMU guests");
    }
    int used = slotsTaken(o.to());
    if (used >= slots.get(o.to())) {
      return StepResult.refusedSince(start, "no room at '" + o.to() + "': " + used + " of " + slots.get(o.to()) + " QEMU slots taken");
    }
    r.reserved = true;
    r.phase = Phase.RESERVED;
    return StepResult.doneSince(start, StepDetails.NONE);
  }

  private StepResult precopy(Record r, Consumer<StepProgress> progress, long start) throws IOException {
    MigrationOrder o = r.order;
    QemuVm source;
    int port;
    synchronized (this) {
      if (r.phase == Phase.PRECOPIED || r.phase == Phase.SYNCED || r.phase == Phase.COMMITTED) {
        return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
      }
      if (!r.reserved) {
        return StepResult.refusedSince(start, "no reservation at '" + o.to() + "'");
      }
      Optional<String> wrong = notAtSource(o);
      if (wrong.isPresent()) {
        return StepResult.refusedSince(start, wrong.get());
      }
      source = vms.get(o.vm());
      port = nextPort++;
    }
    dropDestination(r, source); // what a broken-off attempt left
    before(r, source);
    r.phase = Phase.COPYING;
    r.destination = QemuVm.incoming(lab, o.vm(), o.to(), newTap(), source.cluster(), source.guest(), runDirectory, port);
    source.configureMigration(settings.maxBandwidthBytesPerSecond(), settings.downtimeLimit(), true, settings.autoConverge());
    source.migrateTo(r.destination, port);
    Convergence convergence = new Convergence(settings.maxBandwidthBytesPerSecond(), settings.stallRounds());
    long deadline = start + settings.precopyTimeout().toNanos();
    while (true) {
      MigrationStatus s = source.migrationStatus();
      if (s.status().equals("pre-switchover")) {
        r.precopyBytes = s.transferredBytes();
        r.precopyEndedNanos = System.nanoTime();
        r.phase = Phase.PRECOPIED;
        progress.accept(new StepProgress(MigrationStep.PRECOPY, s.rounds(), s.transferredBytes(), s.remainingBytes(), s.dirtyBytesPerSecond()));
        return StepResult.doneSince(start, new StepDetails(false, s.transferredBytes(), s.rounds(), Duration.ZERO));
      }
      if (!s.active()) {
        dropDestination(r, source);
        return StepResult.Failed.unknown(StepResult.since(start), "the migration " + s.status() + (s.error().isEmpty() ? "" : ": " + s.error()));
      }
      progress.accept(new StepProgress(MigrationStep.PRECOPY, s.rounds(), s.transferredBytes(), s.remainingBytes(), s.dirtyBytesPerSecond()));
      Optional<String> stuck = convergence.observe(s);
      if (stuck.isEmpty() && System.nanoTime() - deadline >= 0) {
        stuck = Optional.of("pre-copy took more than " + settings.precopyTimeout());
      }
      if (stuck.isPresent()) {
        dropDestination(r, source);
        // cancelled: the guest runs at its source as before, nothing at the destination
        return StepResult.refusedSince(start, "migration of " + o.vm() + " cancelled, it does not converge: " + stuck.get());
      }
      pause(settings.poll());
    }
  }

  private StepResult stopAndCopy(Record r, long start) throws IOException {
    MigrationOrder o = r.order;
    if (r.phase == Phase.SYNCED || r.phase == Phase.COMMITTED) {
      return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
    }
    if (r.phase != Phase.PRECOPIED || r.destination == null) {
      return StepResult.refusedSince(start, "no pre-copied instance of " + o.vm() + " at '" + o.to() + "'");
    }
    QemuVm source = vm(o.vm());
    MigrationStatus s = source.migrationStatus();
    if (s.status().equals("pre-switchover")) {
      source.continueMigration();
    }
    long deadline = System.nanoTime() + settings.precopyTimeout().toNanos();
    long completedAt = 0;
    while (true) {
      s = source.migrationStatus();
      if (s.completed() && s.totalMillis() > 0) {
        break;
      }
      if (s.completed()) {
        // QEMU 7.2's migration thread marks the migration completed before it takes the lock and
        // writes total-time and downtime (migration_iteration_finish): a query in between reads 0.
        // The figures follow within milliseconds; past FINAL_FIGURES_WAIT it is complete without them.
        completedAt = completedAt == 0 ? System.nanoTime() : completedAt;
        if (System.nanoTime() - completedAt >= FINAL_FIGURES_WAIT.toNanos()) {
          break;
        }
        pause(Duration.ofMillis(5));
        continue;
      }
      if (!s.active()) {
        return StepResult.Failed.unknown(StepResult.since(start), "the migration " + s.status() + " during its switch-over" + (s.error().isEmpty() ? "" : ": " + s.error()));
      }
      if (System.nanoTime() - deadline >= 0) {
        return StepResult.Failed.unknown(StepResult.since(start), "the switch-over did not complete within " + settings.precopyTimeout());
      }
      pause(Duration.ofMillis(5));
    }
    r.phase = Phase.SYNCED;
    r.completed = s;
    Duration paused = Duration.ofNanos(System.nanoTime() - r.precopyEndedNanos);
    return StepResult.doneSince(start, new StepDetails(false, Math.max(0, s.transferredBytes() - r.precopyBytes), 0, paused));
  }

  private synchronized StepResult commit(Record r, long start) throws IOException {
    if (r.phase == Phase.COMMITTED) {
      return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
    }
    if (r.phase != Phase.SYNCED || r.destination == null || !r.destination.alive() || !r.reserved) {
      return StepResult.refusedSince(start, "no complete copy of " + r.order.vm() + " at '" + r.order.to() + "': nothing committed");
    }
    retired.put(r.order.migrationId(), vms.get(r.order.vm()));
    vms.put(r.order.vm(), r.destination);
    r.sourceRetired = true;
    r.reserved = false;
    r.phase = Phase.COMMITTED;
    return StepResult.doneSince(start, StepDetails.NONE);
  }

  private StepResult activate(Record r, long start) throws IOException {
    if (r.phase != Phase.COMMITTED) {
      return StepResult.refusedSince(start, "migration " + r.order.migrationId() + " is not committed");
    }
    QemuVm vm = vm(r.order.vm());
    if (vm.runState().equals("running")) {
      return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
    }
    vm.resume();
    return StepResult.doneSince(start, StepDetails.NONE);
  }

  private StepResult updateNetwork(Record r, long start) throws IOException {
    if (r.phase != Phase.COMMITTED) {
      return StepResult.refusedSince(start, "migration " + r.order.migrationId() + " is not committed");
    }
    QemuVm vm = vm(r.order.vm());
    if (r.announced) {
      return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
    }
    lab.forwardTo(vm.mac(), vm.site(), vm.tap()); // VXLAN: every site's FDB entry of the guest's MAC at the destination
    vm.announce();
    long deadline = System.nanoTime() + settings.reachTimeout().toNanos();
    for (String site : new String[] {r.order.to(), r.order.from()}) {
      while (true) {
        try {
          QemuVm.askFrom(lab.siteNamespace(site), vm.guest(), "ping");
          break;
        } catch (IOException e) {
          if (System.nanoTime() - deadline >= 0) {
            throw new IOException(r.order.vm() + " does not answer from the host of '" + site + "' after its announce: " + e.getMessage());
          }
          pause(settings.poll());
        }
      }
    }
    r.announced = true;
    after(r, vm);
    return StepResult.doneSince(start, StepDetails.NONE);
  }

  private StepResult releaseSource(Record r, long start) {
    if (r.phase != Phase.COMMITTED) {
      return StepResult.refusedSince(start, "migration " + r.order.migrationId() + " is not committed: the source is the VM");
    }
    QemuVm old;
    synchronized (this) {
      old = retired.remove(r.order.migrationId());
      r.sourceRetired = false;
    }
    if (old == null) {
      return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
    }
    old.close();
    return StepResult.doneSince(start, StepDetails.NONE);
  }

  // ---------------------------------------------------------------- compensations

  private StepResult discardDestination(Record r, long start) throws IOException {
    if (r.phase == Phase.COMMITTED) {
      return StepResult.refusedSince(start, "migration " + r.order.migrationId() + " is committed: the destination is the VM");
    }
    if (r.destination == null) {
      return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
    }
    dropDestination(r, vm(r.order.vm()));
    r.phase = r.reserved ? Phase.RESERVED : Phase.RELEASED;
    return StepResult.doneSince(start, StepDetails.NONE);
  }

  private StepResult resumeAtSource(Record r, long start) throws IOException {
    if (r.phase == Phase.COMMITTED) {
      return StepResult.refusedSince(start, "migration " + r.order.migrationId() + " is committed: " + r.order.vm() + " lives at '" + r.order.to() + "'");
    }
    if (r.destination != null) {
      return StepResult.refusedSince(start, "the copy at '" + r.order.to() + "' must be discarded before the source resumes");
    }
    QemuVm source = vm(r.order.vm());
    awaitNoMigration(source);
    lab.forwardTo(source.mac(), source.site(), source.tap()); // the overlay forwards to the source, as it did (nothing to change unless a step went astray)
    if (source.runState().equals("running")) {
      return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
    }
    source.resume();
    return StepResult.doneSince(start, StepDetails.NONE);
  }

  private synchronized StepResult releaseReservation(Record r, long start) {
    if (!r.reserved) {
      return StepResult.doneSince(start, StepDetails.ALREADY_DONE);
    }
    if (r.destination != null) {
      return StepResult.refusedSince(start, "the copy at '" + r.order.to() + "' still occupies the reservation");
    }
    r.reserved = false;
    r.phase = Phase.RELEASED;
    return StepResult.doneSince(start, StepDetails.NONE);
  }

  // ---------------------------------------------------------------- helpers

  /** What the guest is before its migration: the dirty rate it achieves, its fill's checksum (what the move must keep). */
  private static void before(Record r, QemuVm source) {
    r.dirtyMiBPerSecond = source.guest().dirtyMiBPerSecond();
    try {
      String stat = source.ask("stat");
      r.dirtyMiBPerSecond = Double.parseDouble(stat.replaceAll(".*rate=", "").strip());
      r.fillBefore = Optional.ofNullable(source.check().get("fill"));
    } catch (IOException | RuntimeException e) {
      // a guest that does not answer now: the migration still runs; its report says the check was not made
    }
  }

  /** The guest's memory checked at its destination, for the migration's record. */
  private static void after(Record r, QemuVm destination) {
    try {
      Map<String, String> check = destination.check();
      r.fillAfter = Optional.ofNullable(check.get("fill"));
      r.badPagesAfter = Long.parseLong(check.getOrDefault("bad", "-1"));
    } catch (IOException | RuntimeException e) {
      // not answering now: the record says the check was not made
    }
  }

  /** Cancels {@code r}'s migration on {@code source} if one runs, and quits its destination. */
  private void dropDestination(Record r, QemuVm source) throws IOException {
    if (source.migrationStatus().active()) {
      source.cancelMigration();
    }
    awaitNoMigration(source);
    if (r.destination != null) {
      r.destination.close();
      r.destination = null;
    }
  }

  private void awaitNoMigration(QemuVm source) throws IOException {
    long deadline = System.nanoTime() + CANCEL_TIMEOUT.toNanos();
    while (source.migrationStatus().active()) {
      if (System.nanoTime() - deadline >= 0) {
        throw new IOException("the migration of " + source.name() + " is still " + source.migrationStatus().status() + " after its cancel");
      }
      pause(Duration.ofMillis(10));
    }
  }

  private static final Duration CANCEL_TIMEOUT = Duration.ofSeconds(30);

  private synchronized Optional<String> notAtSource(MigrationOrder o) {
    QemuVm vm = vms.get(o.vm());
    if (vm == null) {
      return Optional.of("no QEMU VM '" + o.vm() + "'");
    }
    return vm.site().equals(o.from()) ? Optional.empty() : Optional.of("VM '" + o.vm() + "' is at '" + vm.site() + "', not at '" + o.from() + "'");
  }

  /** Quits every guest this actuator started (the lab would kill them at its close anyway). */
  public synchronized void closeAll() {
    records.values().stream().filter(r -> r.destination != null && r.phase != Phase.COMMITTED).forEach(r -> r.destination.close());
    retired.values().forEach(QemuVm::close);
    vms.values().forEach(QemuVm::close);
    vms.clear();
    retired.clear();
  }

  /** What should not be left once migrations are settled: destinations, unreleased sources, reservations. */
  public synchronized java.util.List<String> leftovers() {
    java.util.List<String> left = new java.util.ArrayList<>();
    records.values().forEach(r -> {
      if (r.destination != null && r.phase != Phase.COMMITTED) {
        left.add("a destination of " + r.order + " runs");
      }
      if (r.reserved) {
        left.add("a reservation of " + r.order + " is held");
      }
      if (r.sourceRetired) {
        left.add("the source of " + r.order + " is not released");
      }
    });
    return left;
  }

  /** How long a completed migration's final figures (total time, downtime) are waited for. */
  static final Duration FINAL_FIGURES_WAIT = Duration.ofSeconds(2);

  private static void pause(Duration d) throws IOException {
    try {
      Thread.sleep(d.toMillis()); // polling QEMU, a real process
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /**
   * Tells a pre-copy that cannot converge: after its first full pass, the guest dirties memory at
   * least as fast as the cap sends it, or {@code stallRounds} rounds go by without a new least of
   * bytes left.
   */
  static final class Convergence {
    private final double bandwidth;
    private final int stallRounds;
    private long leastLeft = Long.MAX_VALUE;
    private int roundOfLeast;
    private int fastDirtyRounds;
    private int lastRound;

    Convergence(double bandwidthBytesPerSecond, int stallRounds) {
      this.bandwidth = bandwidthBytesPerSecond;
      this.stallRounds = stallRounds;
    }

    Optional<String> observe(MigrationStatus s) {
      if (s.rounds() < 2) {
        return Optional.empty();
      }
      if (s.remainingBytes() < leastLeft * LEAST_SHRINK) {
        leastLeft = s.remainingBytes();
        roundOfLeast = s.rounds();
      }
      if (s.rounds() > lastRound) {
        lastRound = s.rounds();
        fastDirtyRounds = s.dirtyBytesPerSecond() >= bandwidth ? fastDirtyRounds + 1 : 0;
      }
      if (fastDirtyRounds >= FAST_DIRTY_ROUNDS) {
        return Optional.of(String.format("the guest dirties %.1f MiB/s, the cap sends %.1f MiB/s", s.dirtyBytesPerSecond() / MIB, bandwidth / MIB));
      }
      if (s.rounds() - roundOfLeast >= stallRounds) {
        return Optional.of(String.format("%d rounds without progress (%.1f MiB left, at least %.1f MiB since round %d)", s.rounds() - roundOfLeast,
            s.remainingBytes() / MIB, leastLeft / MIB, roundOfLeast));
      }
      return Optional.empty();
    }

    private static final double LEAST_SHRINK = 0.9;
    private static final int FAST_DIRTY_ROUNDS = 2;
    private static final double MIB = 1024.0 * 1024;
  }
}
