package org.vmflock.simulate;

import java.time.Duration;
import java.util.Optional;
import org.vmflock.manager.ManagerSettings;
import org.vmflock.scenario.SyntheticScenario;

public class LargeScratch {
  public static void main(String[] args) {
    var sc = SyntheticScenario.generate(Integer.parseInt(args[0]), 20, Integer.parseInt(args[1]), 1);
    var in = Inputs.of(sc);
    in = new Simulation.Input("large", in.start(), in.infra(), in.arrivals(), in.timeline(), Duration.ofMinutes(5),
        Optional.of(in.start().plus(Duration.ofHours(Integer.parseInt(args[2])))));
    var settings = new Simulation.Settings(ManagerSettings.from(SimulationTest.CONFIG), 0, Duration.ofDays(30));
    long t0 = System.nanoTime();
    var o = new Simulation(in, Policy.of(args[3], SimulationTest.CONFIG), 1, settings).run(p -> {});
    double wall = (System.nanoTime() - t0) / 1e9;
    long max = o.timing().cycleNanos().stream().mapToLong(Long::longValue).max().orElse(0);
    double mean = o.timing().cycleNanos().stream().mapToLong(Long::longValue).average().orElse(0);
    System.out.printf("wall %.1f s, simulated %.0f s, x%.0f, cycles %d, mean cycle %.1f ms, worst %.1f ms, decisions %d%n", wall,
        o.run().stats().simulatedSeconds(), o.run().stats().simulatedSeconds() / wall, o.run().stats().cycles(), mean / 1e6, max / 1e6,
        o.run().stats().decisions());
  }
}
