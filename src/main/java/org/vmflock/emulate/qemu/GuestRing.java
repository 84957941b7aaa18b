package org.vmflock.emulate.qemu;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The work of a QEMU application in an emulation: its guests, booted where they are placed, run a
 * ring exchange ({@code ring} of {@code vmfl-guest}): guest {@code i} sends each round's message
 * to guest {@code i+1} (the last to the first) and receives one from guest {@code i-1}; a round
 * ends when both are done, and each receiver checks the bytes it got. Its completion is measured
 * on this machine's clock, from the moment the ring is started to the first look that finds every
 * guest done ({@link #POLL} apart: the time is at most that late, unless a look waited on a guest
 * paused by its migration's switch-over), whatever the guests' own clocks say; its verdict is every round done with no byte wrong, and each guest's memory as it
 * was (its fill's checksum unchanged, every working-set page as written) after whatever
 * migrations moved it meanwhile.
 *
 * <p>The guests are asked through the {@link QemuActuator}, which holds each one's current
 * instance: a guest that moved is asked at its new site.
 */
public final class GuestRing {

  /** One guest of the ring, in ring order. */
  public record Member(String vm, String site, GuestConfig guest) {}

  /**
   * How the ring's run ended.
   *
   * @param wallSeconds from the start to the look that found it done (or failed), by this machine's clock
   * @param verified every round done, no byte wrong, every guest's memory intact
   * @param reason why not, or empty
   */
  public record Outcome(double wallSeconds, boolean verified, String reason) {}

  /** How often the guests are asked how far they are. */
  public static final Duration POLL = Duration.ofMillis(100);

  /** How long the guests' memory checks are retried once the ring is done. */
  static final Duration CHECK_PATIENCE = Duration.ofSeconds(60);

  private final QemuActuator actuator;
  private final List<Member> members;
  private final Map<String, String> fillAtBoot = new LinkedHashMap<>();
  private volatile double progress;
  private long startNanos;
  private double doneSeconds = -1;
  private int rounds;

  private GuestRing(QemuActuator actuator, List<Member> members) {
    this.actuator = actuator;
    this.members = List.copyOf(members);
  }

  /** Boots every member at once on its site (each on a thread) and returns once all answer; a failed boot removes those booted. */
  public static GuestRing boot(QemuActuator actuator, List<Member> members, Duration timeout) throws IOException, InterruptedException {
    GuestRing ring = new GuestRing(actuator, members);
    ExecutorService boots = Executors.newFixedThreadPool(members.size(), r -> {
      Thread t = new Thread(r, "guest-boot");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<QemuVm>> booted = new ArrayList<>();
      for (Member m : members) {
        booted.add(boots.submit(() -> actuator.boot(m.vm(), m.site(), m.guest(), timeout)));
      }
      IOException failure = null;
      for (int i = 0; i < members.size(); i++) {
        try {
          QemuVm vm = booted.get(i).get();
          ring.fillAtBoot.put(members.get(i).vm(), vm.check().get("fill"));
        } catch (ExecutionException | IOException e) {
          Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
          failure = failure != null ? failure : new IOException("guest " + members.get(i).vm() + ": " + cause.getMessage(), cause);
        }
      }
      if (failure != null) {
        ring.remove();
        throw failure;
      }
      return ring;
    } finally {
      boots.shutdownNow();
    }
  }

  /** Starts the exchange: {@code rounds} rounds of {@code messageBytes} per guest. */
  public void start(int rounds, long messageBytes) throws IOException {
    this.rounds = rounds;
    startNanos = System.nanoTime();
    for (int i = 0; i < members.size(); i++) {
      Member next = members.get((i + 1) % members.size());
      String answer = actuator.vm(members.get(i).vm()).ask("ring " + next.guest().ip() + " " + rounds + " " + messageBytes);
      if (!answer.equals("ring started")) {
        throw new IOException("guest " + members.get(i).vm() + " did not start its ring: " + answer);
      }
    }
  }

  /** The share of its rounds the slowest guest has done, as of the last look (0 to 1). */
  public double progress() {
    return progress;
  }

  /**
   * Asks every guest how far it is; the outcome once all are done (their memory then checked) or
   * one failed; empty while they run. A guest that does not answer (paused by its migration) is
   * asked again at the next look.
   */
  public Optional<Outcome> look() {
    long least = Long.MAX_VALUE;
    long bad = 0;
    for (Member m : members) {
      Map<String, String> work;
      try {
        work = fields(actuator.vm(m.vm()).ask("work"), "work ");
      } catch (IOException | RuntimeException e) {
        return Optional.empty();
      }
      if (work.get("state").equals("failed")) {
        return Optional.of(new Outcome(elapsed(), false, "guest " + m.vm() + "'s ring broke after " + work.get("done") + " rounds"));
      }
      least = Math.min(least, Long.parseLong(work.get("done")));
      bad += Long.parseLong(work.get("bad"));
    }
    progress = rounds == 0 ? 0 : (double) least / rounds;
    if (least < rounds) {
      return Optional.empty();
    }
    if (doneSeconds < 0) {
      doneSeconds = elapsed();
    }
    double seconds = doneSeconds;
    if (bad > 0) {
      return Optional.of(new Outcome(seconds, false, bad + " bytes received wrong"));
    }
    for (Member m : members) {
      try {
        Map<String, String> check = actuator.vm(m.vm()).check();
        if (!check.get("fill").equals(fillAtBoot.get(m.vm())) || !check.get("bad").equals("0")) {
          return Optional.of(new Outcome(seconds, false, "guest " + m.vm() + "'s memory changed: fill " + check.get("fill") + " (at boot "
              + fillAtBoot.get(m.vm()) + "), " + check.get("bad") + " working-set pages not as written"));
        }
      } catch (IOException | RuntimeException e) {
        // a guest under TCG on a loaded machine may take seconds to accept: asked again at the next look, for a while
        if (elapsed() - seconds < CHECK_PATIENCE.toSeconds()) {
          return Optional.empty();
        }
        return Optional.of(new Outcome(seconds, false, "guest " + m.vm() + " did not answer its memory check within " + CHECK_PATIENCE
            + ": " + e.getMessage()));
      }
    }
    return Optional.of(new Outcome(seconds, true, ""));
  }

  /** Seconds since the start, by this machine's clock. */
  public double elapsed() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** Quits every guest of the ring. */
  public void remove() {
    members.forEach(m -> actuator.remove(m.vm()));
  }

  private static Map<String, String> fields(String answer, String prefix) throws IOException {
    if (!answer.startsWith(prefix)) {
      throw new IOException("unexpected answer: " + answer);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String word : answer.substring(prefix.length()).split(" ")) {
      int eq = word.indexOf('=');
      if (eq > 0) {
        out.put(word.substring(0, eq), word.substring(eq + 1));
      }
    }
    return out;
  }
}
