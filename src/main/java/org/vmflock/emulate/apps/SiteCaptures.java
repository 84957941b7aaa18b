package org.vmflock.emulate.apps;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.model.PeriodGrid;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.VmEndpoint;
import org.vmflock.monitor.MonitorSettings.CaptureSettings;
import org.vmflock.monitor.capture.LiveCapture;
import org.vmflock.monitor.traffic.CountedTraffic;
import org.vmflock.monitor.traffic.PeerTraffic;
import org.vmflock.monitor.traffic.TrafficCounter;
import org.vmflock.monitor.traffic.VmTraffic;

/**
 * The sensing of M3 in the lab: one Pcap4J live capture per site, on the site's bridge inside its
 * namespace, counting with the project's {@link TrafficCounter} each frame a VM of that site
 * receives (so a frame between two sites counts once, at the receiver's; a BPF filter,
 * {@link LiveCapture#receivedBy}, leaves the others in the kernel). Drained into a VM x VM
 * matrix (row = sender) of bytes and frames on the wire. Frames are counted as the bridge carries
 * them: a TCP super-frame of GSO counts once (its bytes in full).
 */
public final class SiteCaptures implements AutoCloseable {

  /** The project's default capture (reference.conf's vmflock.monitor.capture). */
  public static final CaptureSettings DEFAULT_SETTINGS = new CaptureSettings(128, true, 16 << 20, Duration.ofMillis(100), "");

  private final List<EmulatedVm> vms;
  private final Map<String, Integer> indexByIp = new HashMap<>();
  private final Map<String, Integer> indexByName = new HashMap<>();
  private final List<LiveCapture> captures = new ArrayList<>();
  private final long[][] bytes;
  private final long[][] frames;
  private long stoppedCpuNanos;
  private long stoppedFrames;

  private SiteCaptures(List<EmulatedVm> vms) {
    this.vms = List.copyOf(vms);
    for (int i = 0; i < vms.size(); i++) {
      indexByIp.put(vms.get(i).ip().toString(), i);
      indexByName.put(vms.get(i).name(), i);
    }
    bytes = new long[vms.size()][vms.size()];
    frames = new long[vms.size()][vms.size()];
  }

  /** Starts one capture on each site's bridge that holds some of {@code vms}. */
  public static SiteCaptures start(EmulatedFederation lab, List<EmulatedVm> vms, CaptureSettings settings) {
    SiteCaptures s = new SiteCaptures(vms);
    try {
      for (String site : lab.sites()) {
        List<VmEndpoint> here = vms.stream().filter(v -> v.site().equals(site))
            .map(v -> new VmEndpoint(v.name(), site, v.mac(), List.of(v.ip()))).toList();
        if (here.isEmpty()) {
          continue;
        }
        TrafficCounter counter = new TrafficCounter(site, PeriodGrid.of(Duration.ofSeconds(30)), here, List.of());
        s.captures.add(LiveCapture.open(List.of(new LiveCapture.Interface(EmulatedFederation.BRIDGE, Optional.empty())),
            Optional.of(lab.siteNamespace(site)), counter, settings.narrowedTo(LiveCapture.receivedBy(here)), here, List.of()));
      }
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** Adds what the captures counted since the last drain to the matrix. */
  public synchronized void drain() {
    for (LiveCapture c : captures) {
      CountedTraffic t = c.drain();
      for (VmTraffic v : t.vms()) {
        Integer to = indexByName.get(v.vm());
        for (PeerTraffic p : v.received()) {
          Integer from = indexByIp.get(p.address());
          if (to != null && from != null) {
            bytes[from][to] += p.bytes();
            frames[from][to] += p.packets();
          }
        }
      }
    }
  }

  /** Stops the captures (what the kernel had queued is counted) and returns the whole matrix; VMs named as given. */
  public synchronized TrafficMatrix stop() {
    closeCaptures();
    drain();
    captures.clear();
    int n = vms.size();
    double[][] b = new double[n][n];
    double[][] f = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        b[i][j] = bytes[i][j];
        f[i][j] = frames[i][j];
      }
    }
    return new TrafficMatrix(vms.stream().map(EmulatedVm::name).toList(), f, b);
  }

  /** CPU seconds the capture threads have used so far (those of captures already stopped included). */
  public synchronized double cpuSeconds() {
    return (stoppedCpuNanos + captures.stream().mapToLong(LiveCapture::cpuNanos).sum()) / 1e9;
  }

  /** Frames the captures have counted so far, every frame of the sites' bridges (those of captures already stopped included). */
  public synchronized long frames() {
    return stoppedFrames + captures.stream().mapToLong(LiveCapture::frames).sum();
  }

  /** A capture that stopped by itself, if any. */
  public Optional<String> failure() {
    return captures.stream().map(LiveCapture::failure).flatMap(Optional::stream).findFirst();
  }

  @Override
  public synchronized void close() {
    closeCaptures();
    captures.clear();
  }

  private void closeCaptures() {
    captures.forEach(LiveCapture::close);
    stoppedCpuNanos += captures.stream().mapToLong(LiveCapture::cpuNanos).sum();
    stoppedFrames += captures.stream().mapToLong(LiveCapture::frames).sum();
  }
}
