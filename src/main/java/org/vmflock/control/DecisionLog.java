package org.vmflock.control;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.vmflock.knowledge.DecisionRecord;

/**
 * What the manager's log says of its decisions: a decision the same as its application's previous
 * one (same kind, same reason) is counted, not logged again; the next different decision of that
 * application says how many times the previous one repeated. A node re-planning every few seconds
 * otherwise fills its log with "X stays" lines.
 */
public final class DecisionLog {

  private record Last(String kind, String reason, long firstId) {}

  private final Map<String, Last> last = new HashMap<>();
  private final Map<String, Long> repeats = new HashMap<>();

  /** The line to log for {@code d}, or empty when it repeats its application's previous decision. */
  public Optional<String> line(DecisionRecord d) {
    Last previous = last.get(d.application());
    if (previous != null && previous.kind().equals(d.kind().label()) && previous.reason().equals(d.reason())) {
      repeats.merge(d.application(), 1L, Long::sum);
      return Optional.empty();
    }
    long repeated = Optional.ofNullable(repeats.remove(d.application())).orElse(0L);
    last.put(d.application(), new Last(d.kind().label(), d.reason(), d.id()));
    String line = "decision " + d.id() + ": " + d.reason();
    if (repeated > 0) {
      line += " (the previous decision " + previous.firstId() + " was repeated " + repeated + (repeated == 1 ? " time" : " times") + " since)";
    }
    return Optional.of(line);
  }

  /** How many times {@code application}'s last logged decision has repeated since it was logged. */
  public long repeats(String application) {
    return repeats.getOrDefault(application, 0L);
  }
}
