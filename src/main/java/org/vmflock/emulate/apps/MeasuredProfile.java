package org.vmflock.emulate.apps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.scenario.Profile;

/**
 * What a run of a real program on one site of the lab measured: the VMs' traffic (captured on the
 * site's bridge), its wall time, the memory its VMs held and dirtied. Stored as JSON under
 * {@code src/main/resources/profiles/emulation/<program>.<ranks>.json}.
 *
 * @param program the program's name
 * @param ranks its VMs (one rank each), named vm1..vmN in rank order in the matrices
 * @param wallSeconds its wall time on one site: its work seconds
 * @param traffic bytes and frames each VM sent each other during the run (row = sender)
 * @param dirtyBytesPerSecond bytes of pages a VM wrote per second (pages whose contents changed over
 *     one second a third through the run), mean over the VMs
 * @param residentBytes the most a VM's processes held (anon + mapped file, from its cgroup)
 * @param loadAverage the machine's 1-minute load average when the run started
 * @param measuredAt when (ISO-8601 UTC)
 * @param command the command that measured it
 */
public record MeasuredProfile(String program, int ranks, double wallSeconds, TrafficMatrix traffic, double dirtyBytesPerSecond,
    long residentBytes, double loadAverage, String measuredAt, String command) {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /** The VM size of an application built from a measured profile: small (1 core, 2 GiB) holds every program here. */
  static final String SIZE = "small";

  /** Its name in the catalog: {@code <program>.<ranks>}. */
  public String name() {
    return program + "." + ranks;
  }

  /**
   * The planner's profile: traffic per work second (the run's traffic over its wall time), the
   * latency-bound exchanges per work second, estimated as the frames between VMs over two (a
   * frame and its acknowledgement) over the ordered pairs of VMs (one message from every rank to
   * every other per round), the dirty rate.
   */
  public Profile toProfile() {
    int n = ranks;
    double[][] b = new double[n][n];
    double[][] f = new double[n][n];
    double frames = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        b[i][j] = traffic.bytes(i, j) / wallSeconds;
        f[i][j] = traffic.packets(i, j) / wallSeconds;
        frames += traffic.packets(i, j);
      }
    }
    double syncs = n < 2 ? 0 : frames / 2 / (n * (n - 1.0)) / wallSeconds;
    String origin = String.format(Locale.ROOT, "measured in the emulated lab: %s on %d ranks on one site, %.2f s wall time, load %.2f, %s (%s)",
        program, ranks, wallSeconds, loadAverage, measuredAt, command);
    return new Profile(name(), program, "-", n, new TrafficMatrix(traffic.vms(), f, b), syncs, dirtyBytesPerSecond, SIZE, wallSeconds, origin);
  }

  public void write(Path file) {
    ObjectNode o = JSON.createObjectNode();
    o.put("program", program).put("ranks", ranks).put("wallSeconds", wallSeconds).put("dirtyBytesPerSecond", dirtyBytesPerSecond)
        .put("residentBytes", residentBytes).put("loadAverage", loadAverage).put("measuredAt", measuredAt).put("command", command);
    ArrayNode vms = o.putArray("vms");
    traffic.vms().forEach(vms::add);
    o.set("bytes", matrix(traffic, true));
    o.set("frames", matrix(traffic, false));
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      JSON.writeValue(file.toFile(), o);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static ArrayNode matrix(TrafficMatrix t, boolean bytes) {
    ArrayNode rows = JSON.createArrayNode();
    for (int i = 0; i < t.size(); i++) {
      ArrayNode row = rows.addArray();
      for (int j = 0; j < t.size(); j++) {
        row.add(bytes ? t.bytes(i, j) : t.packets(i, j));
      }
    }
    return rows;
  }

  /** Reads what {@link #write} wrote; {@code where} names it in errors. */
  static MeasuredProfile read(byte[] json, String where) {
    try {
      JsonNode o = JSON.readTree(json);
      List<String> vms = new ArrayList<>();
      o.get("vms").forEach(v -> vms.add(v.asText()));
      int n = vms.size();
      double[][] b = new double[n][n];
      double[][] f = new double[n][n];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          b[i][j] = o.get("bytes").get(i).get(j).asDouble();
          f[i][j] = o.get("frames").get(i).get(j).asDouble();
        }
      }
      return new MeasuredProfile(o.get("program").asText(), o.get("ranks").asInt(), o.get("wallSeconds").asDouble(),
          new TrafficMatrix(vms, f, b), o.get("dirtyBytesPerSecond").asDouble(), o.get("residentBytes").asLong(),
          o.get("loadAverage").asDouble(), o.get("measuredAt").asText(), o.get("command").asText());
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("measured profile " + where + " is malformed: " + e.getMessage(), e);
    }
  }
}
