package org.vmflock.monitor.export;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.TextFiles;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;

/**
 * The VM x VM matrix files of the NPB data set: a header {@code src\dst,vm1,...,vmN}, then one row
 * per sender with what it sent to each receiver. Counts print as integers; means as decimals.
 */
public final class MatrixCsv {

  public static final String CORNER = "src\\dst";

  private MatrixCsv() {}

  public static String format(TrafficMatrix m, TrafficMetric metric) {
    StringBuilder sb = new StringBuilder();
    sb.append(CORNER);
    m.vms().forEach(vm -> sb.append(',').append(vm));
    sb.append('\n');
    for (int s = 0; s < m.size(); s++) {
      sb.append(m.vms().get(s));
      for (int d = 0; d < m.size(); d++) {
        sb.append(',').append(number(metric.of(m, s, d)));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** An integer when the value is one, else the shortest decimal that reads back the same. */
  public static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
  }

  public static void write(Path file, TrafficMatrix m, TrafficMetric metric) throws IOException {
    Files.writeString(file, format(m, metric), StandardCharsets.UTF_8);
  }

  /**
   * Reads one measure; the other is zero. Errors name the file, the line and the column.
   * Negative, non-numeric or missing values, unknown or repeated VMs, and a header that does not
   * match the rows are refused.
   */
  public static TrafficMatrix read(Path file, TrafficMetric metric) {
    return parse(file.toString(), TextFiles.lines(file), metric);
  }

  public static TrafficMatrix parse(String source, List<String> lines, TrafficMetric metric) {
    List<String> content = lines.stream().filter(l -> !l.isBlank()).toList();
    if (content.isEmpty()) {
      throw new InvalidInputException(source, "empty file: expected a header '" + CORNER + ",vm1,...' and one row per VM");
    }
    String headerAt = source + ":" + (lines.indexOf(content.get(0)) + 1); // blank lines may come first
    String[] header = content.get(0).split(",", -1);
    List<String> vms = Arrays.stream(header).skip(1).map(String::strip).toList();
    if (vms.isEmpty()) {
      throw new InvalidInputException(headerAt, "the header names no VM");
    }
    Set<String> seen = new HashSet<>();
    for (String vm : vms) {
      if (vm.isEmpty() || !seen.add(vm)) {
        throw new InvalidInputException(headerAt, vm.isEmpty() ? "empty VM name in the header" : "VM '" + vm + "' appears twice in the header");
      }
    }
    int n = vms.size();
    double[][] values = new double[n][n];
    boolean[] rowSeen = new boolean[n];
    int lineNo = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      lineNo++;
      if (lineNo == 1) {
        continue;
      }
      String where = source + ":" + (i + 1);
      String[] f = lines.get(i).split(",", -1);
      if (f.length != n + 1) {
        throw new InvalidInputException(where, "expected " + (n + 1) + " fields (a VM and " + n + " values), found " + f.length);
      }
      int s = vms.indexOf(f[0].strip());
      if (s < 0) {
        throw new InvalidInputException(where, "unknown VM '" + f[0].strip() + "': not in the header");
      }
      if (rowSeen[s]) {
        throw new InvalidInputException(where, "second row for VM '" + vms.get(s) + "'");
      }
      rowSeen[s] = true;
      for (int d = 0; d < n; d++) {
        String text = f[d + 1].strip();
        double v;
        try {
          v = Double.parseDouble(text);
        } catch (NumberFormatException e) {
          throw new InvalidInputException(where, "column '" + vms.get(d) + "': not a number: '" + text + "'");
        }
        if (!(v >= 0) || Double.isInfinite(v)) {
          throw new InvalidInputException(where, "column '" + vms.get(d) + "': traffic must be a finite number >= 0, not " + text);
        }
        values[s][d] = v;
      }
    }
    List<String> missingRows = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      if (!rowSeen[s]) {
        missingRows.add(vms.get(s));
      }
    }
    if (!missingRows.isEmpty()) {
      throw new InvalidInputException(source, "no row for " + missingRows);
    }
    double[][] zero = new double[n][n];
    return metric == TrafficMetric.PACKETS ? new TrafficMatrix(vms, values, zero) : new TrafficMatrix(vms, zero, values);
  }
}
