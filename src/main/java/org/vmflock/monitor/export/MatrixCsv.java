package org.vmflock.monitor.export;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.vmflock.model.CsvRows;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Limits;
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
   * Negative, non-numeric (only decimal numbers: no {@code 1d}, {@code 0x1p3}) or missing values,
   * values above {@link Limits#TRAFFIC}, unknown or repeated VMs, more than
   * {@link Limits#MAX_VMS_PER_MATRIX} VMs, and a header that does not match the rows are refused.
   */
  public static TrafficMatrix read(Path file, TrafficMetric metric) {
    return parse(file.toString(), TextFiles.text(file), metric);
  }

  public static TrafficMatrix parse(String source, List<String> lines, TrafficMetric metric) {
    return parse(source, String.join("\n", lines), metric);
  }

  public static TrafficMatrix parse(String source, String text, TrafficMetric metric) {
    List<String> vms = new ArrayList<>();
    double[][][] values = new double[1][][];
    boolean[][] rowSeen = new boolean[1][];
    CsvRows.forEach(source, text, r -> {
      String where = source + ":" + r.line();
      if (values[0] == null) {
        vms.addAll(header(where, r.cells()));
        values[0] = new double[vms.size()][vms.size()];
        rowSeen[0] = new boolean[vms.size()];
        return;
      }
      int n = vms.size();
      if (r.size() != n + 1) {
        throw new InvalidInputException(where, "expected " + (n + 1) + " fields (a VM and " + n + " values), found " + r.size());
      }
      int s = vms.indexOf(r.cell(0));
      if (s < 0) {
        throw new InvalidInputException(where, "unknown VM '" + Limits.quoted(r.cell(0)) + "': not in the header");
      }
      if (rowSeen[0][s]) {
        throw new InvalidInputException(where, "second row for VM '" + vms.get(s) + "'");
      }
      rowSeen[0][s] = true;
      for (int d = 0; d < n; d++) {
        values[0][s][d] = value(where, vms.get(d), r.cell(d + 1));
      }
    });
    if (values[0] == null) {
      throw new InvalidInputException(source, "empty file: expected a header '" + CORNER + ",vm1,...' and one row per VM");
    }
    List<String> missingRows = new ArrayList<>();
    for (int s = 0; s < vms.size(); s++) {
      if (!rowSeen[0][s]) {
        missingRows.add(vms.get(s));
      }
    }
    if (!missingRows.isEmpty()) {
      throw new InvalidInputException(source, "no row for " + Limits.quoted(missingRows.toString()));
    }
    double[][] zero = new double[vms.size()][vms.size()];
    return metric == TrafficMetric.PACKETS ? new TrafficMatrix(vms, values[0], zero) : new TrafficMatrix(vms, zero, values[0]);
  }

  private static List<String> header(String where, List<String> cells) {
    List<String> vms = cells.subList(1, cells.size());
    if (vms.isEmpty()) {
      throw new InvalidInputException(where, "the header names no VM");
    }
    if (vms.size() > Limits.MAX_VMS_PER_MATRIX) {
      throw new InvalidInputException(where, "the header names " + vms.size() + " VMs, more than vmflock's limit of " + Limits.MAX_VMS_PER_MATRIX);
    }
    Set<String> seen = new HashSet<>();
    for (String vm : vms) {
      if (vm.isEmpty() || !seen.add(vm)) {
        throw new InvalidInputException(where, vm.isEmpty() ? "empty VM name in the header" : "VM '" + Limits.quoted(vm) + "' appears twice in the header");
      }
    }
    return vms;
  }

  /** A decimal number (as vmflock writes them: no type suffix, no hexadecimal) in {@link Limits#TRAFFIC}. */
  private static double value(String where, String column, String text) {
    String what = "column '" + column + "': ";
    if (!Limits.isDecimal(text) && !text.matches("[+-]?(NaN|Infinity)")) {
      throw new InvalidInputException(where, what + "not a number: '" + Limits.quoted(text) + "'");
    }
    double v = Double.parseDouble(text);
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new InvalidInputException(where, what + "traffic must be a finite number >= 0, not " + text);
    }
    if (!Limits.TRAFFIC.contains(v)) {
      throw new InvalidInputException(where, what + Limits.TRAFFIC.problem(v));
    }
    return v;
  }
}
