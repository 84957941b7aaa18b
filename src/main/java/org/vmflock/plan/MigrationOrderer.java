package org.vmflock.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.vmflock.model.Capacity;

/**
 * Orders migrations so that no site exceeds its capacity in between (P3). Migrations run one after
 * the other: a VM takes room at its destination when its copy starts and frees its source when it
 * ends. Any migration whose destination has room goes next; when none has (a cycle of swaps between
 * full sites), one VM of the cycle goes first to a third site with room and on to its destination
 * later (a temporary step). When no site has room, the remaining migrations cannot be ordered.
 */
public final class MigrationOrderer {

  /** The ordered steps, and the migrations that could not be ordered. */
  public record Ordering(List<Plan.Step> steps, List<Migration> unordered) {
    public boolean complete() {
      return unordered.isEmpty();
    }
  }

  /** Makes the migration of a VM between two sites (to estimate a temporary step). */
  @FunctionalInterface
  public interface MigrationFactory {
    Migration create(Migration original, String from, String to);
  }

  private MigrationOrderer() {}

  /**
   * @param capacity each site's capacity
   * @param usage what each site holds before the first migration (every application and reservation)
   * @param demand what each VM takes
   */
  public static Ordering order(List<Migration> migrations, Map<String, Capacity> capacity, Map<String, Capacity> usage,
      Function<String, Capacity> demand, MigrationFactory factory) {
    Map<String, Capacity> used = new HashMap<>(usage);
    LinkedList<Migration> pending = new LinkedList<>(migrations);
    List<Plan.Step> steps = new ArrayList<>();
    int hopsLeft = 2 * migrations.size() + 1; // each cycle needs one hop; more means no progress
    while (!pending.isEmpty()) {
      boolean progressed = false;
      for (var it = pending.iterator(); it.hasNext(); ) {
        Migration m = it.next();
        if (fits(m.to(), m.vm(), capacity, used, demand)) {
          apply(m, used, demand);
          steps.add(new Plan.Step(steps.size() + 1, m, false));
          it.remove();
          progressed = true;
        }
      }
      if (progressed) {
        continue;
      }
      // a cycle: send one VM to a third site first
      boolean broken = false;
      if (hopsLeft-- == 0) {
        return new Ordering(steps, List.copyOf(pending));
      }
      for (Migration m : pending) {
        for (String via : capacity.keySet().stream().sorted().toList()) {
          if (via.equals(m.from()) || via.equals(m.to()) || !fits(via, m.vm(), capacity, used, demand)) {
            continue;
          }
          Migration hop = factory.create(m, m.from(), via);
          Migration onward = factory.create(m, via, m.to());
          if (!hop.estimate().converged() || !onward.estimate().converged()) {
            continue; // QEMU could not carry out a hop by that site
          }
          apply(hop, used, demand);
          steps.add(new Plan.Step(steps.size() + 1, hop, true));
          pending.set(pending.indexOf(m), onward);
          broken = true;
          break;
        }
        if (broken) {
          break;
        }
      }
      if (!broken) {
        return new Ordering(steps, List.copyOf(pending));
      }
    }
    return new Ordering(steps, List.of());
  }

  private static boolean fits(String site, String vm, Map<String, Capacity> capacity, Map<String, Capacity> used,
      Function<String, Capacity> demand) {
    Capacity c = capacity.getOrDefault(site, Capacity.ZERO);
    return c.holds(used.getOrDefault(site, Capacity.ZERO).plus(demand.apply(vm)));
  }

  private static void apply(Migration m, Map<String, Capacity> used, Function<String, Capacity> demand) {
    Capacity d = demand.apply(m.vm());
    used.merge(m.to(), d, Capacity::plus);
    used.merge(m.from(), d, Capacity::minus);
  }
}
