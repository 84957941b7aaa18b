package org.vmflock.scenario;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A price trace of {@code simulations/data/cloud-prices}: one CSV of records
 * {@code timestamp,region_or_zone,instance_type,price_usd_per_hour}, each the price of one
 * instance type in one zone (or region) from that instant on. Records of one series need not be
 * consecutive nor sorted.
 */
final class PriceTrace {

  private static final String HEADER = "timestamp,region_or_zone,instance_type,price_usd_per_hour";

  private final Path csv;
  private final Map<String, Map<String, NavigableMap<Instant, Double>>> byZoneAndType;

  private PriceTrace(Path csv, Map<String, Map<String, NavigableMap<Instant, Double>>> byZoneAndType) {
    this.csv = csv;
    this.byZoneAndType = byZoneAndType;
  }

  /** Reads {@code csv}; a malformed record or a negative price is an IllegalArgumentException naming the file and line. */
  static PriceTrace read(Path csv) throws IOException {
    List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    if (lines.isEmpty() || !lines.get(0).trim().equals(HEADER)) {
      throw new IllegalArgumentException(csv + ":1: expected the header " + HEADER);
    }
    Map<String, Map<String, NavigableMap<Instant, Double>>> series = new HashMap<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split(",", -1);
      String at = csv + ":" + (i + 1) + ": ";
      if (f.length != 4) {
        throw new IllegalArgumentException(at + "expected 4 fields (" + HEADER + "), not " + f.length);
      }
      Instant t;
      double price;
      try {
        t = Instant.parse(f[0]);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(at + "not an instant: '" + f[0] + "'");
      }
      try {
        price = Double.parseDouble(f[3]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(at + "not a price: '" + f[3] + "'");
      }
      if (!(price >= 0) || Double.isInfinite(price)) {
        throw new IllegalArgumentException(at + "a price is a finite number >= 0, not " + f[3]);
      }
      series.computeIfAbsent(f[1], z -> new HashMap<>()).computeIfAbsent(f[2], y -> new TreeMap<>()).put(t, price);
    }
    return new PriceTrace(csv, series);
  }

  Path csv() {
    return csv;
  }

  Set<String> zones() {
    return new TreeSet<>(byZoneAndType.keySet());
  }

  Set<String> types(String zone) {
    return new TreeSet<>(byZoneAndType.getOrDefault(zone, Map.of()).keySet());
  }

  /** The prices of {@code type} in {@code zone} by instant, if the trace has that series. */
  Optional<NavigableMap<Instant, Double>> series(String zone, String type) {
    NavigableMap<Instant, Double> s = byZoneAndType.getOrDefault(zone, Map.of()).get(type);
    return Optional.ofNullable(s).map(Collections::unmodifiableNavigableMap);
  }
}
