package org.vmflock.monitor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.vmflock.CborSerializable;
import org.vmflock.monitor.traffic.HostReport;
import org.vmflock.monitor.traffic.HostTraffic;
import org.vmflock.monitor.traffic.PeerTraffic;
import org.vmflock.monitor.traffic.PeriodCloser;
import org.vmflock.monitor.traffic.ReportOutbox;
import org.vmflock.monitor.traffic.SensorReport;
import org.vmflock.monitor.traffic.VmTraffic;
import org.vmflock.monitor.traffic.VmTrafficAccumulator;

/**
 * A sensor (M1, M2): adds up what its capture counted for one VM (or, for the host's own sensor,
 * the frames that belong to no VM), closes each period when the capture's watermark passes its end,
 * and reports it to the site's collector until the collector acknowledges it. A period with no
 * traffic is reported too: silence is data, a missing report is not.
 */
public final class Sensor {

  public sealed interface Command extends CborSerializable {}

  /**
   * Traffic counted by the capture, and its watermark: every frame up to {@code watermarkMicros}
   * is in this message or an earlier one. The capture has been observing since {@code sinceMicros}
   * (the first period is partial when that is inside it). At the end of the stream every open
   * period closes.
   */
  public record Counted(List<VmTraffic> vms, List<HostTraffic> hosts, long sinceMicros, long watermarkMicros, boolean endOfStream) implements Command {
    public Counted {
      vms = List.copyOf(vms);
      hosts = List.copyOf(hosts);
    }
  }

  /** Replies once every period closed so far has been acknowledged by the collector. */
  public record Drain(ActorRef<Drained> replyTo) implements Command {}

  public record Drained(String subject, long periodsReported, long lateFrames, long rejected, long givenUp) implements CborSerializable {}

  private record Answered(long period, Collector.Reply reply) implements Command {}

  private record NoAnswer(long period, String error) implements Command {}

  private enum Retry implements Command { INSTANCE }

