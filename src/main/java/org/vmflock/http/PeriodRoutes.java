package org.vmflock.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.vmflock.clock.Clock;
import org.vmflock.model.PeriodGrid;
import org.vmflock.model.VmEndpoint;
import org.vmflock.monitor.Collector;
import org.vmflock.monitor.MonitorSettings;
import org.vmflock.monitor.stats.SitePeriod;
import org.vmflock.monitor.stats.SiteSnapshot;

/**
 * {@code GET /api/sites/{site}/periods[?last=N]}: the last {@code N} periods (default {@value #DEFAULT_LAST})
 * of a site's collector, up to the current one, as the collector holds them — each with its start,
 * its state ({@code open}, {@code complete}: closed with every expected VM reported, {@code missing}:
 * closed with some VMs silent, named), the VMs that reported; and the site's roster (each VM, its
 * host, the period it is expected from); the {@code current} period (by this node's clock) and the
 * periods' length. Where to see that no period was lost.
 */
final class PeriodRoutes extends AllDirectives {

  static final int DEFAULT_LAST = 10;
  static final int MAX_LAST = 1000;
  private static final Duration ASK = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ActorSystem<?> system;
  private final Clock clock;

  PeriodRoutes(ActorSystem<?> system, Clock clock) {
    this.system = system;
    this.clock = clock;
  }

  Route routes() {
    return path(PathMatchers.segment("sites").slash(PathMatchers.segment()).slash("periods"), site -> get(() -> parameterOptional("last", last -> {
      int n;
      try {
        VmEndpoint.requireName("site", site);
        n = last.map(Integer::parseInt).orElse(DEFAULT_LAST);
        if (n < 1 || n > MAX_LAST) {
          throw new IllegalArgumentException("last is in 1.." + MAX_LAST + ", not " + n);
        }
      } catch (NumberFormatException e) {
        return ApiServer.json(StatusCodes.BAD_REQUEST, ApiServer.error("last is a whole number, not " + last.orElse("")));
      } catch (IllegalArgumentException e) {
        return ApiServer.json(StatusCodes.BAD_REQUEST, ApiServer.error(e.getMessage()));
      }
      PeriodGrid grid = MonitorSettings.from(system.settings().config()).grid();
      long to = grid.periodOf(clock.now());
      CompletionStage<Optional<SiteSnapshot>> answer;
      try {
        answer = AskPattern.ask(ClusterSharding.get(system).entityRefFor(Collector.TYPE_KEY, site),
            (ActorRef<SiteSnapshot> r) -> new Collector.GetPeriods(to - n + 1, to, r), ASK, system.scheduler())
            .thenApply(Optional::of).exceptionally(e -> Optional.empty());
      } catch (RuntimeException e) {
        return ApiServer.json(StatusCodes.NOT_FOUND, ApiServer.error("this node keeps no collectors: " + e.getMessage()));
      }
      return onSuccess(answer, s -> s.isEmpty()
          ? ApiServer.json(StatusCodes.SERVICE_UNAVAILABLE, ApiServer.error("the collector of " + site + " did not answer within "
              + ASK.toSeconds() + " s"))
          : ApiServer.json(StatusCodes.OK, document(s.get(), grid, to)));
    })));
  }

  static ObjectNode document(SiteSnapshot s, PeriodGrid grid, long current) {
    ObjectNode o = JSON.createObjectNode().put("site", s.site()).put("current", current).put("periodSeconds", grid.lengthMillis() / 1000.0);
    if (s.newestPeriod() != Long.MIN_VALUE) {
      o.put("newest", s.newestPeriod());
    }
    ArrayNode roster = o.putArray("roster");
    s.roster().forEach(e -> roster.addObject().put("vm", e.vm()).put("host", e.host()).put("since", e.sincePeriod()));
    ArrayNode periods = o.putArray("periods");
    for (SitePeriod p : s.periods()) {
      ObjectNode n = periods.addObject().put("period", p.period()).put("start", grid.start(p.period()).toString())
          .put("state", !p.closed() ? "open" : p.missing().isEmpty() ? "complete" : "missing");
      if (p.closed()) {
        n.put("closed", p.closeReason().name().toLowerCase(Locale.ROOT));
      }
      ArrayNode reported = n.putArray("reported");
      p.reports().keySet().forEach(reported::add);
      ArrayNode missing = n.putArray("missing");
      p.missing().forEach(missing::add);
    }
    return o;
  }
}
