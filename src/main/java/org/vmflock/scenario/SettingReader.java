package org.vmflock.scenario;

import java.util.ArrayList;

import org.vmflock.model.AvailabilityWindow;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.vmflock.model.Capacity;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Limits;
import org.vmflock.model.NetworkPath;

/**
 * Typed settings of one scenario file (HOCON). Every failed read names the file, the line and the
 * setting's full path ({@code sites.lyon.capacity.slots}, {@code timeline[2].price.site}), then
 * what is wrong.
 */
final class SettingReader {

  private static final int DEFAULT_CORES_PER_SLOT = 64;
  private static final long DEFAULT_MEMORY_PER_SLOT = 256L << 30;

  private final Path file;
  private final FileAccess files;
  private final Config root;

  SettingReader(Path file, FileAccess files, Config root) {
    this.file = file;
    this.files = files;
    this.root = root;
  }

  SettingReader(Path file, Config root) {
    this(file, FileAccess.besides(file), root);
  }

  Path file() {
    return file;
  }

  Config root() {
    return root;
  }

  /** The file named at {@code key} of {@code c}, where {@link FileAccess} allows it. */
  Path file(Config c, String key, String where) {
    String name = string(c, key, where);
    try {
      return files.resolve(name);
    } catch (IllegalArgumentException e) {
      throw error(c, key, join(where, key), e.getMessage());
    }
  }

  /** The object at {@code key} of {@code c}. */
  Config config(Config c, String key, String where) {
    object(c, key, where);
    return c.getConfig(key);
  }

  ConfigObject object(Config c, String key, String where) {
    try {
      return c.getObject(key);
    } catch (ConfigException.Missing e) {
      throw where.isEmpty() ? error(key, "missing setting '" + key + "'") : error(c, key, join(where, key), "missing setting");
    } catch (ConfigException.WrongType e) {
      throw error(c, key, join(where, key), "expected an object { ... }");
    }
  }

  List<? extends Config> configList(Config c, String key, String where) {
    try {
      return c.getConfigList(key);
    } catch (ConfigException e) {
      throw error(c, key, join(where, key), "expected a list of objects [ { ... } ]");
    }
  }

  String string(Config c, String key, String where) {
    String full = join(where, key);
    if (!c.hasPath(key)) {
      throw error(c, key, full, "missing setting");
    }
    try {
      return c.getString(key);
    } catch (ConfigException e) {
      throw error(c, key, full, "expected a text, not " + c.getValue(key).valueType().name().toLowerCase(java.util.Locale.ROOT));
    }
  }

  Instant instant(Config c, String key, String where) {
    String full = join(where, key);
    if (!c.hasPath(key)) {
      throw error(c, key, full, "missing setting (an instant such as 2026-06-01T12:00:00Z)");
    }
    Instant t;
    try {
      t = Instant.parse(c.getString(key));
    } catch (DateTimeParseException | ConfigException e) {
      throw error(c, key, full, "not an instant: '" + Limits.quoted(String.valueOf(c.getValue(key).unwrapped())) + "' (expected e.g. 2026-06-01T12:00:00Z)");
    }
    String problem = Limits.instantProblem(t);
    if (!problem.isEmpty()) {
      throw error(c, key, full, problem);
    }
    return t;
  }

  Duration duration(Config c, String key, String where) {
    String full = join(where, key);
    if (!c.hasPath(key)) {
      throw error(c, key, full, "missing setting (a duration such as 5ms)");
    }
    Duration d;
    try {
      d = c.getDuration(key);
    } catch (ConfigException e) {
      throw error(c, key, full, "not a duration: '" + Limits.quoted(String.valueOf(c.getValue(key).unwrapped())) + "' (e.g. 5ms, 2h)");
    }
    if (d.isNegative()) {
      throw error(c, key, full, "must not be negative");
    }
    return d;
  }

  double seconds(Config c, String key, String where, boolean positive) {
    double s = duration(c, key, where).toNanos() / 1e9;
    if (positive && s <= 0) {
      throw error(c, key, join(where, key), "must be positive");
    }
    return s;
  }

  double rate(Config c, String key, String where, Limits.Bound bound) {
    double r = rate(c, key, where);
    if (!bound.contains(r)) {
      throw error(c, key, join(where, key), bound.problem(r));
    }
    return r;
  }

