package org.vmflock.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.vmflock.knowledge.DecisionKind;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.knowledge.MigrationRecord;
import org.vmflock.model.Application;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.model.Workload;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteEnvironment;

/** The end of a site's availability: the platform's forced decisions, one per application, each listing its own VMs. */
class ForcedEvacuationTest {

  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final long GIB = 1L << 30;

  private static SiteEnvironment site(String name, double price, List<AvailabilityWindow> availability) {
    Site s = new Site(name, new Capacity(8, 32, 64 * GIB), 1.0, PriceSchedule.flat(price), 0, Map.of(),
        new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), availability);
    return SiteEnvironment.undefined(name).apply(new EnvironmentChange.Define(s, List.of(), Optional.empty()));
  }

  private static Application app(String name, int vms) {
    List<Vm> specs = IntStream.rangeClosed(1, vms).mapToObj(i -> new Vm(name + "-vm" + i, "small", 1, 2 * GIB, 20e6)).toList();
    return new Application(name, specs, new Workload(100 * 3600.0, 0, 10, TrafficMatrix.zero(specs.stream().map(Vm::name).toList())),
        Objective.COST, Optional.empty(), Optional.empty(), 0);
  }

  @Test
  void eachApplicationGetsItsOwnForcedDecisionWithItsOwnVms() {
    Instant end = NOW.plus(Duration.ofHours(1));
    Knowledge k = Knowledge.empty()
        .apply(new KnowledgeEvent.EnvironmentSeen(site("grid", 0.01, List.of(new AvailabilityWindow(NOW.minus(Duration.ofHours(1)), end))), NOW))
        .apply(new KnowledgeEvent.EnvironmentSeen(site("cloud", 0.10, List.of()), NOW));
    Map<String, Integer> sizes = Map.of("cg", 2, "lu", 3, "ep", 1);
    for (Map.Entry<String, Integer> a : sizes.entrySet()) {
      Application app = app(a.getKey(), a.getValue());
      k = k.apply(new KnowledgeEvent.ApplicationSubmitted(app, NOW)).apply(new KnowledgeEvent.ApplicationPlaced(a.getKey(),
          app.vms().stream().collect(java.util.stream.Collectors.toMap(Vm::name, vm -> "grid")), NOW));
    }
    ManagerSettings settings = ManagerSettings.from(ConfigFactory.defaultReference());
    ManagerCore core = new ManagerCore(settings, settings.newPolicy());
    ManagerCore.Outcome o = core.availabilityEnded(k, "grid", end.plusSeconds(1));

    List<KnowledgeEvent.DecisionMade> decisions = o.events().stream().filter(e -> e instanceof KnowledgeEvent.DecisionMade)
        .map(e -> (KnowledgeEvent.DecisionMade) e).toList();
    assertEquals(List.of("cg", "ep", "lu"), decisions.stream().map(d -> d.decision().application()).toList(), "one decision per application");
    assertEquals(3, decisions.stream().map(d -> d.decision().id()).distinct().count(), "each its own id");
    for (KnowledgeEvent.DecisionMade d : decisions) {
      String app = d.decision().application();
      assertEquals(DecisionKind.FORCED, d.decision().kind());
      assertEquals(sizes.get(app), d.migrations().size(), d.toString());
      for (MigrationRecord m : d.migrations()) {
        assertEquals(app, m.order().application(), "a decision lists its own application's VMs: " + d);
        assertTrue(m.order().vm().startsWith(app + "-vm"), m.order().vm());
        assertEquals("cloud", m.order().to());
        assertEquals(d.decision().id(), m.decisionId());
      }
      assertEquals(d.migrations().stream().map(m -> m.order().migrationId()).toList(), d.decision().migrations());
      assertTrue(d.decision().reason().contains(app), d.decision().reason());
    }
    assertEquals(6, o.effects().stream().filter(e -> e instanceof ManagerCore.Evacuate).count(), "every VM there leaves");
    Knowledge after = k;
    for (KnowledgeEvent e : o.events()) {
      after = after.apply(e);
    }
    assertEquals(k.nextDecision() + 3, after.nextDecision());
  }
}
