package org.vmflock.fuzz;

import java.util.List;

/** Every parser and boundary the fuzzer feeds, besides the command line (its target lives with it, in cli). */
public final class Targets {

  private Targets() {}

  public static List<FuzzTarget<?>> parsers() {
    return List.of(new CaptureTarget(), new CsvTargets.VmsCsv(), new CsvTargets.Matrix(), new ScenarioTargets.Scenario(),
        new ScenarioTargets.Timeline(), new ScenarioTargets.PriceTrace(), new EventJsonTarget());
  }
}
