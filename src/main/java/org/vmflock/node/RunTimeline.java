package org.vmflock.node;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import org.vmflock.clock.Clock;
import org.vmflock.clock.ScaledClock;
import org.vmflock.model.InvalidInputException;
import org.vmflock.simulate.StateFile;

/**
 * How a `run` node's scenario time maps onto real time, kept in its data directory from its first
 * start: the scenario (its file and the SHA-256 of its content), the scenario instant the node
 * started at, the real instant it did, the time scale and the seed. A restart on the same data
 * directory continues the same timeline (the time it was down passed, as it would for real VMs);
 * another scenario, time scale or seed on it is refused rather than mixed.
 */
public record RunTimeline(String scenario, String scenarioSha256, Instant scenarioStart, Instant realStart, double timeScale, long seed) {

  static final String KIND = "run-timeline";
  private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(SerializationFeature.INDENT_OUTPUT);

  /** The timeline of the node, and whether it was resumed from the data directory (false on a first start). */
  public record Resumed(RunTimeline timeline, boolean resumed) {}

  /**
   * The timeline kept in {@code file} if there is one (checked against what is asked now), else a new
   * one starting now, written there before anything else happens.
   *
   * @throws InvalidInputException if the data directory runs another scenario, time scale or seed
   * @throws StateFile.DamagedStateException if the file is not whole
   */
  public static Resumed resume(Path file, Path scenarioFile, Instant scenarioStart, double timeScale, long seed, Clock real) {
    String digest = digest(scenarioFile);
    Optional<RunTimeline> held = peek(file);
    if (held.isEmpty()) {
      RunTimeline t = new RunTimeline(scenarioFile.toAbsolutePath().normalize().toString(), digest, scenarioStart, real.now(), timeScale, seed);
      try {
        StateFile.write(file, KIND, JSON.writeValueAsBytes(t));
      } catch (IOException e) {
        throw new IllegalStateException(file + ": cannot write: " + e.getMessage(), e);
      }
      return new Resumed(t, false);
    }
    RunTimeline t = held.get();
    String other = "";
    if (!t.scenarioSha256().equals(digest)) {
      other = "scenario " + t.scenario() + " (SHA-256 " + t.scenarioSha256().substring(0, 12) + "...), not " + scenarioFile + " ("
          + digest.substring(0, 12) + "...)";
    } else if (Double.compare(t.timeScale(), timeScale) != 0) {
      other = "time scale " + fmt(t.timeScale()) + ", not " + fmt(timeScale);
    } else if (t.seed() != seed) {
      other = "seed " + t.seed() + ", not " + seed;
    }
    if (!other.isEmpty()) {
      throw new InvalidInputException(file.toString(), "this data directory runs " + other
          + ": run it as it was started (--resume alone does), --fresh to discard it and start over, or another data directory (--set vmflock.data-dir=DIR)");
    }
    return new Resumed(t, true);
  }

  /**
   * The timeline kept in {@code file}, as it is, unchecked; empty if there is none.
   *
   * @throws StateFile.DamagedStateException if the file is not whole
   */
  public static Optional<RunTimeline> peek(Path file) {
    Optional<byte[]> saved = StateFile.read(file, KIND);
    if (saved.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(saved.get(), RunTimeline.class));
    } catch (IOException e) {
      throw new StateFile.DamagedStateException(file, "unreadable: " + e.getMessage().replaceAll("\\s+", " "), e);
    }
  }

  /** What this timeline is, in a few words: its scenario, when it started, its time scale and seed. */
  public String describe() {
    return "the run of " + scenario + " started at " + realStart.truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " (time x" + fmt(timeScale)
        + ", seed " + seed + ")";
  }

  /** The node's scenario clock: {@code scenarioStart} at {@code realStart}, running {@code timeScale} times faster than {@code real}. */
  public ScaledClock clock(Clock real) {
    // the scaled clock counts from the first reading of its base: make that reading the real start
    Clock fromRealStart = new Clock() {
      private volatile boolean read;

      @Override
      public Instant now() {
        if (!read) {
          read = true;
          return realStart;
        }
        return real.now();
      }
    };
    return new ScaledClock(fromRealStart, scenarioStart, timeScale);
  }

  private static String fmt(double x) {
    return String.format(Locale.ROOT, "%s", x);
  }

  private static String digest(Path file) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (IOException e) {
      throw new InvalidInputException(file.toString(), "cannot read: " + e.getMessage());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
