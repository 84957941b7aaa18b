package org.vmflock.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Every parser takes any input: a generated one (mostly well formed, some values wrong, some bytes
 * changed) is accepted, or refused as invalid input in one line naming what and where; never
 * another exception, a try over its time limit (a hang), or memory without bound (an
 * OutOfMemoryError is a failure like any other). A few thousand inputs each, from fixed seeds;
 * {@code vmflock bench fuzz} runs 100,000.
 */
class ParsersTakeAnyInputTest {

  static final Duration LIMIT_PER_TRY = Duration.ofSeconds(10);
  private static final Fuzzer FUZZER = new Fuzzer(LIMIT_PER_TRY);

  @AfterContainer
  static void close() {
    FUZZER.close();
  }

  /** The inputs of {@code target}, each drawn from jqwik's random source. */
  static <I> Arbitrary<I> inputs(FuzzTarget<I> target) {
    return Arbitraries.randomValue(random -> target.generate(new SplittableRandom(random.nextLong())));
  }

  static <I> void acceptedOrRefused(FuzzTarget<I> target, I input) {
    Outcome o = FUZZER.once(target, input);
    assertFalse(o.failed(), () -> target.name() + ": " + o.detail() + " <- " + target.describe(input));
  }

  @Provide
  Arbitrary<byte[]> captures() {
    return inputs(new CaptureTarget());
  }

  @Property(tries = 2000, seed = "1", shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void captureFiles(@ForAll("captures") byte[] file) {
    acceptedOrRefused(new CaptureTarget(), file);
  }

  @Provide
  Arbitrary<byte[]> vmFiles() {
    return inputs(new CsvTargets.VmsCsv());
  }

  @Property(tries = 2000, seed = "2", shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void vmsCsv(@ForAll("vmFiles") byte[] file) {
    acceptedOrRefused(new CsvTargets.VmsCsv(), file);
  }

  @Provide
  Arbitrary<byte[]> matrices() {
    return inputs(new CsvTargets.Matrix());
  }

  @Property(tries = 2000, seed = "3", shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void matrixFiles(@ForAll("matrices") byte[] file) {
    acceptedOrRefused(new CsvTargets.Matrix(), file);
  }

  @Provide
  Arbitrary<byte[]> scenarios() {
    return inputs(new ScenarioTargets.Scenario());
  }

  @Property(tries = 1500, seed = "4", shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void scenarioFiles(@ForAll("scenarios") byte[] file) {
    acceptedOrRefused(new ScenarioTargets.Scenario(), file);
  }

  @Provide
  Arbitrary<String> timelines() {
    return inputs(new ScenarioTargets.Timeline());
  }

  @Property(tries = 1500, seed = "5", shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void timelines(@ForAll("timelines") String scenario) {
    acceptedOrRefused(new ScenarioTargets.Timeline(), scenario);
  }

  @Provide
  Arbitrary<java.util.List<String>> priceTraces() {
    return inputs(new ScenarioTargets.PriceTrace());
  }

  @Property(tries = 1500, seed = "6", shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void priceTraces(@ForAll("priceTraces") java.util.List<String> traceAndScenario) {
    acceptedOrRefused(new ScenarioTargets.PriceTrace(), traceAndScenario);
  }

  @Provide
  Arbitrary<String> events() {
    return inputs(new EventJsonTarget());
  }

  @Property(tries = 2000, seed = "7", shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void httpEvents(@ForAll("events") String json) {
    acceptedOrRefused(new EventJsonTarget(), json);
  }
}
