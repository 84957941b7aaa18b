package org.vmflock.monitor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.vmflock.CborSerializable;
import org.vmflock.clock.Clock;
import org.vmflock.model.VmEndpoint;
import org.vmflock.monitor.capture.PolledSource;
import org.vmflock.monitor.stats.RosterEntry;
import org.vmflock.monitor.traffic.CountedTraffic;
import org.vmflock.monitor.traffic.VmTraffic;

/**
 * The monitoring of one physical host (M3): one capture serves all the host's VMs. The monitor
 * registers the VMs with their sites' collectors, starts a {@link Sensor} per VM and one for the
 * host's own counters, and hands each sensor its share of every batch the capture counted, with the
 * capture's watermark. A live capture is drained on a timer; a replay pushes its batches.
 */
public final class HostMonitor {

  /** The host, its VMs, and when observation started (the VMs are expected from that period on). */
  public record HostSpec(String host, String site, List<VmEndpoint> vms, long sinceMicros) {
    public HostSpec {
      vms = List.copyOf(vms);
    }
  }

  public sealed interface Command extends CborSerializable {}

  /** A batch pushed by a replay: every frame up to {@code watermarkMicros} is in this batch or an earlier one. */
  public record Counted(CountedTraffic traffic, long watermarkMicros, boolean endOfStream) implements Command {}

  /** Replies once the VMs are registered with their collectors and counts can flow. */
  public record AwaitReady(ActorRef<Ready> replyTo) implements Command {}

  public record Ready(String host) implements CborSerializable {}

  /** Stops a live capture: the last counts are handed over and every period closes. */
  public enum StopCapture implements Command { INSTANCE }

  /** Replies once every sensor's reports have been acknowledged by the collectors. */
  public record Drain(ActorRef<Drained> replyTo) implements Command {}

  /** Every sensor's account, and the last watermark handed to them (the end of observation after a stop). */
  public record Drained(String host, List<Sensor.Drained> sensors, Optional<String> failure, long lastWatermarkMicros) implements CborSerializable {
    public Drained {
      sensors = List.copyOf(sensors);
    }
  }

  private record Registered(String site, Collector.Reply reply) implements Command {}

  private record RegistrationFailed(String site, String error) implements Command {}

  private enum Flush implements Command { INSTANCE }

  private enum RetryRegistration implements Command { INSTANCE }

  private static final int STASH_CAPACITY = 10_000;

  /** A monitor fed by a replay (or a test) with {@link Counted} batches. */
  public static Behavior<Command> pushed(HostSpec spec, MonitorSettings settings, Function<String, RecipientRef<Collector.Command>> collectors) {
    return create(spec, settings, Clock.system(), collectors, Optional.empty());
  }

  /** A monitor that drains {@code source} every flush interval, with the clock's time less the lag as watermark. */
  public static Behavior<Command> polled(HostSpec spec, MonitorSettings settings, Clock clock,
      Function<String, RecipientRef<Collector.Command>> collectors, Supplier<PolledSource> source) {
    return create(spec, settings, clock, collectors, Optional.of(source));
  }