  public static Behavior<Command> forVm(String vm, String site, String host, MonitorSettings settings, RecipientRef<Collector.Command> collector) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new Running(ctx, timers, settings, collector, new VmTally(vm, site, host)).behavior()));
  }

  public static Behavior<Command> forHost(String host, String site, MonitorSettings settings, RecipientRef<Collector.Command> collector) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new Running(ctx, timers, settings, collector, new HostTally(host, site)).behavior()));
  }

  /** What one kind of sensor adds up, and the report it makes of a period. */
  private interface Tally {
    String subject();

    /** Adds this sensor's share of {@code c}; returns the frames and bytes that came too late. */
    long[] add(Counted c, PeriodCloser closer);

    Function<ActorRef<Collector.Reply>, Collector.Command> close(long period, boolean partial, long lateFrames, long lateBytes);

    /** Forgets the traffic of periods before {@code period}, which will never close. */
    void discardBefore(long period);
  }

  private static final class Running {
    private final ActorContext<Command> ctx;
    private final MonitorSettings settings;
    private final RecipientRef<Collector.Command> collector;
    private final Tally tally;
    private final PeriodCloser closer;
    private final ReportOutbox<Function<ActorRef<Collector.Reply>, Collector.Command>> outbox;
    private final List<ActorRef<Drained>> drainWaiters = new ArrayList<>();
    private long lateFrames;
    private long lateBytes;
    private long totalLateFrames;
    private long reported;
    private long rejected;

    Running(ActorContext<Command> ctx, TimerScheduler<Command> timers, MonitorSettings settings,
        RecipientRef<Collector.Command> collector, Tally tally) {
      this.ctx = ctx;
      this.settings = settings;
      this.collector = collector;
      this.tally = tally;
      this.closer = new PeriodCloser(settings.grid(), settings.maxUnacknowledgedReports());
      this.outbox = new ReportOutbox<>(settings.maxUnacknowledgedReports(), settings.maxReportsInFlight());
      timers.startTimerWithFixedDelay(Retry.INSTANCE, settings.reportRetryInterval());
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(Counted.class, this::onCounted)
          .onMessage(Drain.class, this::onDrain)
          .onMessage(Answered.class, this::onAnswered)
          .onMessage(NoAnswer.class, this::onNoAnswer)
          .onMessageEquals(Retry.INSTANCE, () -> { send(); return Behaviors.same(); })
          .build();
    }

    private Behavior<Command> onCounted(Counted c) {
      closer.start(c.sinceMicros());
      long[] late = tally.add(c, closer);
      lateFrames += late[0];
      lateBytes += late[1];
      long skippedBefore = closer.skipped();
      List<PeriodCloser.Closed> closing = closer.advance(c.watermarkMicros(), c.endOfStream());
      if (closer.skipped() > skippedBefore) {
        tally.discardBefore(closer.nextToClose() - closing.size());
        ctx.getLog().warn("sensor {}: time jumped by {} periods (watermark {} µs): the empty periods before the last {} are not reported",
            tally.subject(), closer.skipped() - skippedBefore + closing.size(), c.watermarkMicros(), closing.size());
      }
      for (PeriodCloser.Closed closed : closing) {
        List<Long> givenUp = outbox.add(closed.period(), tally.close(closed.period(), closed.partial(), lateFrames, lateBytes));
        totalLateFrames += lateFrames;
        lateFrames = 0;
        lateBytes = 0;
        if (!givenUp.isEmpty()) {
          ctx.getLog().error("sensor {}: collector unreachable, gave up reports of periods {}", tally.subject(), givenUp);
        }
      }
      send();
      return Behaviors.same();
    }

    private void send() {
      Duration timeout = settings.reportTimeout();
      for (Map.Entry<Long, Function<ActorRef<Collector.Reply>, Collector.Command>> e : outbox.toSend()) {
        long period = e.getKey();
        ctx.pipeToSelf(
            AskPattern.ask(collector, e.getValue()::apply, timeout, ctx.getSystem().scheduler()),
            (reply, failure) -> reply != null ? new Answered(period, reply) : new NoAnswer(period, String.valueOf(failure)));
      }
    }

    private Behavior<Command> onAnswered(Answered a) {
      outbox.done(a.period());
      if (a.reply() instanceof Collector.Rejected r) {
        rejected++;
        ctx.getLog().warn("sensor {}: collector of {} refused period {}: {}", tally.subject(), r.site(), a.period(), r.reason());
      } else {
        reported++;
      }
      send();
      answerDrainWaiters();
      return Behaviors.same();
    }

    private Behavior<Command> onNoAnswer(NoAnswer n) {
      outbox.failed(n.period());
      ctx.getLog().debug("sensor {}: no answer for period {} ({}), will retry", tally.subject(), n.period(), n.error());
      return Behaviors.same();
    }

    private Behavior<Command> onDrain(Drain d) {
      drainWaiters.add(d.replyTo());
      answerDrainWaiters();
      return Behaviors.same();
    }

    private void answerDrainWaiters() {
      if (outbox.isEmpty() && !drainWaiters.isEmpty()) {
        Drained drained = new Drained(tally.subject(), reported, totalLateFrames + lateFrames, rejected, outbox.dropped());
        drainWaiters.forEach(w -> w.tell(drained));
        drainWaiters.clear();
      }
    }
  }

  private static final class VmTally implements Tally {
    private final String vm;
    private final String site;
    private final String host;
    private final Map<Long, VmTrafficAccumulator> open = new TreeMap<>();

    VmTally(String vm, String site, String host) {
      this.vm = vm;
      this.site = site;
      this.host = host;
    }

    @Override
    public String subject() {
      return vm;
    }

    @Override
    public long[] add(Counted c, PeriodCloser closer) {
      long[] late = new long[2];
      for (VmTraffic t : c.vms()) {
        if (!t.vm().equals(vm)) {
          continue;
        }
        SensorFrames.count(t.frames());
        if (closer.isLate(t.period())) {
          late[0] += t.frames();
          late[1] += t.receivedBytes() + t.nonIpBytes() + t.sentToFileServers().stream().mapToLong(PeerTraffic::bytes).sum();
        } else {
          open.computeIfAbsent(t.period(), p -> new VmTrafficAccumulator(vm, p)).add(t);
        }
      }
      return late;
    }

    @Override
    public void discardBefore(long period) {
      open.keySet().removeIf(p -> p < period);
    }

    @Override
    public Function<ActorRef<Collector.Reply>, Collector.Command> close(long period, boolean partial, long lateFrames, long lateBytes) {
      VmTrafficAccumulator acc = open.remove(period);
      VmTraffic traffic = acc != null ? acc.build() : VmTraffic.empty(vm, period);
      SensorReport report = new SensorReport(site, host, traffic, lateFrames, lateBytes, partial);
      return replyTo -> new Collector.Report(report, replyTo);
    }
  }

  private static final class HostTally implements Tally {
    private final String host;
    private final String site;
    private final Map<Long, HostTraffic> open = new TreeMap<>();

    HostTally(String host, String site) {
      this.host = host;
      this.site = site;
    }

    @Override
    public String subject() {
      return "host " + host;
    }

    @Override
    public long[] add(Counted c, PeriodCloser closer) {
      long[] late = new long[2];
      for (HostTraffic t : c.hosts()) {
        SensorFrames.count(t.frames());
        if (closer.isLate(t.period())) {
          late[0] += t.frames();
        } else {
          open.merge(t.period(), t, HostTraffic::plus);
        }
      }
      return late;
    }

    @Override
    public void discardBefore(long period) {
      open.keySet().removeIf(p -> p < period);
    }

    @Override
    public Function<ActorRef<Collector.Reply>, Collector.Command> close(long period, boolean partial, long lateFrames, long lateBytes) {
      HostTraffic traffic = open.remove(period);
      if (traffic == null) {
        traffic = new HostTraffic(host, period, 0, 0, 0, 0, 0, 0);
      }
      HostReport report = new HostReport(site, traffic, lateFrames, partial);
      return replyTo -> new Collector.ReportHost(report, replyTo);
    }
  }
}
