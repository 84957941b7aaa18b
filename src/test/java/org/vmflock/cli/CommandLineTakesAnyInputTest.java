package org.vmflock.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import org.vmflock.fuzz.Fuzzer;
import org.vmflock.fuzz.Outcome;

/**
 * The command line takes any arguments: generated ones (commands, options right and wrong, --set of
 * any setting to any value, --config files) exit 0, or 2 with one line on stderr and nothing written;
 * never 1, a stack trace, or output left behind.
 */
class CommandLineTakesAnyInputTest {

  private static final Fuzzer FUZZER = new Fuzzer(Duration.ofSeconds(20));
  private static final CommandLineFuzzTarget TARGET = new CommandLineFuzzTarget();

  @AfterContainer
  static void close() {
    FUZZER.close();
  }

  @Provide
  Arbitrary<List<String>> arguments() {
    return Arbitraries.randomValue(random -> TARGET.generate(new SplittableRandom(random.nextLong())));
  }

  @Property(tries = 1000, seed = "8", shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void exitZeroOrTwoInOneLine(@ForAll("arguments") List<String> args) {
    Outcome o = FUZZER.once(TARGET, args);
    assertFalse(o.failed(), () -> o.detail() + " <- " + args);
  }
}
