package org.vmflock.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The range of every number vmflock accepts from outside (scenario files, the configuration and
 * {@code --set}, command-line options, HTTP events, VMS.csv, matrices, price traces), in one place.
 * Each is far wider than any real federation needs and narrow enough that no computation on it
 * overflows, divides by almost zero or allocates without bound. Readers check a value where it
 * enters and name it; the model's constructors check again, so no path can skip the check.
 */
public final class Limits {

  private Limits() {}

  /** A closed range {@code [min, max]} of a quantity; NaN is never inside. */
  public record Bound(String what, double min, double max) {

    public boolean contains(double v) {
      return v >= min && v <= max;
    }

    /** Empty when {@code v} is inside, else what is wrong with it, in words. */
    public String problem(double v) {
      return contains(v) ? "" : what + " is between " + number(min) + " and " + number(max) + ", not " + number(v);
    }

    /** {@code v}, or an {@link InvalidInputException} naming {@code where}. */
    public double check(String where, double v) {
      if (!contains(v)) {
        throw new InvalidInputException(where, problem(v));
      }
      return v;
    }

    /** {@code v}, or an IllegalArgumentException (for the model's constructors). */
    public double require(double v) {
      if (!contains(v)) {
        throw new IllegalArgumentException(problem(v));
      }
      return v;
    }

    /** {@code v} as a whole number, or an {@link InvalidInputException} naming {@code where}. */
    public int checkWhole(String where, double v) {
      check(where, v);
      if (v != Math.rint(v)) {
        throw new InvalidInputException(where, what + " is a whole number, not " + number(v));
      }
      return (int) v;
    }
  }

  /** Relative CPU speed (1 = the reference CPU): a million-fold spread at most. */
  public static final Bound CPU_SPEED = new Bound("a CPU speed", 1e-3, 1e3);
  /** Hosting price of one VM for one hour (any currency). */
  public static final Bound PRICE_PER_VM_HOUR = new Bound("a price per VM-hour", 0, 1e4);
  /** Price of one GB sent between sites. */
  public static final Bound PRICE_PER_GB = new Bound("a price per GB", 0, 1e3);
  /** A budget, or what an application has already spent. */
  public static final Bound MONEY = new Bound("an amount of money", 0, 1e12);
  /** The factor a price trace's prices are multiplied by. */
  public static final Bound PRICE_SCALE = new Bound("a price scale", 1e-6, 1e6);

  /** VMs of one application, rows of one VM x VM matrix, VMs of one VMS.csv (every matrix is n x n doubles). */
  public static final int MAX_VMS_PER_MATRIX = 1024;
  /** VMs of one application (NPB profiles run on up to 1,024). */
  public static final Bound APPLICATION_VMS = new Bound("an application's number of VMs", 1, MAX_VMS_PER_MATRIX);
  /** VMs of a whole scenario, written and generated (large.conf has 30,000). */
  public static final int MAX_SCENARIO_VMS = 100_000;
  /** Applications of a scenario. */
  public static final int MAX_SCENARIO_APPLICATIONS = 10_000;
  /** Sites of a scenario. */
  public static final int MAX_SCENARIO_SITES = 1_000;

  /** VM slots of one site, and a quota. */
  public static final Bound SLOTS = new Bound("a number of VM slots", 0, 1e6);
  /** Cores of one site. */
  public static final Bound SITE_CORES = new Bound("a number of cores", 0, 1e8);
  /** Memory of one site, in bytes (1 EiB). */
  public static final Bound SITE_MEMORY = new Bound("a memory size in bytes", 0, 0x1p60);
  /** Cores of one VM. */
  public static final Bound VM_CORES = new Bound("a VM's number of cores", 1, 4096);
  /** Memory of one VM, in bytes (64 TiB). */
  public static final Bound VM_MEMORY = new Bound("a VM's memory in bytes", 1, 0x1p46);

