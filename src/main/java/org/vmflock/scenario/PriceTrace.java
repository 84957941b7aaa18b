package org.vmflock.scenario;

import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.vmflock.model.CsvRows;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Limits;
import org.vmflock.model.TextFiles;

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

  /**
   * Reads {@code csv}; a malformed record, an instant outside [{@link Limits#EARLIEST},
   * {@link Limits#LATEST}] or a price outside {@link Limits#PRICE_PER_VM_HOUR} is an
   * {@link InvalidInputException} naming the file and line.
   */
  static PriceTrace read(Path csv) {
    Map<String, Map<String, NavigableMap<Instant, Double>>> series = new HashMap<>();
    boolean[] header = {false};
    CsvRows.forEach(csv.toString(), TextFiles.text(csv), r -> {
      String at = csv + ":" + r.line();
      if (!header[0]) {
        if (r.line() != 1 || !String.join(",", r.cells()).equals(HEADER)) {
          throw new InvalidInputException(csv + ":1", "expected the header " + HEADER);
        }
        header[0] = true;
        return;
      }
      if (r.size() != 4) {
        throw new InvalidInputException(at, "expected 4 fields (" + HEADER + "), not " + r.size());
      }
      Instant t;
      try {
        t = Instant.parse(r.cell(0));
      } catch (DateTimeParseException e) {
        throw new InvalidInputException(at, "not an instant: '" + Limits.quoted(r.cell(0)) + "'");
      }
      String late = Limits.instantProblem(t);
      if (!late.isEmpty()) {
        throw new InvalidInputException(at, late);
      }
      if (!Limits.isDecimal(r.cell(3))) {
        throw new InvalidInputException(at, "not a price: '" + Limits.quoted(r.cell(3)) + "'");
      }
      double price = Double.parseDouble(r.cell(3));
      if (!(price >= 0)) {
        throw new InvalidInputException(at, "a price is a finite number >= 0, not " + r.cell(3));
      }
      Limits.PRICE_PER_VM_HOUR.check(at, price);
      series.computeIfAbsent(r.cell(1), z -> new HashMap<>()).computeIfAbsent(r.cell(2), y -> new TreeMap<>()).put(t, price);
    });
    if (!header[0]) {
      throw new InvalidInputException(csv + ":1", "expected the header " + HEADER);
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
