package org.vmflock.monitor.stats;

import java.util.List;
import org.vmflock.CborSerializable;
import org.vmflock.model.TrafficMatrix;

/** The answer to a {@link StatisticsQuery}: statistics, precise or approximate, or a request to reformulate. */
public sealed interface QueryAnswer extends CborSerializable {

  /**
   * @param matrix DETAILED: the sum over the periods; MEAN and WEIGHTED: the (weighted) mean per
   *     period, each receiving VM's column averaged over the periods its sensor reported
   * @param periods DETAILED: each period's statistics; empty otherwise
   * @param extrapolated VMs whose traffic in an incomplete period was taken from the period before
   * @param noData VMs with no report in any period of the window
   */
  record Statistics(
      QueryType type,
      double weight,
      boolean approximate,
      long fromPeriod,
      long toPeriod,
      TrafficMatrix matrix,
      List<PeriodStatistics> periods,
      List<String> extrapolated,
      List<String> noData)
      implements QueryAnswer {

    public Statistics {
      periods = List.copyOf(periods);
      extrapolated = List.copyOf(extrapolated);
      noData = List.copyOf(noData);
    }
  }

  /** No precise answer in the time allowed and no approximation allowed: ask again at {@code preciseAtMillis}. */
  record Reformulate(String reason, long newestPeriod, long preciseAtMillis) implements QueryAnswer {}
}
