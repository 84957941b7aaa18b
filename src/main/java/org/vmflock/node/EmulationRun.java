package org.vmflock.node;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.vmflock.clock.Clock;
import org.vmflock.clock.ScaledClock;
import org.vmflock.control.StatusPage;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.vmflock.emulate.EmulatedActuator;
import org.vmflock.emulate.EmulatedApplications;
import org.vmflock.emulate.LabActuator;
import org.vmflock.emulate.qemu.QemuActuator;
import org.vmflock.scenario.QemuGuests;
import org.vmflock.scenario.Units;
import org.vmflock.emulate.EmulationReport;
import org.vmflock.emulate.EmulationSpec;
import org.vmflock.emulate.LabInvariants;
import org.vmflock.emulate.apps.MpiProgram;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.LinkCounters;
import org.vmflock.emulate.lab.WanLink;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.knowledge.MigrationRecord;
import org.vmflock.manager.MigrationManager;
import org.vmflock.scenario.Scenario;

/**
 * One policy's emulation of a scenario, end to end: a lab built afresh, a node on it ({@link
 * EmulationNode}) with the policy's manager, until every application's program has ended (or the
 * run's timeout); the lab sampled about once a second; then what was measured, and the lab
 * removed.
 */
public final class EmulationRun {

  /** How far a run is, for a progress line. */
  public record Progress(String policy, Duration elapsed, List<EmulatedApplications.Status> applications, int vms,
      int migrationsInFlight, int migrationsDone, long wanBytes) {}

  private static final Duration SAMPLE = Duration.ofSeconds(1);

  /** Waits up to a duration; true if the run is to stop (Ctrl-C). */
  @FunctionalInterface
  public interface Pause {
    boolean interrupted(Duration d) throws InterruptedException;
  }

  private EmulationRun() {}

  /**
   * Runs {@code spec} under {@code policy}.
   *
   * @param config the node's configuration with these settings over it (the data directory, the policy)
   * @param programs the real program of each application
   * @param runTimeout the longest the whole run may take: applications not ended then are stopped
   * @param pause waits between samples; says when the run is to stop early (Ctrl-C)
   */
  public static EmulationReport.PolicyOutcome run(EmulationSpec spec, String policy, Function<Map<String, Object>, Config> config,
      Map<String, MpiProgram> programs,
      Path dataDir, Duration runTimeout, long maxBitsPerSecond, Consumer<Progress> progress, Pause pause) throws InterruptedException {
    Scenario scenario = spec.scenario();
    Config c = config.apply(Map.of("vmflock.data-dir", dataDir.toString(), "vmflock.manager.policy", policy));
    Map<String, QemuGuests> guests = new HashMap<>();
    Set<String> qemuVms = new HashSet<>();
    scenario.applications().forEach(a -> a.qemu().ifPresent(g -> {
      guests.put(a.app().name(), g);
      qemuVms.addAll(a.app().vmNames());
    }));
    Map<String, Integer> slots = new TreeMap<>();
    scenario.infra().sites().forEach(s -> slots.put(s.name(), s.capacity().slots()));
    try (EmulatedFederation lab = EmulatedFederation.create(spec.federation())) {
      ScaledClock clock = new ScaledClock(Clock.system(), scenario.start(), 1.0);
      long started = System.nanoTime();
      QemuActuator qemu = new QemuActuator(lab, dataDir.resolve("qemu"), slots, qemuSettings(c), QemuActuator.Faults.NONE);
      LabActuator actuator = new LabActuator(new EmulatedActuator(lab, slots, clock), qemu, qemuVms, slots);
      try (EmulatedApplications apps = new EmulatedApplications(lab, programs, guests, Optional.of(qemu),
          c.getDuration("vmflock.emulate.qemu.boot-timeout"), clock, dataDir.resolve("programs"), runTimeout);
          EmulationNode node = EmulationNode.start(c, spec, lab, apps, actuator, clock, maxBitsPerSecond)) {
        Map<String, Instant> submitted = new HashMap<>();
        scenario.applications().forEach(a -> submitted.put(a.app().name(), a.arrival(scenario.start())));
        List<EmulationReport.Sample> samples = new ArrayList<>();
        long checks = 0;
        List<String> violations = new ArrayList<>();
        long deadline = started + runTimeout.toNanos();
        StatusPage page = node.status();
        while (true) {
          page = node.status();
          EmulationReport.Sample sample = sample(lab, apps, clock.now(), page);
          samples.add(sample);
          List<EmulatedApplications.Status> now = apps.statuses();
          // checked while every application runs: not while VMs are being created or removed
          boolean steady = now.size() == submittedBy(scenario, sample.at()) && now.stream().allMatch(s -> s.started() && s.ended().isEmpty());
          if (page.totals().migrationsInFlight() == 0 && steady) {
            List<String> found = LabInvariants.violations(lab, node.actuator());
            StatusPage after = node.status();
            // a check counts only if no decision came meanwhile (a migration started during it sees its own reservation)
            if (after.totals().migrationsInFlight() == 0 && after.totals().decisions() == page.totals().decisions()) {
              checks++;
              found.forEach(v -> violations.add(sample.at() + ": " + v));
            }
          }
          List<EmulatedApplications.Status> statuses = apps.statuses();
          progress.accept(new Progress(policy, Duration.ofNanos(System.nanoTime() - started), statuses, apps.siteOfVm().size(),
              page.totals().migrationsInFlight(), (int) page.ended().stream().filter(m -> m.status() == MigrationRecord.Status.COMPLETED).count(),
              sample.wanBytes()));
          boolean allEnded = statuses.size() == scenario.applications().size() && statuses.stream().allMatch(s -> s.ended().isPresent());
          if (allEnded || System.nanoTime() > deadline || pause.interrupted(SAMPLE)) {
            break;
          }
        }
        double wall = (System.nanoTime() - started) / 1e9;
        List<EmulatedApplications.Status> statuses = apps.statuses();
        List<LinkCounters> links = lab.links().stream().map(WanLink::counters).toList();
        List<EmulationReport.MigrationEnd> migrations = new ArrayList<>();
        List<DecisionRecord> decisions = journal(node, migrations);
        List<EmulationReport.QemuMove> moves = qemuMoves(lab, qemu, scenario);
        return new EmulationReport.PolicyOutcome(policy, statuses, submitted, decisions, migrations, samples, links, wall, page.cycles(), checks,
            violations, moves);
      }
    }
  }

