package org.vmflock.emulate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.vmflock.emulate.lab.LinkCounters;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.emulate.qemu.MigrationGrid;
import org.vmflock.emulate.qemu.MigrationStatus;
import org.vmflock.emulate.qemu.QemuMigration;
import org.vmflock.plan.QemuPreCopyModel;
import org.vmflock.simulate.report.ReportSection;
import org.vmflock.knowledge.DecisionKind;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.scenario.Scenario;
import org.vmflock.simulate.report.AppResult;
import org.vmflock.simulate.report.DecisionLine;
import org.vmflock.simulate.report.PolicyRun;
import org.vmflock.simulate.report.SimulationReport;
import org.vmflock.simulate.report.TimelinePoint;

/**
 * What an emulation measured, in the shapes of `simulate`'s report (so that the same files, plots
 * and page come out), plus what only an emulation has: each link's counters (wan.csv), and per
 * application the estimator's predicted remaining time at each decision against the remaining time
 * measured by the wall clock (predictions.csv).
 *
 * <p>Every figure is measured: an application's completion is its program's wall time from its
 * start to its end; its hosting cost is the price of each site where its VMs were seen at each
 * sample (about once a second), over the time between samples; its inter-site bytes are the bytes
 * the lab's links carried, all traffic and migrations together, while it ran (one application at
 * a time on the links: its own); its migrations and the bytes they moved are the completed ones
 * the sagas observed. Transfer and migration costs are not charged in an emulation (zero).
 */
public final class EmulationReport {

  /**
   * The lab at one instant of a run (node clock).
   *
   * @param siteOfVm where each VM's veth is
   * @param wanBytes what every link carried since the lab was built, both ways
   */
  public record Sample(Instant at, SortedMap<String, String> siteOfVm, long wanBytes, int migrationsInFlight, int finished) {}

  /** A QEMU live migration the run carried out (committed), of an application's guest, over that link. */
  public record QemuMove(String application, QemuMigration migration, WanLinkSpec link) {}

  /** A migration that ended, as the manager's journal tells it. */
  public record MigrationEnd(String application, String vm, String status, double seconds, double downtimeSeconds, double bytesMoved) {}

  /**
   * One policy's emulation.
   *
   * @param submitted when each application was submitted (node clock)
   * @param wallSeconds how long the run took, from the node's start to the last end
   * @param invariantChecks samples (with no migration in flight) at which every VM was on exactly one bridge, running
   * @param violations what the checks found wrong, if anything
   * @param qemuMigrations the QEMU live migrations committed, as QEMU measured them
   */
  public record PolicyOutcome(String policy, List<EmulatedApplications.Status> applications, Map<String, Instant> submitted,
      List<DecisionRecord> decisions, List<MigrationEnd> migrations, List<Sample> samples, List<LinkCounters> links, double wallSeconds,
      long cycles, long invariantChecks, List<String> violations, List<QemuMove> qemuMigrations) {
    public PolicyOutcome {
      qemuMigrations = List.copyOf(qemuMigrations);
      applications = List.copyOf(applications);
      submitted = Map.copyOf(submitted);
      decisions = List.copyOf(decisions);
      migrations = List.copyOf(migrations);
      samples = List.copyOf(samples);
      links = List.copyOf(links);
      violations = List.copyOf(violations);
    }
  }

  /** The report `simulate` writes, of these runs. */
  public static SimulationReport report(Scenario s, long seed, List<PolicyOutcome> runs) {
    List<PolicyRun> out = runs.stream().map(r -> policyRun(s, r)).toList();
    TreeMap<String, TrafficMatrix> traffic = new TreeMap<>();
    s.applications().forEach(a -> traffic.putIfAbsent(a.program().orElse(a.app().name()), a.app().workload().trafficPerWork()));
    return new SimulationReport(s.source().getFileName().toString(), seed, s.start(), s.infra().sites().stream().map(Site::name).toList(), out,
        traffic, s.currency().getCurrencyCode(), org.vmflock.simulate.Inputs.freeSites(s.infra(), s.timeline()));
  }

