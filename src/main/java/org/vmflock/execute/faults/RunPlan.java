package org.vmflock.execute.faults;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.vmflock.execute.FaultPlan;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.SagaPolicy;
import org.vmflock.model.Capacity;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Vm;
import org.vmflock.plan.MigrationEstimate;
import org.vmflock.plan.QemuPreCopyModel;

/**
 * One seeded run of the fault harness, decided before it starts: two sites and their VMs, the
 * migration, the saga's policy, the reservations' lease, and which faults strike where. Every fault
 * is a function of the seed and of where it strikes (a step's attempt, a site's n-th message, an
 * entity's n-th journal write), never of timing, so that a seed gives the same run.
 *
 * @param tag unique to this run in the harness (the seed and an instance number): the sites' and the
 *     saga's persistence ids carry it, since runs share one journal
 */
public record RunPlan(
    long seed,
    FaultKind kind,
    String tag,
    String source,
    String destination,
    Capacity sourceCapacity,
    Capacity destinationCapacity,
    List<Vm> atSource,
    List<Vm> atDestination,
    MigrationOrder order,
    NetworkPath path,
    SagaPolicy policy,
    Duration lease,
    Rates rates,
    boolean resumeTwice) {

  /** When every run's virtual clock starts. */
  public static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");

  /**
   * The saga's step timeout in runs where steps hang (saga time; real time is this divided by the
   * harness's time scale); the others keep the default.
   */
  public static final Duration STEP_TIMEOUT = Duration.ofSeconds(150);
  /** The reservations' lease when it is not made short. */
  public static final Duration NORMAL_LEASE = Duration.ofMinutes(10);

  private static final int[] RETRY_LIMITS = {2, 3, 5, 10};
  private static final int CORES_PER_SLOT = 4;
  private static final long MEMORY_PER_SLOT = 4L << 30;
  private static final double MB = 1_000_000;
  private static final long MIN_MEMORY = 256L * 1_000_000;
  private static final long MAX_MEMORY = 2048L * 1_000_000;
  private static final double MAX_DIRTY_RATE = 40 * MB;
  /** The migration model of the runs: the calibrated one. */
  static final QemuPreCopyModel MODEL = new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated());
  private static final double MIN_BANDWIDTH = 50 * MB;
  private static final double MAX_BANDWIDTH = 500 * MB;
  private static final int MAX_LATENCY_MILLIS = 30;
  /** One run in this many leases its reservation too briefly for the whole migration. */
  private static final int SHORT_LEASE_ONE_IN = 6;
  /** One run in this many has no room at its destination. */
  private static final int FULL_DESTINATION_ONE_IN = 10;
  /** Share of the rates each kind has in a mixed run. */
  private static final double MIXED_SHARE = 0.35;

  /**
   * How often each fault strikes where it may: per attempt of a step or compensation, per message
   * to a site, per journal write. At most {@code maxPerEntity} journal failures per entity,
   * {@code maxCrashes} crashes and {@code maxHangs} hangs per run.
   */
  public record Rates(double actuator, double hang, double lost, double duplicated, double journal, double crashAtStep,
      double crashAtMessage, int maxPerEntity, int maxCrashes, int maxHangs) {

    static final Rates NONE = new Rates(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    Rates scaled(double f) {
      return new Rates(actuator * f, hang * f, lost * f, duplicated * f, journal * f, crashAtStep * f, crashAtMessage * f, maxPerEntity,
          maxCrashes, maxHangs);
    }
  }

  /** What becomes of a step attempt beyond the actuator's own faults. */
  public enum Interruption {
    NONE,
    /** The call never answers; nothing was done. */
    HANG_BEFORE_EFFECT,
    /** The call did its work, then never answers. */
    HANG_AFTER_EFFECT,
    /** The saga actor is stopped while the step runs, before its effect. */
    CRASH_BEFORE_EFFECT,
    /** The saga actor is stopped once the step took effect, before its result is recorded. */
    CRASH_AFTER_EFFECT
  }

  /** What becomes of one message from the saga to a site actor. */
  public enum MessageFate {
    DELIVERED,
    /** Lost on the way to the site. */
    REQUEST_LOST,
    /** The site did it, its answer was lost. */
    REPLY_LOST,
    /** Delivered twice in a row. */
    DUPLICATED,
    /** Delivered, and again after the next message to the same site (or at the end of the run). */
    DUPLICATED_LATE,
    /** The site's answer arrives twice. */
    REPLY_DUPLICATED,
    /** Delivered; the saga actor is stopped while it waits for the answer, which is lost. */
    SAGA_CRASHES_WAITING
  }

  /** What becomes of one write to the journal. */
  public enum JournalFault {
    NONE,
    /** The write fails and nothing is stored. */
    FAILS_BEFORE_WRITE,
    /** The events are stored but the write is reported failed (its acknowledgement lost). */
    FAILS_AFTER_WRITE
  }

  /** The run of {@code seed}; {@code instance} tells apart runs of the same seed in one harness. */
  public static RunPlan of(long seed, int instance) {
    SplittableRandom r = new SplittableRandom(seed);
    FaultKind kind = FaultKind.values()[r.nextInt(FaultKind.values().length)];
    String tag = "f" + seed + "x" + instance;
    int sourceSlots = 2 + r.nextInt(3);
    int destinationSlots = 1 + r.nextInt(4);
    List<Vm> atSource = new ArrayList<>();
    for (int i = 0; i < 1 + r.nextInt(sourceSlots); i++) {
      atSource.add(vm(r, "vm" + i));
    }
    List<Vm> atDestination = new ArrayList<>();
    int others = r.nextInt(FULL_DESTINATION_ONE_IN) == 0 ? destinationSlots : r.nextInt(destinationSlots);
    for (int i = 0; i < others; i++) {
      atDestination.add(vm(r, "vm" + (atSource.size() + i)));
    }
    Vm moving = atSource.get(r.nextInt(atSource.size()));
    NetworkPath path = new NetworkPath(Duration.ofMillis(1 + r.nextInt(MAX_LATENCY_MILLIS)), MIN_BANDWIDTH + r.nextDouble() * (MAX_BANDWIDTH - MIN_BANDWIDTH));
    MigrationEstimate estimate = MODEL.estimate(moving, path);
    String source = tag + "-src";
    String destination = tag + "-dst";
    MigrationOrder order = new MigrationOrder(tag + "-m", "app", moving.name(), moving, source, destination, estimate, T0);
    int afterCommit = RETRY_LIMITS[r.nextInt(RETRY_LIMITS.length)];
    int compensations = RETRY_LIMITS[r.nextInt(RETRY_LIMITS.length)];
    // a short lease runs out somewhere between the reservation and the end of the migration
    Duration lease = r.nextInt(SHORT_LEASE_ONE_IN) == 0
        ? Duration.ofMillis(200 + (long) (estimate.totalSeconds() * 1000 * (0.2 + 1.3 * r.nextDouble())))
        : NORMAL_LEASE;
    Rates rates = rates(kind, r);
    // the step timeout short only where steps hang: elsewhere it would only race the crashes
    SagaPolicy policy = new SagaPolicy(afterCommit, compensations, SagaPolicy.DEFAULT_RETRY_DELAY,
        rates.hang() > 0 ? STEP_TIMEOUT : SagaPolicy.DEFAULT_STEP_TIMEOUT);
    return new RunPlan(seed, kind, tag, source, destination, slots(sourceSlots), slots(destinationSlots), atSource, atDestination, order,
        path, policy, lease, rates, r.nextBoolean());
  }

  private static Vm vm(SplittableRandom r, String name) {
    return new Vm(name, "small", 1 + r.nextInt(2), MIN_MEMORY + r.nextLong(MAX_MEMORY - MIN_MEMORY), r.nextDouble() * MAX_DIRTY_RATE);
  }

  private static Capacity slots(int n) {
    return new Capacity(n, n * CORES_PER_SLOT, n * MEMORY_PER_SLOT);
  }

  private static Rates rates(FaultKind kind, SplittableRandom r) {
    Rates all = new Rates(0.05 + 0.3 * r.nextDouble(), 0.05 + 0.2 * r.nextDouble(), 0.1 + 0.4 * r.nextDouble(), 0.2 + 0.5 * r.nextDouble(),
        0.05 + 0.2 * r.nextDouble(), 0.05 + 0.2 * r.nextDouble(), 0.05 + 0.2 * r.nextDouble(), 4, 4, 3);
    return switch (kind) {
      case ACTUATOR_FAILURE -> new Rates(all.actuator(), 0, 0, 0, 0, 0, 0, 0, 0, 0);
      case ACTUATOR_TIMEOUT -> new Rates(0, all.hang(), 0, 0, 0, 0, 0, 0, 0, all.maxHangs());
      case MESSAGE_LOST -> new Rates(0, 0, all.lost(), 0, 0, 0, 0, 0, 0, 0);
      case MESSAGE_DUPLICATED -> new Rates(0, 0, 0, all.duplicated(), 0, 0, 0, 0, 0, 0);
      case JOURNAL_FAILURE -> new Rates(0, 0, 0, 0, all.journal(), 0, 0, all.maxPerEntity(), 0, 0);
      case SAGA_CRASH -> new Rates(0, 0, 0, 0, 0, all.crashAtStep(), all.crashAtMessage(), 0, all.maxCrashes(), 0);
      case MIXED -> all.scaled(MIXED_SHARE);
    };
  }

  /** Every VM placed at the start, by site. */
  public List<Vm> vms() {
    List<Vm> all = new ArrayList<>(atSource);
    all.addAll(atDestination);
    return all;
  }

  // ---------------------------------------------------------------- where faults strike

  /** The actuator's own fault at attempt {@code attempt} of {@code step}. */
  public FaultPlan.Fault actuatorFault(MigrationStep step, int attempt) {
    double roll = roll("actuator", step.ordinal(), attempt);
    if (roll >= rates.actuator()) {
      return FaultPlan.Fault.NONE;
    }
    FaultPlan.Fault[] kinds = {FaultPlan.Fault.FAIL, FaultPlan.Fault.FAIL_AFTER_EFFECT, FaultPlan.Fault.CRASH_AFTER_EFFECT};
    return kinds[(int) (roll / rates.actuator() * kinds.length)];
  }

  /** Whether attempt {@code attempt} of {@code step} hangs or crashes the saga ({@code hangs} and {@code crashes} so far). */
  public Interruption interruption(MigrationStep step, int attempt, int hangs, int crashes) {
    double crash = roll("crash", step.ordinal(), attempt);
    if (crashes < rates.maxCrashes() && crash < rates.crashAtStep()) {
      return crash < rates.crashAtStep() / 2 ? Interruption.CRASH_BEFORE_EFFECT : Interruption.CRASH_AFTER_EFFECT;
    }
    double hang = roll("hang", step.ordinal(), attempt);
    if (hangs < rates.maxHangs() && hang < rates.hang()) {
      return hang < rates.hang() / 2 ? Interruption.HANG_BEFORE_EFFECT : Interruption.HANG_AFTER_EFFECT;
    }
    return Interruption.NONE;
  }

  /** The fate of the {@code index}-th message (from 0) to site {@code site}; {@code crashes} so far in the run. */
  public MessageFate message(String site, int index, int crashes) {
    int s = site.equals(source) ? 0 : 1;
    double crash = roll("crash-message", s, index);
    if (crashes < rates.maxCrashes() && crash < rates.crashAtMessage()) {
      return MessageFate.SAGA_CRASHES_WAITING;
    }
    double lost = roll("lost", s, index);
    if (lost < rates.lost()) {
      return lost < rates.lost() / 2 ? MessageFate.REQUEST_LOST : MessageFate.REPLY_LOST;
    }
    double dup = roll("duplicated", s, index);
    if (dup < rates.duplicated()) {
      MessageFate[] kinds = {MessageFate.DUPLICATED, MessageFate.DUPLICATED_LATE, MessageFate.REPLY_DUPLICATED};
      return kinds[(int) (dup / rates.duplicated() * kinds.length)];
    }
    return MessageFate.DELIVERED;
  }

  /** The fate of the {@code index}-th write (from 0) of entity {@code entity} (0: the saga, 1: the source, 2: the destination). */
  public JournalFault journal(int entity, int index, int failedSoFar) {
    double roll = roll("journal", entity, index);
    if (failedSoFar >= rates.maxPerEntity() || roll >= rates.journal()) {
      return JournalFault.NONE;
    }
    return roll < rates.journal() / 2 ? JournalFault.FAILS_BEFORE_WRITE : JournalFault.FAILS_AFTER_WRITE;
  }

  /** A number in [0, 1) that depends only on the seed and the arguments. */
  private double roll(String what, int a, int b) {
    long h = seed * 0x9E3779B97F4A7C15L + what.hashCode();
    h = h * 1_000_003 + a;
    h = h * 1_000_003 + b;
    return new SplittableRandom(h).nextDouble();
  }
}