  private static long submittedBy(Scenario s, Instant at) {
    return s.applications().stream().filter(a -> !a.arrival(s.start()).isAfter(at)).count();
  }

  /** Each QEMU migration committed, with its application and the link it crossed. */
  private static List<EmulationReport.QemuMove> qemuMoves(EmulatedFederation lab, QemuActuator qemu, Scenario scenario) {
    Map<String, String> appOfVm = new HashMap<>();
    scenario.applications().forEach(a -> a.app().vmNames().forEach(vm -> appOfVm.put(vm, a.app().name())));
    return qemu.migrations().stream()
        .map(m -> new EmulationReport.QemuMove(appOfVm.getOrDefault(m.vm(), ""), m, lab.link(m.from(), m.to()).spec()))
        .sorted(java.util.Comparator.comparing((EmulationReport.QemuMove q) -> q.migration().migrationId()))
        .toList();
  }

  /** The QEMU actuator's settings: vmflock.emulate.qemu's cap and downtime limit, the actuator's other defaults. */
  static QemuActuator.Settings qemuSettings(Config c) {
    long cap = Math.round(Units.bytesPerSecond(c.getString("vmflock.emulate.qemu.max-bandwidth")));
    QemuActuator.Settings d = QemuActuator.Settings.defaults(cap);
    return new QemuActuator.Settings(cap, c.getDuration("vmflock.emulate.qemu.downtime-limit"), d.autoConverge(), d.stallRounds(),
        d.precopyTimeout(), d.poll(), d.reachTimeout());
  }

  private static EmulationReport.Sample sample(EmulatedFederation lab, EmulatedApplications apps, Instant at, StatusPage page) {
    TreeMap<String, String> siteOfVm = new TreeMap<>(apps.siteOfVm());
    long bytes = lab.links().stream().mapToLong(l -> l.counters().bytes()).sum();
    return new EmulationReport.Sample(at, siteOfVm, bytes, page.totals().migrationsInFlight(), page.totals().finished());
  }

  /** The manager's decisions, and the migrations that ended (into {@code ended}), from its journal. */
  private static List<DecisionRecord> journal(EmulationNode node, List<EmulationReport.MigrationEnd> ended) {
    JdbcReadJournal journal = PersistenceQuery.get(node.node().system()).getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    List<EventEnvelope> events = VmflockNode.await(journal.currentEventsByPersistenceId(MigrationManager.PERSISTENCE_ID.id(), 0, Long.MAX_VALUE)
        .runWith(Sink.seq(), node.node().system()), "reading the manager's journal");
    List<DecisionRecord> decisions = new ArrayList<>();
    Map<String, MigrationRecord> orders = new HashMap<>();
    for (EventEnvelope e : events) {
      if (e.event() instanceof KnowledgeEvent.DecisionMade d) {
        decisions.add(d.decision());
        d.migrations().forEach(m -> orders.put(m.order().migrationId(), m));
      } else if (e.event() instanceof KnowledgeEvent.MigrationEnded m) {
        MigrationRecord r = orders.get(m.migrationId());
        if (r != null) {
          ended.add(new EmulationReport.MigrationEnd(r.order().application(), r.order().vm(), m.status().name(), m.observed().totalSeconds(),
              m.observed().downtimeSeconds(), m.observed().bytesMoved()));
        }
      }
    }
    return decisions;
  }
}