  double rate(Config c, String key, String where) {
    String full = join(where, key);
    if (!c.hasPath(key)) {
      throw error(c, key, full, "missing setting (a rate such as 10Gbps or 20MB/s)");
    }
    String text = Limits.quoted(String.valueOf(c.getValue(key).unwrapped()));
    double r;
    try {
      r = Units.bytesPerSecond(text);
    } catch (IllegalArgumentException e) {
      throw error(c, key, full, e.getMessage());
    }
    if (!(r >= 0)) {
      throw error(c, key, full, "must not be negative");
    }
    return r;
  }

  /** A size in bytes in {@code bound}. */
  long bytes(Config c, String key, String where, Limits.Bound bound) {
    long b = bytes(c, key, where);
    if (!bound.contains(b)) {
      throw error(c, key, join(where, key), bound.problem(b));
    }
    return b;
  }

  long bytes(Config c, String key, String where) {
    long b;
    try {
      b = c.getBytes(key);
    } catch (ConfigException.Missing e) {
      throw error(c, key, join(where, key), "missing setting (a size such as 4GiB)");
    } catch (ConfigException e) {
      throw error(c, key, join(where, key), "not a size: '" + Limits.quoted(String.valueOf(c.getValue(key).unwrapped())) + "' (e.g. 4GiB)");
    }
    if (b <= 0) {
      throw error(c, key, join(where, key), "must be positive");
    }
    return b;
  }

  double number(Config c, String key, String where) {
    try {
      Object raw = c.getValue(key).unwrapped();
      if (raw instanceof String text && !Limits.isDecimal(text.strip())) {
        throw error(c, key, join(where, key), "not a number: '" + Limits.quoted(text) + "'");
      }
      return c.getDouble(key);
    } catch (ConfigException.Missing e) {
      throw error(c, key, join(where, key), "missing setting");
    } catch (ConfigException e) {
      throw error(c, key, join(where, key), "not a number: '" + Limits.quoted(String.valueOf(c.getValue(key).unwrapped())) + "'");
    }
  }

  /** A number in {@code bound}. */
  double bounded(Config c, String key, String where, Limits.Bound bound) {
    double v = number(c, key, where);
    if (!bound.contains(v)) {
      throw error(c, key, join(where, key), bound.problem(v));
    }
    return v;
  }

  /** A whole number in {@code bound}. */
  int boundedInt(Config c, String key, String where, Limits.Bound bound) {
    double v = bounded(c, key, where, bound);
    if (v != Math.rint(v)) {
      throw error(c, key, join(where, key), "must be a whole number, not " + v);
    }
    return (int) v;
  }

  /** A duration of at most {@code max}. */
  Duration duration(Config c, String key, String where, Duration max) {
    Duration d = duration(c, key, where);
    if (d.compareTo(max) > 0) {
      throw error(c, key, join(where, key), "at most " + max.toString().substring(2).toLowerCase(java.util.Locale.ROOT) + ", not " + Limits.quoted(String.valueOf(c.getValue(key).unwrapped())));
    }
    return d;
  }

  /**
   * Refuses a key of {@code c} that is not in {@code known} (a misspelled setting would otherwise be
   * silently ignored), naming it and its line.
   */
  void onlyKnown(Config c, String where, java.util.Collection<String> known) {
    for (String key : new java.util.TreeSet<>(c.root().keySet())) {
      if (!known.contains(key)) {
        throw error(c, quote(key), join(where, key), "unknown setting '" + Limits.quoted(key) + "' (expected one of " + new java.util.TreeSet<>(known) + ")");
      }
    }
  }

  double positive(Config c, String key, String where) {
    double v = number(c, key, where);
    if (!(v > 0) || Double.isInfinite(v)) {
      throw error(c, key, join(where, key), "must be positive, not " + v);
    }
    return v;
  }