  static PolicyRun policyRun(Scenario s, PolicyOutcome r) {
    List<AppResult> apps = new ArrayList<>();
    for (EmulatedApplications.Status st : r.applications()) {
      Application app = st.app();
      Instant submitted = r.submitted().getOrDefault(app.name(), s.start());
      Optional<Instant> finished = st.ended().filter(EmulatedApplications.Ended::verified).map(EmulatedApplications.Ended::at);
      double completion = st.ended().map(EmulatedApplications.Ended::wallSeconds)
          .orElse(st.startedAt().map(t -> seconds(t, r.samples().isEmpty() ? t : r.samples().get(r.samples().size() - 1).at())).orElse(0.0));
      List<MigrationEnd> moved = r.migrations().stream().filter(m -> m.application().equals(app.name()) && m.status().equals("COMPLETED")).toList();
      Instant until = st.ended().map(EmulatedApplications.Ended::at).orElse(Instant.MAX);
      Instant from = st.startedAt().orElse(submitted);
      Optional<Boolean> met = app.deadline().map(d -> finished.isPresent() && !finished.get().isAfter(d));
      apps.add(new AppResult(r.policy(), app.name(), st.program(), app.vms().size(), app.objective().toString(), submitted, finished, completion,
          hostingCost(s.infra(), app, r.samples(), until), 0, 0, moved.size(), moved.stream().mapToDouble(MigrationEnd::bytesMoved).sum(),
          wanBytesBetween(r.samples(), from, until), app.deadline(), met));
    }
    List<TimelinePoint> timeline = new ArrayList<>();
    double cost = 0;
    Sample previous = null;
    for (Sample x : r.samples()) {
      if (previous != null) {
        cost += intervalCost(s.infra(), r.applications(), previous, x);
      }
      SortedMap<String, Integer> perSite = new TreeMap<>();
      s.infra().sites().forEach(site -> perSite.put(site.name(), 0));
      x.siteOfVm().values().forEach(site -> perSite.merge(site, 1, Integer::sum));
      timeline.add(new TimelinePoint(r.policy(), x.at(), perSite, cost, x.migrationsInFlight(), x.finished()));
      previous = x;
    }
    List<DecisionLine> decisions = r.decisions().stream()
        .filter(d -> d.kind() != DecisionKind.STAY || !d.migrations().isEmpty())
        .map(d -> new DecisionLine(d.at(), d.application(), d.kind().label(), d.migrations().size(), d.predictedRemainingSeconds(),
            d.predictedCost(), d.stayRemainingSeconds(), d.stayCost(), d.reason()))
        .toList();
    long rolledBack = r.migrations().stream().filter(m -> m.status().equals("ROLLED_BACK")).count();
    return new PolicyRun(r.policy(), apps, timeline, new PolicyRun.RunStats(r.wallSeconds(), r.cycles(), r.decisions().size(), r.invariantChecks(),
        0, rolledBack), decisions);
  }

  /** predictions.csv: per policy, application and decision, the estimator's remaining time against the remaining time measured. */
  public static String predictionsCsv(List<PolicyOutcome> runs) {
    StringBuilder out = new StringBuilder("policy,application,decision_at,kind,migrations,predicted_remaining_s,stay_remaining_s,measured_remaining_s,reason\n");
    for (PolicyOutcome r : runs) {
      for (DecisionRecord d : r.decisions()) {
        Optional<EmulatedApplications.Ended> end = r.applications().stream().filter(a -> a.app().name().equals(d.application())).findFirst()
            .flatMap(EmulatedApplications.Status::ended);
        out.append(String.join(",", r.policy(), d.application(), d.at().toString(), d.kind().label(), Integer.toString(d.migrations().size()),
            figure(d.predictedRemainingSeconds()), figure(d.stayRemainingSeconds()),
            end.filter(EmulatedApplications.Ended::verified).map(e -> fixed(seconds(d.at(), e.at()))).orElse(""), quoted(d.reason())))
            .append('\n');
      }
    }
    return out.toString();
  }

  /**
   * One QEMU migration measured against the model: what was migrated, what {@link
   * QemuPreCopyModel} predicts for it (asked as {@code bench qemu-migration} asks it: the guest's
   * non-zero memory as QEMU found it, its working set and achieved dirty rate, the cap, the link's
   * rate and delay, the downtime limit), and what QEMU measured ({@code query-migrate} at its end).
   *
   * @param measuredTotalMillis QEMU's total time (its start to completed), or -1 when QEMU gave none
   * @param measuredDowntimeMillis QEMU's downtime (the source stopped until the destination could run), or -1
   */
  public record MigrationRow(String policy, QemuMove move, QemuPreCopyModel.Prediction predicted, long measuredTotalMillis,
      long measuredDowntimeMillis, long measuredBytes, int measuredRounds) {

    /** |predicted / measured - 1| of total time, downtime and bytes (NaN where either is missing). */
    public double totalError() {
      return error(predicted.totalSeconds() * 1e3, measuredTotalMillis);
    }

    public double downtimeError() {
      return error(predicted.downtimeSeconds() * 1e3, measuredDowntimeMillis);
    }

    public double bytesError() {
      return error(predicted.bytes(), measuredBytes);
    }

    private static double error(double predicted, double measured) {
      return measured > 0 && Double.isFinite(predicted) ? Math.abs(predicted / measured - 1) : Double.NaN;
    }
  }

