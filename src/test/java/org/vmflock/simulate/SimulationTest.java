package org.vmflock.simulate;

import org.vmflock.control.Policy;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.scenario.TimelineEvent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmflock.control.ManagerSettings;
import org.vmflock.model.Application;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.node.NodeConfig;
import org.vmflock.scenario.NpbProfiles;
import org.vmflock.simulate.report.AppResult;
import org.vmflock.simulate.report.PolicyRun;

class SimulationTest {

  static final Instant START = Instant.parse("2026-06-01T00:00:00Z");
  static final long GIB = 1L << 30;
  static final Config CONFIG = NodeConfig.load(Optional.empty(), Map.of());

  static Site site(String name, int slots, double speed, double price, List<AvailabilityWindow> windows) {
    return new Site(name, new Capacity(slots, slots * 4, slots * 8 * GIB), speed, PriceSchedule.flat(price), 0.02, Map.of(),
        new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), windows);
  }

  static Application app(String name, String profile, double hours, Objective objective) {
    return NpbProfiles.application(NpbProfiles.lookupOrThrow(profile), name, hours * 3600, objective, Optional.empty(), Optional.empty());
  }

  static Simulation.Input input(List<TimelineEvent> timeline) {
    Infrastructure infra = new Infrastructure(List.of(site("grid", 8, 1.0, 0.0, List.of(new AvailabilityWindow(START, START.plus(Duration.ofHours(3))))),
        site("cheap", 8, 1.0, 0.05, List.of()), site("fast", 8, 1.5, 0.20, List.of())),
        List.of(new Link("grid", "cheap", new NetworkPath(Duration.ofMillis(5), 10e9 / 8)),
            new Link("grid", "fast", new NetworkPath(Duration.ofMillis(5), 10e9 / 8)),
            new Link("cheap", "fast", new NetworkPath(Duration.ofMillis(10), 1e9 / 8))),
        Optional.empty());
    Application cg = app("cg", "cg.A.4", 5, Objective.TIME);
    Application is = app("is", "is.A.4", 4, Objective.COST);
    List<Simulation.Arrival> arrivals = List.of(
        new Simulation.Arrival(START, cg, Map.of("cg-vm1", "grid", "cg-vm2", "grid", "cg-vm3", "grid", "cg-vm4", "grid"), "cg.A.4"),
        new Simulation.Arrival(START.plus(Duration.ofMinutes(30)), is, Map.of(), "is.A.4"));
    return new Simulation.Input("test", START, infra, arrivals, timeline, Duration.ofMinutes(5), Optional.empty());
  }

  static Simulation.Outcome run(String policy, long seed, List<TimelineEvent> timeline) {
    Simulation.Settings settings = new Simulation.Settings(ManagerSettings.from(CONFIG), 0, Duration.ofDays(30));
    return new Simulation(input(timeline), Policy.of(policy, CONFIG), seed, settings).run(p -> {});
  }

  @Test
  void everyPolicyFinishesEveryApplicationWithoutLosingAVm() {
    for (String policy : Policy.NAMES) {
      Simulation.Outcome o = run(policy, 1, List.of());
      PolicyRun r = o.run();
      assertEquals(2, r.applications().size(), policy);
      for (AppResult a : r.applications()) {
        assertTrue(a.finishedAt().isPresent(), policy + ": " + a);
        assertTrue(a.completionSeconds() > 3600, policy + ": " + a);
      }
      assertTrue(r.stats().invariantChecks() > 0, policy);
      assertTrue(o.notes().isEmpty(), policy + ": " + o.notes());
    }
  }

  @Test
  void theLoopMovesTheTimeApplicationToTheFastSiteAndItFinishesSooner() {
    Simulation.Outcome none = run("none", 1, List.of());
    Simulation.Outcome vmflock = run("vmflock", 1, List.of());
    // none: cg stays on grid until the platform evacuates it when grid's window ends, 3 h in
    assertTrue(none.decisions().stream().noneMatch(d -> d.kind() == org.vmflock.knowledge.DecisionKind.MIGRATE), none.decisions().toString());
    assertTrue(none.decisions().stream().anyMatch(d -> d.kind() == org.vmflock.knowledge.DecisionKind.FORCED && d.reason().contains("grid's availability ended")));
    // vmflock: cg (time) moves to the 1.5x faster site at once, and leaves nothing for the platform to evacuate
    DecisionRecord move = vmflock.decisions().stream().filter(d -> d.application().equals("cg") && d.kind() == org.vmflock.knowledge.DecisionKind.MIGRATE).findFirst()
        .orElseThrow(() -> new AssertionError(vmflock.decisions().toString()));
    assertTrue(move.reason().contains("grid -> fast"), move.reason());
    assertTrue(move.at().isBefore(START.plus(Duration.ofMinutes(5))), move.at().toString());
    double cgNone = result(none, "cg").completionSeconds();
    double cgVmflock = result(vmflock, "cg").completionSeconds();
    assertTrue(cgVmflock < 0.9 * cgNone, cgVmflock + " s against " + cgNone + " s");
    assertTrue(vmflock.decisions().stream().noneMatch(d -> d.kind() == org.vmflock.knowledge.DecisionKind.FORCED && d.application().equals("cg")), vmflock.decisions().toString());
  }

  @Test
  void theSameSeedGivesTheSameRunAndAnotherSeedAnother() {
    PolicyRun a = run("vmflock", 3, List.of()).run();
    PolicyRun b = run("vmflock", 3, List.of()).run();
    PolicyRun c = run("vmflock", 4, List.of()).run();
    assertEquals(a, b);
    assertNotEquals(a.applications(), c.applications());
  }

  /**
   * A cost application on a site whose price schedule triples two hours in, next to a site that
   * stays at a middling price: with foresight the manager moves it at once; without, when the
   * rise happens, as a site actor would publish it. Either way the bill follows the real schedule.
   */
  @Test
  void futurePricesReachTheManagerWhenTheyHappenUnlessItHasForesight() {
    Instant rise = START.plus(Duration.ofHours(2));
    PriceSchedule rising = new PriceSchedule(Map.of(PriceSchedule.ANY_SIZE, Map.of(Instant.EPOCH, 0.05, rise, 0.60)));
    Site spot = new Site("spot", new Capacity(8, 32, 64 * GIB), 1.0, rising, 0.0, Map.of(), new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8),
        List.of());
    Infrastructure infra = new Infrastructure(List.of(spot, site("steady", 8, 1.0, 0.10, List.of())),
        List.of(new Link("spot", "steady", new NetworkPath(Duration.ofMillis(2), 10e9 / 8))), Optional.empty());
    Application mg = app("mg", "mg.A.4", 8, Objective.COST);
    Simulation.Input input = new Simulation.Input("prices", START, infra, List.of(new Simulation.Arrival(START, mg,
        Map.of("mg-vm1", "spot", "mg-vm2", "spot", "mg-vm3", "spot", "mg-vm4", "spot"), "mg.A.4")), List.of(), Duration.ofMinutes(5),
        Optional.empty());
    ManagerSettings manager = ManagerSettings.from(CONFIG);
    Simulation.Outcome blind = new Simulation(input, Policy.of("vmflock", CONFIG), 1, new Simulation.Settings(manager, 0, Duration.ofDays(30)))
        .run(p -> {});
    Simulation.Outcome seer = new Simulation(input, Policy.of("vmflock", CONFIG), 1,
        new Simulation.Settings(manager, 0, Duration.ofDays(30), true)).run(p -> {});
    DecisionRecord late = blind.decisions().stream().filter(d -> d.kind() == org.vmflock.knowledge.DecisionKind.MIGRATE).findFirst()
        .orElseThrow(() -> new AssertionError(blind.decisions().toString()));
    DecisionRecord early = seer.decisions().stream().filter(d -> d.kind() == org.vmflock.knowledge.DecisionKind.MIGRATE).findFirst()
        .orElseThrow(() -> new AssertionError(seer.decisions().toString()));
    assertTrue(!late.at().isBefore(rise) && late.at().isBefore(rise.plus(Duration.ofMinutes(5))), late.at() + ": " + late.reason());
    assertTrue(early.at().isBefore(rise), early.at() + ": " + early.reason());
    assertTrue(late.reason().contains("spot -> steady") && early.reason().contains("spot -> steady"));
    // the bill is the real schedule's either way: staying put costs the same whether the prices were known or not
    Simulation.Outcome stayBlind = new Simulation(input, Policy.of("none", CONFIG), 1, new Simulation.Settings(manager, 0, Duration.ofDays(30)))
        .run(p -> {});
    Simulation.Outcome staySeer = new Simulation(input, Policy.of("none", CONFIG), 1, new Simulation.Settings(manager, 0, Duration.ofDays(30), true))
        .run(p -> {});
    assertEquals(result(staySeer, "mg").hostingCost(), result(stayBlind, "mg").hostingCost(), 1e-9);
    double expected = 4 * (0.05 * 2 + 0.60 * (result(stayBlind, "mg").completionSeconds() / 3600 - 2));
    assertEquals(expected, result(stayBlind, "mg").hostingCost(), 1e-6);
  }

  private static AppResult result(Simulation.Outcome o, String app) {
    return o.run().applications().stream().filter(a -> a.application().equals(app)).findFirst().orElseThrow();
  }
}