  double nonNegative(Config c, String key, String where) {
    double v = number(c, key, where);
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw error(c, key, join(where, key), "must not be negative, not " + v);
    }
    return v;
  }

  /** A number in [0, 1]. */
  double fraction(Config c, String key, String where) {
    double v = nonNegative(c, key, where);
    if (v > 1) {
      throw error(c, key, join(where, key), "must be between 0 and 1, not " + v);
    }
    return v;
  }

  int positiveInt(Config c, String key, String where) {
    int v = nonNegativeInt(c, key, where);
    if (v < 1) {
      throw error(c, key, join(where, key), "must be at least 1");
    }
    return v;
  }

  int nonNegativeInt(Config c, String key, String where) {
    double v = number(c, key, where);
    if (v < 0 || v != Math.rint(v) || v > Integer.MAX_VALUE) {
      throw error(c, key, join(where, key), "must be a whole number >= 0, not " + v);
    }
    return (int) v;
  }

  /** {@code latency} and {@code bandwidth} of {@code c}. */
  NetworkPath networkPath(Config c, String where) {
    Duration latency = duration(c, "latency", where, Limits.MAX_LATENCY);
    double bandwidth = rate(c, "bandwidth", where, Limits.BANDWIDTH);
    try {
      return new NetworkPath(latency, bandwidth);
    } catch (IllegalArgumentException e) {
      throw error(where, e.getMessage());
    }
  }

  /** {@code slots}, and {@code cores} and {@code memory} (by default 64 cores and 256 GiB a slot: no limit but slots). */
  Capacity capacity(Config cap, String where, List<String> otherKeys) {
    List<String> known = new ArrayList<>(List.of("slots", "cores", "memory"));
    known.addAll(otherKeys);
    onlyKnown(cap, where, known);
    int slots = boundedInt(cap, "slots", where, Limits.SLOTS);
    int cores = cap.hasPath("cores") ? boundedInt(cap, "cores", where, Limits.SITE_CORES) : slots * DEFAULT_CORES_PER_SLOT;
    long memory = cap.hasPath("memory") ? bytes(cap, "memory", where, Limits.SITE_MEMORY) : slots * DEFAULT_MEMORY_PER_SLOT;
    return new Capacity(slots, cores, memory);
  }

  static String join(String where, String key) {
    return where.isEmpty() ? key : where + "." + key;
  }

  static String quote(String key) {
    return ConfigUtil.quoteString(key);
  }

  /**
   * The availability windows listed at {@code key} of {@code c}: each {@code from} (default
   * {@code defaultFrom}) {@code until}, ending after its start and after {@code notBefore}
   * ({@code reference} names that instant in the error).
   */
  List<AvailabilityWindow> windows(Config c, String key, String where, Instant defaultFrom, Instant notBefore, String reference) {
    List<AvailabilityWindow> windows = new ArrayList<>();
    List<? extends Config> list = configList(c, key, where);
    for (int i = 0; i < list.size(); i++) {
      Config w = list.get(i);
      String at = where + "." + key + "[" + i + "]";
      onlyKnown(w, at, List.of("from", "until"));
      Instant from = w.hasPath("from") ? instant(w, "from", at) : defaultFrom;
      Instant until = instant(w, "until", at);
      if (!until.isAfter(notBefore)) {
        throw error(w, "until", at + ".until", "the window ends (" + until + ") before " + reference + " (" + notBefore + ")");
      }
      if (!until.isAfter(from)) {
        throw error(w, "until", at + ".until", "the window ends (" + until + ") before it starts (" + from + ")");
      }
      windows.add(new AvailabilityWindow(from, until));
    }
    return windows;
  }

  /** What is wrong with {@code key} of {@code c}, on the line of that setting (or of {@code c} when it is missing). */
  InvalidInputException error(Config c, String key, String full, String what) {
    int line = c.hasPath(key) ? c.getValue(key).origin().lineNumber() : c.origin().lineNumber();
    return new InvalidInputException(at(line) + ": " + full, what);
  }

  /** What is wrong with the setting at {@code full} (a path from the root), on its line if it has one. */
  InvalidInputException error(String full, String what) {
    int line;
    try {
      line = root.hasPath(full) ? root.getValue(full).origin().lineNumber() : -1;
    } catch (ConfigException e) {
      line = -1; // a list element's path is no config path
    }
    return new InvalidInputException(at(line) + ": " + full, what);
  }

  private String at(int line) {
    return file + (line > 0 ? ":" + line : "");
  }
}