  private static Behavior<Command> create(HostSpec spec, MonitorSettings settings, Clock clock,
      Function<String, RecipientRef<Collector.Command>> collectors, Optional<Supplier<PolledSource>> source) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> Behaviors.withStash(STASH_CAPACITY, stash ->
        new Monitor(ctx, timers, stash, spec, settings, clock, collectors, source).registering())));
  }

  private static final class Monitor {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final StashBuffer<Command> stash;
    private final HostSpec spec;
    private final MonitorSettings settings;
    private final Clock clock;
    private final Function<String, RecipientRef<Collector.Command>> collectors;
    private final Optional<Supplier<PolledSource>> sourceFactory;
    private final Map<String, ActorRef<Sensor.Command>> sensors = new LinkedHashMap<>();
    private final ActorRef<Sensor.Command> hostSensor;
    private final Map<String, List<RosterEntry>> pendingSites = new LinkedHashMap<>();
    private final List<ActorRef<Ready>> readyWaiters = new ArrayList<>();
    private Optional<PolledSource> source = Optional.empty();
    private Optional<String> failure = Optional.empty();
    private boolean ended;
    private long lastWatermarkMicros = Long.MIN_VALUE;

    Monitor(ActorContext<Command> ctx, TimerScheduler<Command> timers, StashBuffer<Command> stash, HostSpec spec,
        MonitorSettings settings, Clock clock, Function<String, RecipientRef<Collector.Command>> collectors,
        Optional<Supplier<PolledSource>> sourceFactory) {
      this.ctx = ctx;
      this.timers = timers;
      this.stash = stash;
      this.spec = spec;
      this.settings = settings;
      this.clock = clock;
      this.collectors = collectors;
      this.sourceFactory = sourceFactory;
      long since = settings.grid().periodOfMicros(spec.sinceMicros());
      for (VmEndpoint vm : spec.vms()) {
        sensors.put(vm.vm(), ctx.spawn(Sensor.forVm(vm.vm(), vm.site(), spec.host(), settings, collectors.apply(vm.site())), "sensor-" + vm.vm()));
        pendingSites.computeIfAbsent(vm.site(), s -> new ArrayList<>()).add(new RosterEntry(
            vm.vm(), spec.host(), vm.mac().toString(), vm.addresses().stream().map(Object::toString).toList(), since));
      }
      hostSensor = ctx.spawn(Sensor.forHost(spec.host(), spec.site(), settings, collectors.apply(spec.site())), "host-sensor");
      if (!pendingSites.containsKey(spec.site())) {
        // the host's own counters go to its site's collector, which knows the hosts that registered VMs
        throw new IllegalArgumentException("host " + spec.host() + " has no VM at its own site " + spec.site());
      }
    }

    Behavior<Command> registering() {
      register();
      timers.startTimerWithFixedDelay(RetryRegistration.INSTANCE, settings.reportRetryInterval());
      return Behaviors.receive(Command.class)
          .onMessage(Registered.class, this::onRegistered)
          .onMessage(RegistrationFailed.class, f -> {
            ctx.getLog().warn("host {}: collector of {} did not answer the registration ({}), will retry", spec.host(), f.site(), f.error());
            return Behaviors.same();
          })
          .onMessageEquals(RetryRegistration.INSTANCE, () -> { register(); return Behaviors.same(); })
          .onMessage(AwaitReady.class, a -> { readyWaiters.add(a.replyTo()); return Behaviors.same(); })
          .onAnyMessage(m -> { stash.stash(m); return Behaviors.same(); })
          .build();
    }

    private void register() {
      pendingSites.forEach((site, vms) -> {
        ctx.pipeToSelf(
            AskPattern.ask(collectors.apply(site), (ActorRef<Collector.Reply> r) -> new Collector.Register(spec.host(), vms, r),
                settings.reportTimeout(), ctx.getSystem().scheduler()),
            (reply, error) -> reply != null ? new Registered(site, reply) : new RegistrationFailed(site, String.valueOf(error)));
      });
    }

    private Behavior<Command> onRegistered(Registered r) {
      if (r.reply() instanceof Collector.Rejected rejected) {
        String why = "collector of site " + r.site() + " refused the VMs of host " + spec.host() + ": " + rejected.reason();
        ctx.getLog().error(why);
        failure = Optional.of(why);
        throw new IllegalStateException(why);
      }
      pendingSites.remove(r.site());
      if (!pendingSites.isEmpty()) {
        return Behaviors.same();
      }
      timers.cancel(RetryRegistration.INSTANCE);
      readyWaiters.forEach(w -> w.tell(new Ready(spec.host())));
      readyWaiters.clear();
      sourceFactory.ifPresent(f -> {
        source = Optional.of(f.get());
        timers.startTimerWithFixedDelay(Flush.INSTANCE, settings.flushInterval());
      });
      return stash.unstashAll(running());
    }

    Behavior<Command> running() {
      return Behaviors.receive(Command.class)
          .onMessage(Counted.class, c -> { route(c.traffic(), c.watermarkMicros(), c.endOfStream()); return Behaviors.same(); })
          .onMessageEquals(Flush.INSTANCE, this::onFlush)
          .onMessageEquals(StopCapture.INSTANCE, this::onStop)
          .onMessage(AwaitReady.class, a -> { a.replyTo().tell(new Ready(spec.host())); return Behaviors.same(); })
          .onMessage(Drain.class, this::onDrain)
          .onSignal(PostStop.class, s -> { source.ifPresent(PolledSource::close); return Behaviors.same(); })
          .build();
    }

    private Behavior<Command> onFlush() {
      source.ifPresent(s -> {
        route(s.drain(), clock.now().toEpochMilli() * 1000 - settings.watermarkLag().toMillis() * 1000, false);
        s.failure().ifPresent(f -> {
          if (failure.isEmpty()) {
            ctx.getLog().error("host {}: capture stopped: {}", spec.host(), f);
            failure = Optional.of(f);
          }
        });
      });
      return Behaviors.same();
    }

    private Behavior<Command> onStop() {
      timers.cancel(Flush.INSTANCE);
      source.ifPresent(s -> {
        s.close();
        route(s.drain(), clock.now().toEpochMilli() * 1000, true);
      });
      return Behaviors.same();
    }

    private void route(CountedTraffic traffic, long watermarkMicros, boolean endOfStream) {
      if (ended) {
        return;
      }
      Map<String, List<VmTraffic>> byVm = new LinkedHashMap<>();
      traffic.vms().forEach(t -> byVm.computeIfAbsent(t.vm(), v -> new ArrayList<>()).add(t));
      long since = spec.sinceMicros();
      sensors.forEach((vm, sensor) -> sensor.tell(new Sensor.Counted(byVm.getOrDefault(vm, List.of()), List.of(), since, watermarkMicros, endOfStream)));
      hostSensor.tell(new Sensor.Counted(List.of(), traffic.hosts(), since, watermarkMicros, endOfStream));
      ended = endOfStream;
      lastWatermarkMicros = Math.max(lastWatermarkMicros, watermarkMicros);
    }

    private Behavior<Command> onDrain(Drain d) {
      List<ActorRef<Sensor.Command>> all = new ArrayList<>(sensors.values());
      all.add(hostSensor);
      ctx.spawnAnonymous(DrainCollector.create(spec.host(), all, failure, lastWatermarkMicros, d.replyTo()));
      return Behaviors.same();
    }
  }

  /** Asks every sensor to drain and answers with all their replies. */
  private static final class DrainCollector {
    static Behavior<SensorAccount> create(String host, List<ActorRef<Sensor.Command>> sensors, Optional<String> failure,
        long lastWatermarkMicros, ActorRef<Drained> replyTo) {
      return Behaviors.setup(ctx -> {
        ActorRef<Sensor.Drained> adapter = ctx.messageAdapter(Sensor.Drained.class, SensorAccount::new);
        sensors.forEach(s -> s.tell(new Sensor.Drain(adapter)));
        List<Sensor.Drained> got = new ArrayList<>();
        return Behaviors.receive(SensorAccount.class)
            .onMessage(SensorAccount.class, m -> {
              got.add(m.drained());
              if (got.size() < sensors.size()) {
                return Behaviors.same();
              }
              replyTo.tell(new Drained(host, got, failure, lastWatermarkMicros));
              return Behaviors.stopped();
            })
            .build();
      });
    }
  }

  private record SensorAccount(Sensor.Drained drained) implements CborSerializable {}
}
