package org.vmflock.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.vmflock.control.ManagerObserver;
import org.vmflock.model.TrafficMatrix;

/**
 * The traffic the manager's last Monitor step saw ({@code GET /api/traffic?app=NAME}, the
 * dashboard's VM × VM heatmap): the mean rates per second between one application's VMs (or all
 * applications'), at most {@link #MAX_VMS} of them, so an answer stays small however large the federation.
 */
public final class ObservedTrafficView implements ManagerObserver {

  /** VMs of one answer at most (an application's first, in name order). */
  public static final int MAX_VMS = 64;

  private static final ObjectMapper JSON = new ObjectMapper();

  private record Observed(TrafficMatrix ratesPerSecond, Instant at) {}

  private final AtomicReference<Optional<Observed>> last = new AtomicReference<>(Optional.empty());

  @Override
  public void trafficObserved(TrafficMatrix ratesPerSecond, Instant at) {
    last.set(Optional.of(new Observed(ratesPerSecond, at)));
  }

  /**
   * The rates between {@code vms} (the first of {@code totalVms}, in application then name order): {@code application} ({@code *}: all), {@code
   * observed} (false until the monitor answered once), {@code at}, {@code vms}, {@code
   * bytesPerSecond} and {@code packetsPerSecond} (row: sender, column: receiver), {@code
   * totalVms} and {@code truncated} when there were more than {@link #MAX_VMS}.
   */
  ObjectNode of(String application, List<String> vms, int totalVms) {
    List<String> shown = vms.subList(0, Math.min(vms.size(), MAX_VMS));
    ObjectNode o = JSON.createObjectNode().put("application", application);
    Optional<Observed> seen = last.get();
    o.put("observed", seen.isPresent());
    seen.ifPresent(s -> o.put("at", s.at().toString()));
    o.put("totalVms", totalVms).put("truncated", shown.size() < totalVms);
    ArrayNode names = o.putArray("vms");
    shown.forEach(names::add);
    TrafficMatrix m = seen.map(s -> s.ratesPerSecond().reorder(shown)).orElse(TrafficMatrix.zero(shown));
    ArrayNode bytes = o.putArray("bytesPerSecond");
    ArrayNode packets = o.putArray("packetsPerSecond");
    for (int i = 0; i < m.size(); i++) {
      ArrayNode b = bytes.addArray();
      ArrayNode p = packets.addArray();
      for (int j = 0; j < m.size(); j++) {
        b.add(m.bytes(i, j));
        p.add(m.packets(i, j));
      }
    }
    return o;
  }
}
