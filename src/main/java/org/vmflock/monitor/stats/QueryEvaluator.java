package org.vmflock.monitor.stats;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.vmflock.model.TrafficMatrix;

/**
 * Answers a {@link StatisticsQuery} from the global statistics as the report's collector did
 * (§4.3.2, M6): when every period of the window is final, a precise answer; otherwise wait if the
 * caller allows long enough, else extrapolate the missing part from the period before if allowed,
 * else ask the caller to reformulate, saying when a precise answer will exist.
 */
public final class QueryEvaluator {

  private QueryEvaluator() {}

  /** Either an answer now, or "ask me again at {@code reevaluateAtMillis}". */
  public sealed interface Evaluation {}

  public record Answer(QueryAnswer answer) implements Evaluation {}

  public record Wait(long reevaluateAtMillis) implements Evaluation {}

  /** The newest period a query covers: the one it names, or the newest that has ended by {@code nowMillis}. */
  public static long newestPeriod(StatisticsQuery q, GlobalStatistics g, long nowMillis) {
    return q.newestPeriod().orElseGet(() -> g.settings().grid().periodOfMillis(nowMillis) - 1);
  }

  public static Evaluation evaluate(StatisticsQuery q, GlobalStatistics g, long receivedAtMillis, long nowMillis) {
    long newest = newestPeriod(q, g, nowMillis);
    long oldest = newest - q.periods() + 1;
    long preciseAt = Long.MIN_VALUE;
    for (long p = oldest; p <= newest; p++) {
      if (!g.isFinal(p, nowMillis)) {
        preciseAt = Math.max(preciseAt, g.finalAtMillis(p));
      }
    }
    if (preciseAt == Long.MIN_VALUE) {
      return new Answer(statistics(q, g, oldest, newest, nowMillis, false));
    }
    long deadline = receivedAtMillis + q.maxWait().toMillis();
    if (nowMillis < deadline && preciseAt <= deadline) {
      return new Wait(Math.min(Math.max(preciseAt, nowMillis), deadline));
    }
    if (q.approximate()) {
      return new Answer(statistics(q, g, oldest, newest, nowMillis, true));
    }
    return new Answer(new QueryAnswer.Reformulate(
        "period " + newest + " is not complete yet and no approximation was allowed; a precise answer exists from "
            + java.time.Instant.ofEpochMilli(preciseAt),
        newest,
        preciseAt));
  }

  private static QueryAnswer.Statistics statistics(StatisticsQuery q, GlobalStatistics g, long oldest, long newest, long now, boolean approximate) {
    List<PeriodStatistics> periods = new ArrayList<>();
    for (long p = oldest; p <= newest; p++) {
      boolean isFinal = g.isFinal(p, now);
      periods.add(approximate && !isFinal ? g.extrapolated(p, now) : g.statistics(p, now));
    }
    Set<String> extrapolated = new LinkedHashSet<>();
    periods.forEach(ps -> extrapolated.addAll(ps.extrapolated()));
    List<String> vms = g.vms();
    int n = vms.size();
    double[][] packets = new double[n][n];
    double[][] bytes = new double[n][n];
    double[] weightOfColumn = new double[n];
    double w = 1;
    for (PeriodStatistics ps : periods) {
      double periodWeight = q.type() == QueryType.DETAILED ? 1 : w;
      Set<String> withData = withData(ps);
      for (int r = 0; r < n; r++) {
        if (!withData.contains(vms.get(r))) {
          continue;
        }
        weightOfColumn[r] += periodWeight;
        for (int s = 0; s < n; s++) {
          packets[s][r] += periodWeight * ps.matrix().packets(s, r);
          bytes[s][r] += periodWeight * ps.matrix().bytes(s, r);
        }
      }
      if (q.type() == QueryType.WEIGHTED) {
        w *= q.weight();
      }
    }
    List<String> noData = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      if (weightOfColumn[r] == 0) {
        noData.add(vms.get(r));
        continue;
      }
      if (q.type() != QueryType.DETAILED) {
        for (int s = 0; s < n; s++) {
          packets[s][r] /= weightOfColumn[r];
          bytes[s][r] /= weightOfColumn[r];
        }
      }
    }
    return new QueryAnswer.Statistics(
        q.type(),
        q.type() == QueryType.WEIGHTED ? q.weight() : 1,
        approximate,
        oldest,
        newest,
        new TrafficMatrix(vms, packets, bytes),
        q.type() == QueryType.DETAILED ? periods : List.of(),
        List.copyOf(extrapolated),
        noData);
  }

  /** VMs whose sensor's report (or its extrapolation) is in the period. */
  private static Set<String> withData(PeriodStatistics ps) {
    Set<String> vms = new java.util.HashSet<>();
    ps.other().forEach(o -> vms.add(o.vm()));
    return vms;
  }
}