  /** Each QEMU migration of each run, predicted and measured. */
  public static List<MigrationRow> migrationRows(List<PolicyOutcome> runs) {
    QemuPreCopyModel model = new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated());
    List<MigrationRow> rows = new ArrayList<>();
    for (PolicyOutcome r : runs) {
      for (QemuMove q : r.qemuMigrations()) {
        QemuMigration m = q.migration();
        QemuPreCopyModel.Prediction p = model.predict(MigrationGrid.input(m.guest().memoryBytes(), m.nonzeroBytes(), m.guest().workingSetMiB(),
            m.dirtyMiBPerSecond(), m.capBytesPerSecond() / MIB, q.link().bitsPerSecond() / 8.0, q.link().oneWayDelay(), m.downtimeLimit()));
        MigrationStatus s = m.completed();
        rows.add(new MigrationRow(r.policy(), q, p, s.totalMillis() > 0 ? s.totalMillis() : -1, s.totalMillis() > 0 ? s.downtimeMillis() : -1,
            s.transferredBytes(), s.rounds()));
      }
    }
    return rows;
  }

  private static final double MIB = 1024.0 * 1024;

  private static final List<String> MIGRATION_COLUMNS = List.of("policy", "application", "vm", "migration", "from", "to", "memory_mib",
      "nonzero_mb", "working_set_mib", "dirty_mibps", "cap_mibps", "downtime_limit_ms", "delay_ms", "link_mbps", "predicted_total_ms",
      "predicted_downtime_ms", "predicted_bytes", "predicted_rounds", "predicted_converged", "measured_total_ms", "measured_downtime_ms",
      "measured_bytes", "measured_rounds", "error_total_pct", "error_downtime_pct", "error_bytes_pct", "memory_intact");

  /** migrations.csv: each QEMU migration, what it was, predicted and measured, and the model's error. */
  public static String migrationsCsv(List<PolicyOutcome> runs) {
    StringBuilder out = new StringBuilder(String.join(",", MIGRATION_COLUMNS)).append('\n');
    for (MigrationRow row : migrationRows(runs)) {
      QemuMigration m = row.move().migration();
      WanLinkSpec link = row.move().link();
      QemuPreCopyModel.Prediction p = row.predicted();
      out.append(String.join(",", row.policy(), row.move().application(), m.vm(), m.migrationId(), m.from(), m.to(),
          Integer.toString(m.guest().memoryMiB()), fixed(m.nonzeroBytes() / 1e6), fixed(m.guest().workingSetMiB()), fixed(m.dirtyMiBPerSecond()),
          fixed(m.capBytesPerSecond() / MIB), Long.toString(m.downtimeLimit().toMillis()), fixed(link.oneWayDelay().toNanos() / 1e6),
          fixed(link.bitsPerSecond() / 1e6), p.converged() ? fixed(p.totalSeconds() * 1e3) : "", p.converged() ? fixed(p.downtimeSeconds() * 1e3) : "",
          Long.toString(Math.round(p.bytes())), Integer.toString(p.rounds()), Boolean.toString(p.converged()),
          row.measuredTotalMillis() < 0 ? "" : Long.toString(row.measuredTotalMillis()),
          row.measuredDowntimeMillis() < 0 ? "" : Long.toString(row.measuredDowntimeMillis()), Long.toString(row.measuredBytes()),
          Integer.toString(row.measuredRounds()), percent(row.totalError()), percent(row.downtimeError()), percent(row.bytesError()),
          Boolean.toString(m.memoryIntact()))).append('\n');
    }
    return out.toString();
  }

  /** The QEMU migrations for index.html: predicted against measured, with the error. */
  public static ReportSection migrationsSection(List<PolicyOutcome> runs) {
    List<List<String>> rows = new ArrayList<>();
    for (MigrationRow row : migrationRows(runs)) {
      QemuMigration m = row.move().migration();
      QemuPreCopyModel.Prediction p = row.predicted();
      rows.add(List.of(row.policy(), m.vm() + " " + m.from() + " → " + m.to(),
          p.converged() ? String.format(Locale.ROOT, "%.0f", p.totalSeconds() * 1e3) : "does not converge",
          row.measuredTotalMillis() < 0 ? "?" : Long.toString(row.measuredTotalMillis()), percent(row.totalError()),
          p.converged() ? String.format(Locale.ROOT, "%.0f", p.downtimeSeconds() * 1e3) : "",
          row.measuredDowntimeMillis() < 0 ? "?" : Long.toString(row.measuredDowntimeMillis()), percent(row.downtimeError()),
          String.format(Locale.ROOT, "%.1f", p.bytes() / 1e6), String.format(Locale.ROOT, "%.1f", row.measuredBytes() / 1e6),
          percent(row.bytesError()), m.memoryIntact() ? "yes" : "NO"));
    }
    boolean[] numeric = {false, false, true, true, true, true, true, true, true, true, true, false};
    return new ReportSection("QEMU live migrations: predicted and measured",
        List.of("policy", "migration", "predicted ms", "measured ms", "error %", "predicted downtime ms", "measured downtime ms", "error %",
            "predicted MB", "measured MB", "error %", "memory intact"), numeric, rows,
        "Each migration of a QEMU guest (vm-kind = qemu) the sagas carried out: predicted by the migration model (plan.QemuPreCopyModel, as "
            + "predict migration) from the guest's non-zero memory as QEMU found it, its working set and achieved dirty rate, the cap, the "
            + "link and the downtime limit; measured by QEMU (query-migrate at completion: total-time from the migrate command, downtime "
            + "from the source's stop, which includes the saga's step between the pre-copy and the switch-over, bytes transferred). Memory "
            + "intact: the guest's fill checksum and working-set pages, checked at its destination after the network update. All "
            + "columns in migrations.csv.");
  }

  private static String percent(double error) {
    return Double.isFinite(error) ? String.format(Locale.ROOT, "%.1f", 100 * error) : "";
  }

  /** wan.csv: what each link of each policy's lab carried, each way: frames, bytes, drops, queue high-water mark, latest departure. */
  public static String wanCsv(List<PolicyOutcome> runs) {
    StringBuilder out = new StringBuilder("policy,from,to,frames,bytes,drops,drop_bytes,max_queued_bytes,late_max_us\n");
    for (PolicyOutcome r : runs) {
      for (LinkCounters c : r.links()) {
        direction(out, r.policy(), c.siteA(), c.siteB(), c.aToB());
        direction(out, r.policy(), c.siteB(), c.siteA(), c.bToA());
      }
    }
    return out.toString();
  }

  private static void direction(StringBuilder out, String policy, String from, String to, LinkCounters.Direction d) {
    out.append(String.join(",", policy, from, to, Long.toString(d.frames()), Long.toString(d.bytes()), Long.toString(d.drops()),
        Long.toString(d.dropBytes()), Long.toString(d.maxQueuedBytes()), fixed(d.lateMaxNanos() / 1e3))).append('\n');
  }

  /** What hosting the application's VMs cost: each VM's site at each sample, priced until the next sample. */
  static double hostingCost(Infrastructure infra, Application app, List<Sample> samples, Instant until) {
    double cost = 0;
    for (int i = 1; i < samples.size(); i++) {
      Sample a = samples.get(i - 1);
      if (!a.at().isBefore(until)) {
        break;
      }
      Instant end = samples.get(i).at().isAfter(until) ? until : samples.get(i).at();
      cost += vmsCost(infra, app, a, end);
    }
    return cost;
  }

  private static double intervalCost(Infrastructure infra, List<EmulatedApplications.Status> apps, Sample a, Sample b) {
    return apps.stream().mapToDouble(st -> vmsCost(infra, st.app(), a, b.at())).sum();
  }

  private static double vmsCost(Infrastructure infra, Application app, Sample a, Instant end) {
    double cost = 0;
    for (Vm vm : app.vms()) {
      String site = a.siteOfVm().get(vm.name());
      if (site != null && infra.site(site).isPresent()) {
        cost += infra.require(site).hosting().cost(vm.size(), a.at(), end);
      }
    }
    return cost;
  }

  /** The bytes the links carried between the samples nearest {@code from} and {@code until}. */
  static double wanBytesBetween(List<Sample> samples, Instant from, Instant until) {
    long first = -1;
    long last = -1;
    for (Sample x : samples) {
      if (first < 0 && !x.at().isBefore(from)) {
        first = x.wanBytes();
      }
      if (!x.at().isAfter(until)) {
        last = x.wanBytes();
      }
    }
    return first < 0 || last < first ? 0 : last - first;
  }

  private static double seconds(Instant a, Instant b) {
    return Duration.between(a, b).toNanos() / 1e9;
  }

  private static String figure(Optional<Double> x) {
    return x.filter(v -> v >= 0 && Double.isFinite(v)).map(EmulationReport::fixed).orElse("");
  }

  private static String quoted(String text) {
    return text.contains(",") || text.contains("\"") || text.contains("\n") ? "\"" + text.replace("\"", "\"\"") + "\"" : text;
  }

  private static String fixed(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  private EmulationReport() {}
}
