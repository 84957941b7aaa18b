package org.vmflock.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.vmflock.control.ManagerObserver;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.knowledge.MigrationRecord;

/**
 * A node's Prometheus metrics ({@code GET /metrics}), counted where the facts already are: the
 * migration manager's durable events, cycles and monitor answers (it is its {@link
 * ManagerObserver}), the journal's writes and the sensors' frames ({@link #journalWrite}, {@link
 * org.vmflock.monitor.SensorFrames}: code the plugin or a capture makes, which the node cannot hand this to), and the
 * JVM's own. One registry per node, so that several nodes in one JVM (tests) do not collide.
 */
public final class NodeMetrics implements ManagerObserver {

  /** The journal's writes in this JVM, from its DAO ({@link #journalWrite}). */
  private static final Histogram JOURNAL_WRITES = Histogram.builder().name("vmflock_journal_write_seconds")
      .help("Time from a batch of events handed to the journal to its commit being durable").unit(Unit.SECONDS)
      .classicOnly().classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5).build();

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Histogram cycleSeconds = Histogram.builder().name("vmflock_mape_cycle_seconds")
      .help("A MAPE cycle of the migration manager, from its monitor query to its decisions persisted").unit(Unit.SECONDS)
      .classicOnly().classicUpperBounds(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60).register(registry);
  private final Counter decisions = Counter.builder().name("vmflock_decisions_total").help("Decisions of the migration manager, by kind")
      .labelNames("kind").register(registry);
  private final Counter migrations = Counter.builder().name("vmflock_migrations_total").help("Migrations ended, by outcome")
      .labelNames("outcome").register(registry);
  private final Histogram migrationSeconds = Histogram.builder().name("vmflock_migration_seconds")
      .help("Observed duration of the migrations ended, by outcome (model time: simulated seconds on a run node)").unit(Unit.SECONDS)
      .labelNames("outcome").classicOnly().classicUpperBounds(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800).register(registry);
  private final Histogram migrationError = Histogram.builder().name("vmflock_migration_time_error_ratio")
      .help("Completed migrations: |observed - predicted| / predicted duration").unit(Unit.RATIO)
      .classicOnly().classicUpperBounds(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 25).register(registry);
  private final Counter monitorAnswers = Counter.builder().name("vmflock_monitor_answers_total")
      .help("The collectors' answers to the manager's traffic query: precise (every period of the window complete), approximate"
          + " (the newest extrapolated), or none")
      .labelNames("answer").register(registry);
  private final Counter vmsExtrapolated = Counter.builder().name("vmflock_monitor_vm_periods_extrapolated_total")
      .help("VMs whose newest period was incomplete in an answer, taken from the period before").register(registry);
  private final Counter vmsWithoutData = Counter.builder().name("vmflock_monitor_vm_windows_missing_total")
      .help("VMs with no report in any period of an answer's window").register(registry);
  private final AtomicReference<Double> calibration = new AtomicReference<>(1.0);

  public NodeMetrics() {
    registry.register(JOURNAL_WRITES);
    CounterWithCallback.builder().name("vmflock_sensor_frames_total").help("Frames the sensors of this node counted")
        .callback(c -> c.call(org.vmflock.monitor.SensorFrames.total())).register(registry);
    GaugeWithCallback.builder().name("vmflock_migration_observed_over_predicted")
        .help("The migration model's calibration: observed over predicted migration time").callback(g -> g.call(calibration.get()))
        .register(registry);
    JvmMetrics.builder().register(registry);
  }

  /**
   * The live stream's ({@code /api/stream}) clients connected now, and the clients dropped for
   * falling behind their buffer and the events they lost, since the start.
   */
  public void liveStream(IntSupplier clients, LongSupplier droppedClients, LongSupplier droppedEvents) {
    GaugeWithCallback.builder().name("vmflock_stream_clients").help("Clients of the live stream (/api/stream) connected now")
        .callback(g -> g.call(clients.getAsInt())).register(registry);
    CounterWithCallback.builder().name("vmflock_stream_clients_dropped_total")
        .help("Clients of the live stream dropped for falling behind their buffer (vmflock.http.stream.buffer-per-client)")
        .callback(c -> c.call(droppedClients.getAsLong())).register(registry);
    CounterWithCallback.builder().name("vmflock_stream_events_dropped_total")
        .help("Events the dropped clients of the live stream never got: the one that did not fit and those left in the buffer")
        .callback(c -> c.call(droppedEvents.getAsLong())).register(registry);
  }

  /** A journal write took {@code nanos}. */
  public static void journalWrite(long nanos) {
    JOURNAL_WRITES.observe(nanos / 1e9);
  }

  /** The metrics in Prometheus' text format, and its content type. */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape(), io.prometheus.metrics.config.EscapingScheme.ALLOW_UTF8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The content type of {@link #scrape}. */
  public static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  @Override
  public void persisted(List<KnowledgeEvent> events, Knowledge after) {
    for (KnowledgeEvent e : events) {
      if (e instanceof KnowledgeEvent.DecisionMade d) {
        decisions.labelValues(d.decision().kind().label()).inc();
      } else if (e instanceof KnowledgeEvent.MigrationEnded m) {
        String outcome = m.status().name().toLowerCase(Locale.ROOT);
        migrations.labelValues(outcome).inc();
        if (m.observed().totalSeconds() > 0) {
          migrationSeconds.labelValues(outcome).observe(m.observed().totalSeconds());
        }
        predicted(after, m.migrationId()).filter(p -> p > 0 && m.status() == MigrationRecord.Status.COMPLETED)
            .ifPresent(p -> migrationError.observe(Math.abs(m.observed().totalSeconds() - p) / p));
      }
    }
    calibration.set(after.migrationCalibration().factor());
  }

  private static java.util.Optional<Double> predicted(Knowledge k, String migrationId) {
    List<MigrationRecord> history = k.history();
    for (int i = history.size() - 1; i >= 0; i--) {
      if (history.get(i).id().equals(migrationId)) {
        return java.util.Optional.of(history.get(i).order().predicted().totalSeconds());
      }
    }
    return java.util.Optional.empty();
  }

  @Override
  public void cycle(Duration took) {
    cycleSeconds.observe(took.toNanos() / 1e9);
  }

  @Override
  public void monitored(boolean answered, boolean approximate, int extrapolatedVms, int vmsWithoutData) {
    monitorAnswers.labelValues(!answered ? "none" : approximate ? "approximate" : "precise").inc();
    vmsExtrapolated.inc(extrapolatedVms);
    this.vmsWithoutData.inc(vmsWithoutData);
  }
}
