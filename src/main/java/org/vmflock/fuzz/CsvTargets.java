package org.vmflock.fuzz;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.vmflock.analyze.GroupDetector;
import org.vmflock.analyze.GroupingSettings;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;
import org.vmflock.model.VmInventory;
import org.vmflock.monitor.export.MatrixCsv;

/** The CSV files vmflock reads on the command line: VMS.csv and VM x VM matrices. */
final class CsvTargets {

  private CsvTargets() {}

  /** VMS.csv: headers in any order (or wrong), rows of names, addresses and MACs, some wrong, some repeated. */
  static final class VmsCsv implements FuzzTarget<byte[]> {
    private static final List<String> IPS = List.of("10.0.0.1", "10.0.0.2", "fd77::1", "10.0.0.1;fd77::3", "255.255.255.255", "224.0.0.1",
        "127.0.0.1", "0.0.0.0", "::", "::1", "ff02::1", "1.2.3", "10.0.0.256", "fe80::1%eth0", "[fd77::9]", "10.0.0.7 10.0.0.8", "");
    private static final List<String> MACS = List.of("02:00:00:77:00:01", "02:00:00:77:00:02", "02-00-00-77-00-03", "01:00:5e:00:00:01",
        "ff:ff:ff:ff:ff:ff", "02:00:00:77:zz:02", "02:00:00:77:00", "+2:00:00:77:00:01", "");

    @Override
    public String name() {
      return "vms-csv";
    }

    @Override
    public byte[] generate(SplittableRandom r) {
      double faults = Garbage.chance(r, 0.5) ? 0 : 0.05;
      StringBuilder csv = new StringBuilder();
      if (Garbage.chance(r, 0.2)) {
        csv.append("# the VMs\n");
      }
      List<String> columns = Garbage.chance(r, 0.5) ? List.of("vm", "ip", "mac") : List.of("vm", "ip", "mac", "site");
      List<String> header = new java.util.ArrayList<>(columns);
      java.util.Collections.shuffle(header, new java.util.Random(r.nextLong()));
      if (Garbage.chance(r, faults)) {
        header.set(r.nextInt(header.size()), Garbage.text(r));
      }
      csv.append(String.join(",", header)).append('\n');
      int rows = Garbage.chance(r, 0.02) ? 1000 + r.nextInt(50) : 1 + r.nextInt(8);
      for (int i = 0; i < rows; i++) {
        List<String> cells = new java.util.ArrayList<>();
        boolean wrong = Garbage.chance(r, faults);
        for (String c : header) {
          // each row's own name, addresses and MAC; a wrong row takes values that may be malformed, shared or not unicast
          cells.add(switch (c) {
            case "vm" -> wrong ? Garbage.name(r, "vm") : "vm" + i;
            case "ip" -> wrong ? Garbage.pick(r, IPS) : "10." + (i >> 8) + "." + (i & 0xFF) + ".1" + (Garbage.chance(r, 0.2) ? ";fd77::" + i : "");
            case "mac" -> wrong ? Garbage.pick(r, MACS) : String.format("02:00:00:00:%02x:%02x", i >> 8, i & 0xFF);
            case "site" -> wrong ? Garbage.name(r, "site") : "site" + (i % 3);
            default -> Garbage.text(r);
          });
        }
        if (Garbage.chance(r, 0.1)) {
          int q = r.nextInt(cells.size());
          cells.set(q, "\"" + cells.get(q) + "\"");
        }
        csv.append(String.join(",", cells)).append('\n');
      }
      String text = Garbage.chance(r, faults * 4) ? Garbage.mutate(r, csv.toString()) : csv.toString();
      return Garbage.bytes(r, text);
    }

    @Override
    public void feed(byte[] input, Path scratch) throws Exception {
      Path f = scratch.resolve("vms.csv");
      Files.write(f, input);
      VmInventory.read(f);
    }

    @Override
    public String describe(byte[] input) {
      return FuzzTarget.text(input);
    }
  }

  /** Matrices: square or not, values of every kind; an accepted one is then grouped by both algorithms. */
  static final class Matrix implements FuzzTarget<byte[]> {
    @Override
    public String name() {
      return "matrix";
    }

    @Override
    public byte[] generate(SplittableRandom r) {
      double faults = Garbage.chance(r, 0.5) ? 0 : 0.03;
      int n = Garbage.chance(r, 0.01) ? MatrixSize.HUGE + r.nextInt(10) : Garbage.chance(r, faults) ? 0 : 1 + r.nextInt(8);
      StringBuilder csv = new StringBuilder(MatrixCsv.CORNER);
      for (int i = 0; i < n; i++) {
        csv.append(',').append(n > 100 ? "v" + i : Garbage.chance(r, faults) ? Garbage.name(r, "vm") : "vm" + i);
      }
      csv.append('\n');
      int rows = n > 100 ? 1 : n;
      for (int i = 0; i < rows; i++) {
        csv.append("vm").append(i);
        for (int j = 0; j < n; j++) {
          csv.append(',').append(Garbage.chance(r, faults) ? Garbage.number(r)
              : Garbage.chance(r, 0.3) ? "0" : Garbage.chance(r, 0.5) ? Long.toString(r.nextLong(0, 1L << 40)) : Double.toString(r.nextDouble(0, 1e9)));
        }
        csv.append('\n');
      }
      String text = Garbage.chance(r, faults * 5) ? Garbage.mutate(r, csv.toString()) : csv.toString();
      return Garbage.bytes(r, text);
    }

    @Override
    public void feed(byte[] input, Path scratch) throws Exception {
      Path f = scratch.resolve("m.bytes.csv");
      Files.write(f, input);
      TrafficMatrix m = MatrixCsv.read(f, TrafficMetric.BYTES);
      for (String algorithm : GroupDetector.ALGORITHMS) {
        GroupDetector.named(algorithm, SETTINGS).detect(m, Duration.ofSeconds(30));
      }
    }

    @Override
    public String describe(byte[] input) {
      return FuzzTarget.text(input);
    }

    private static final GroupingSettings SETTINGS = GroupingSettings.defaults();

    /** A matrix naming more VMs than vmflock reads. */
    private static final class MatrixSize {
      static final int HUGE = org.vmflock.model.Limits.MAX_VMS_PER_MATRIX + 1;
    }
  }
}