  /** Work of an application, in work seconds (about 3 years on the reference CPU). */
  public static final Bound WORK_SECONDS = new Bound("an amount of work in seconds", 0, 1e8);
  /** Barriers per work second. */
  public static final Bound SYNCS_PER_SECOND = new Bound("a number of syncs per second", 0, 1e6);
  /** Bytes (or packets) in one cell of a traffic matrix (1 PB). */
  public static final Bound TRAFFIC = new Bound("a traffic value", 0, 1e15);
  /** A rate in bytes per second: a bandwidth (1 kB/s to 10 TB/s) ... */
  public static final Bound BANDWIDTH = new Bound("a bandwidth in bytes per second", 1e3, 1e13);
  /** ... or the rate at which a VM dirties its memory. */
  public static final Bound DIRTY_RATE = new Bound("a dirty rate in bytes per second", 0, 1e13);
  /** One-way latency of a network path. */
  public static final Duration MAX_LATENCY = Duration.ofSeconds(10);

  /** How long before a site fails its failure may be announced. */
  public static final Duration MAX_NOTICE = Duration.ofDays(366);
  /** How far ahead an event may name an instant relative to the node's now ({@code +2h}). */
  public static final Duration MAX_RELATIVE_INSTANT = Duration.ofDays(3660);

  /** The MAPE loop's period in a scenario, and a node's statistics period. */
  public static final Duration MIN_LOOP_PERIOD = Duration.ofSeconds(1);
  public static final Duration MAX_PERIOD = Duration.ofDays(1);
  /** A statistics period (M2) at least: shorter ones only multiply the reports. */
  public static final Duration MIN_STATISTICS_PERIOD = Duration.ofMillis(100);
  /** Loop periods a simulation may run through (its end, or its applications' work at the slowest CPU, over the period). */
  public static final long MAX_SIMULATED_PERIODS = 1_000_000;
  /** Periods a query may ask for, and periods a replayed capture may span. */
  public static final int MAX_PERIODS = 100_000;
  /** How many periods a query may ask for. */
  public static final Bound PERIODS = new Bound("a number of periods", 1, MAX_PERIODS);
  /** A period's id, {@code floor(epoch / period)}: from the epoch on. */
  public static final Bound PERIOD_ID = new Bound("a period id", 0, 1e15);
  /** Speed-up of a node's simulated time over real time. */
  public static final Bound TIME_SCALE = new Bound("a time scale", 1e-3, 1e6);

  /** Instants vmflock reads: from the epoch to the end of year 9999. */
  public static final Instant EARLIEST = Instant.EPOCH;
  public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

  /** Bytes of one text file (VMS.csv, a matrix, a price trace, a scenario). */
  public static final long MAX_TEXT_FILE_BYTES = 64L << 20;
  /** Characters of a value quoted in an error message: the rest is cut. */
  public static final int MAX_QUOTED_CHARS = 80;

  /** A decimal number as people and vmflock write them: no type suffix ({@code 1d}, {@code 2f}), no hexadecimal ({@code 0x1p3}). */
  public static boolean isDecimal(String text) {
    return DECIMAL.matcher(text).matches();
  }

  private static final Pattern DECIMAL = Pattern.compile("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?");

  /** {@code text} short enough to quote in a one-line error: at most {@link #MAX_QUOTED_CHARS}, line breaks shown as \n. */
  public static String quoted(String text) {
    String t = text.replace("\r", "\\r").replace("\n", "\\n");
    return t.length() <= MAX_QUOTED_CHARS ? t : t.substring(0, MAX_QUOTED_CHARS) + "... (" + t.length() + " characters)";
  }

  /** Empty when {@code t} is in [{@link #EARLIEST}, {@link #LATEST}], else what is wrong. */
  public static String instantProblem(Instant t) {
    return t.isBefore(EARLIEST) || t.isAfter(LATEST) ? "an instant is between " + EARLIEST + " and " + LATEST + ", not " + t : "";
  }

  private static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return String.format(Locale.ROOT, "%d", (long) v);
    }
    return String.valueOf(v);
  }
}
