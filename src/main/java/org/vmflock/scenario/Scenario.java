package org.vmflock.scenario;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Placement;
import org.vmflock.plan.AppSituation;
import org.vmflock.plan.PlanningProblem;

/**
 * A scenario file read (see {@link ScenarioFile}): the sites and links, the applications with where
 * their VMs run (nothing for those not placed yet) and when they arrive, the scenario's time zero,
 * how it is simulated, the timeline of what happens to the sites, and the currency its prices are in.
 *
 * @param timeline sorted by instant; events at the same instant in the order the file gives them
 * @param currency every price and cost of the scenario is in it ({@code currency = "EUR"}; default {@link #DEFAULT_CURRENCY})
 */
public record Scenario(Path source, Instant start, Infrastructure infra, List<ScenarioApplication> applications,
    SimulationSettings simulation, List<TimelineEvent> timeline, Currency currency) {

  /** The currency of a scenario that names none: cloud price lists and the traces shipped are in US dollars. */
  public static final Currency DEFAULT_CURRENCY = Currency.getInstance("USD");

  /** The profile name of an application whose traffic and sizes the scenario writes out. */
  public static final String CUSTOM = "custom";

  /**
   * An application of the scenario and its current placement (empty: a new application).
   *
   * @param profile the NAS-like profile it was built from, or {@link Scenario#CUSTOM}
   * @param arrives when it is submitted; empty: at the scenario's start
   * @param program the real program that runs it in an emulation ({@code program = "lammps"}),
   *     whose measured profile is then {@code profile}; empty: a modelled application
   * @param qemu its VMs' guests when they are QEMU guests in an emulation ({@code vm-kind = qemu}),
   *     whose ring exchange is then its work; empty: network namespaces (or a simulation's VMs)
   * @param announced when the manager learns that it will arrive ({@code announced = 2h} before
   *     {@code arrives}, never before the start): from then on the planner holds room for it; empty:
   *     not announced, known when it arrives
   */
  public record ScenarioApplication(Application app, Placement placement, String profile, Optional<Instant> arrives, Optional<String> program,
      Optional<QemuGuests> qemu, Optional<Instant> announced) {

    /** An application not announced before it arrives. */
    public ScenarioApplication(Application app, Placement placement, String profile, Optional<Instant> arrives, Optional<String> program,
        Optional<QemuGuests> qemu) {
      this(app, placement, profile, arrives, program, qemu, Optional.empty());
    }

    /** A modelled application (no real program). */
    public ScenarioApplication(Application app, Placement placement, String profile, Optional<Instant> arrives) {
      this(app, placement, profile, arrives, Optional.empty(), Optional.empty());
    }

    /** A custom application there at the start. */
    public ScenarioApplication(Application app, Placement placement) {
      this(app, placement, CUSTOM, Optional.empty());
    }

    /** When it is submitted, in a scenario that starts at {@code start}. */
    public Instant arrival(Instant start) {
      return arrives.orElse(start);
    }

    public ScenarioApplication withApp(Application a) {
      return new ScenarioApplication(a, placement, profile, arrives, program, qemu, announced);
    }

    /** How an emulation makes its VMs. */
    public QemuGuests.VmKind vmKind() {
      return qemu.isPresent() ? QemuGuests.VmKind.QEMU : QemuGuests.VmKind.NAMESPACE;
    }
  }

  public Scenario {
    applications = List.copyOf(applications);
    timeline = timeline.stream().sorted(Comparator.comparing(TimelineEvent::at)).toList();
  }

  /** A scenario in the default currency. */
  public Scenario(Path source, Instant start, Infrastructure infra, List<ScenarioApplication> applications,
      SimulationSettings simulation, List<TimelineEvent> timeline) {
    this(source, start, infra, applications, simulation, timeline, DEFAULT_CURRENCY);
  }

  /** A scenario with the default simulation settings, no timeline, in the default currency. */
  public Scenario(Path source, Instant start, Infrastructure infra, List<ScenarioApplication> applications) {
    this(source, start, infra, applications, SimulationSettings.DEFAULT, List.of());
  }

  public Optional<ScenarioApplication> application(String name) {
    return applications.stream().filter(a -> a.app().name().equals(name)).findFirst();
  }

  /** The applications there at the start (those arriving later are not). */
  public List<ScenarioApplication> atStart() {
    return applications.stream().filter(a -> !a.arrival(start).isAfter(start)).toList();
  }

  /** The planning problem at the scenario's start (applications that arrive later left out). */
  public PlanningProblem problem(Map<String, List<List<String>>> groupsByApp) {
    return PlanningProblem.of(infra, start, atStart().stream()
        .map(a -> new AppSituation(a.app(), a.placement(), groupsByApp.getOrDefault(a.app().name(), List.of())))
        .toList());
  }

  public Scenario withApplication(ScenarioApplication replaced) {
    return new Scenario(source, start, infra, applications.stream()
        .map(a -> a.app().name().equals(replaced.app().name()) ? replaced : a).toList(), simulation, timeline, currency);
  }
}
