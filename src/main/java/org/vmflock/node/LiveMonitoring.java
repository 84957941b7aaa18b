package org.vmflock.node;

import org.vmflock.monitor.HostMonitor;
import org.vmflock.monitor.MonitorSettings;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.vmflock.clock.Clock;
import org.vmflock.model.VmInventory;
import org.vmflock.monitor.capture.LiveCapture;
import org.vmflock.monitor.stats.QueryAnswer;
import org.vmflock.monitor.traffic.TrafficCounter;
import org.vmflock.node.VmflockNode;

/**
 * Live monitoring of one host (M3, M4): a Pcap4J capture on the host's bridge or on each VM's
 * interface, drained by the host's monitor every flush interval with the clock as watermark; at
 * the end, the last counts are handed over, every period closes, and the observed periods are read
 * back from the collectors.
 */
public final class LiveMonitoring implements AutoCloseable {

  /** What a live capture observed. */
  public record Result(Instant started, Instant stopped, long firstPeriod, long lastPeriod, long frames,
      HostMonitor.Drained sensors, QueryAnswer.Statistics statistics) {}

  private final VmflockNode node;
  private final VmInventory inventory;
  private final LiveCapture capture;
  private final ActorRef<HostMonitor.Command> monitor;
  private final Clock clock;
  private final Instant started;
  private boolean stopped;

  private LiveMonitoring(VmflockNode node, VmInventory inventory, LiveCapture capture, ActorRef<HostMonitor.Command> monitor,
      Clock clock, Instant started) {
    this.node = node;
    this.inventory = inventory;
    this.capture = capture;
    this.monitor = monitor;
    this.clock = clock;
    this.started = started;
  }

  /** Opens the capture (failing fast on an unknown interface), registers the VMs and starts counting. */
  public static LiveMonitoring start(VmflockNode node, VmInventory inventory, String host, List<LiveCapture.Interface> interfaces,
      Optional<String> netns, Clock clock) {
    MonitorSettings settings = node.monitorSettings();
    TrafficCounter counter = new TrafficCounter(host, settings.grid(), inventory.vms(), settings.fileServers());
    LiveCapture capture = LiveCapture.open(interfaces, netns, counter, settings.capture(), inventory.vms(), settings.fileServers());
    try {
      Instant started = clock.now();
      long sinceMicros = started.toEpochMilli() * 1000;
      HostMonitor.HostSpec spec = new HostMonitor.HostSpec(host, inventory.vms().get(0).site(), inventory.vms(), sinceMicros);
      ActorRef<HostMonitor.Command> monitor = Observation.startMonitor(node, host,
          HostMonitor.polled(spec, settings, clock, node.collectors(), () -> capture));
      return new LiveMonitoring(node, inventory, capture, monitor, clock, started);
    } catch (RuntimeException e) {
      capture.close();
      throw e;
    }
  }

  public Instant started() {
    return started;
  }

  /** Frames captured so far. */
  public long frames() {
    return capture.frames();
  }

  /** Stops capturing (nothing the kernel already holds is lost), reports everything and reads it back. */
  public Result stop() {
    stopped = true;
    Instant stoppedAt = clock.now();
    monitor.tell(HostMonitor.StopCapture.INSTANCE);
    HostMonitor.Drained drained = Observation.drain(node, monitor);
    long first = node.monitorSettings().grid().periodOf(started);
    long last = node.monitorSettings().grid().periodOfMicros(drained.lastWatermarkMicros());
    QueryAnswer.Statistics stats = Observation.periods(node, inventory, first, last, clock);
    return new Result(started, stoppedAt, first, last, capture.frames(), drained, stats);
  }

  @Override
  public void close() {
    if (!stopped) {
      capture.close();
    }
  }
}
