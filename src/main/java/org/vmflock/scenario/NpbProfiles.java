package org.vmflock.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;
import org.vmflock.monitor.export.MatrixCsv;

/**
 * NAS-like application profiles by name ({@code <benchmark>.<class>.<vms>}, e.g. {@code cg.A.4}).
 * The profiles captured by this project (NPB 3.4.2 MPI, class A, 4 VMs: CG, MG, EP, IS; the
 * matrices of {@code samples/npb}, shipped in the jar) are the traffic of the real run divided by
 * its wall time, taken as its work time.
 */
public final class NpbProfiles {

  private static final String RESOURCES = "/profiles/npb/";
  /** Wall time of each captured run (4 ranks sharing 2 cores), from samples/npb/README.md. */
  private static final Map<String, Double> CAPTURED_SECONDS = Map.of("cg", 2.1, "mg", 2.6, "ep", 3.1, "is", 1.6);
  /** Barriers per work second of the captured runs: MPI collectives and blocking exchanges per second. */
  private static final Map<String, Double> CAPTURED_SYNCS = Map.of("cg", 400.0, "mg", 200.0, "ep", 2.0, "is", 20.0);
  private static final double DIRTY_RATE = 20e6;

  private static final Map<String, Profile> CAPTURED = new TreeMap<>();

  static {
    for (String b : new TreeMap<>(CAPTURED_SECONDS).keySet()) {
      String name = b + ".A.4";
      TrafficMatrix bytes = read(name + ".bytes.csv", TrafficMetric.BYTES);
      TrafficMatrix packets = read(name + ".packets.csv", TrafficMetric.PACKETS);
      double seconds = CAPTURED_SECONDS.get(b);
      int n = bytes.size();
      double[][] p = new double[n][n];
      double[][] by = new double[n][n];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          p[i][j] = packets.packets(i, j) / seconds;
          by[i][j] = bytes.bytes(i, j) / seconds;
        }
      }
      CAPTURED.put(name, new Profile(name, b, "A", n, new TrafficMatrix(bytes.vms(), p, by), CAPTURED_SYNCS.get(b), DIRTY_RATE, "small",
          seconds, "captured: samples/npb/" + name + " (NPB 3.4.2 MPI, " + seconds + " s wall time)"));
    }
  }

  private NpbProfiles() {}

  /** The profile of that name, if there is one. */
  public static Optional<Profile> lookup(String name) {
    return Optional.ofNullable(CAPTURED.get(name));
  }

  /** The names of the profiles that exist, sorted. */
  public static List<String> names() {
    return new ArrayList<>(CAPTURED.keySet());
  }

  private static TrafficMatrix read(String file, TrafficMetric metric) {
    try (InputStream in = NpbProfiles.class.getResourceAsStream(RESOURCES + file)) {
      if (in == null) {
        throw new IllegalStateException("missing profile data " + RESOURCES + file + " in the jar");
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return MatrixCsv.parse(RESOURCES + file, text.lines().toList(), metric);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read profile data " + RESOURCES + file, e);
    }
  }
}
