package org.vmflock.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.vmflock.model.InvalidInputException;

/** The fuzzer tells a refusal from a defect: another exception, a refusal on two lines, a hang, an error are failures. */
class FuzzerTest {

  /** A target whose every input does what {@code behaviour} does. */
  private static FuzzTarget<String> target(ThrowingRunnable behaviour) {
    return new FuzzTarget<>() {
      @Override
      public String name() {
        return "test";
      }

      @Override
      public String generate(SplittableRandom random) {
        return "input";
      }

      @Override
      public void feed(String input, Path scratch) throws Exception {
        behaviour.run();
      }
    };
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void acceptedRefusedAndEveryKindOfFailure() {
    try (Fuzzer f = new Fuzzer(Duration.ofMillis(500))) {
      assertEquals(Outcome.Kind.ACCEPTED, f.once(target(() -> { }), "x").kind());
      assertEquals(Outcome.Kind.REFUSED, f.once(target(() -> {
        throw new InvalidInputException("f.csv:3", "bad");
      }), "x").kind());
      assertEquals(Outcome.Kind.FAILED, f.once(target(() -> {
        throw new NullPointerException("oops");
      }), "x").kind());
      assertEquals(Outcome.Kind.FAILED, f.once(target(() -> {
        throw new OutOfMemoryError("Java heap space");
      }), "x").kind());
      Outcome hang = f.once(target(() -> new CountDownLatch(1).await()), "x");
      assertEquals(Outcome.Kind.FAILED, hang.kind());
      assertTrue(hang.detail().contains("no answer within 500 ms"), hang.detail());
      // the worker stuck on the hang is replaced: the next input runs
      assertEquals(Outcome.Kind.ACCEPTED, f.once(target(() -> { }), "x").kind());
      Fuzzer.Tally t = f.run(target(() -> {
        throw new IllegalStateException("boom");
      }), 10, 1);
      assertEquals(10, t.failed());
      assertEquals(Fuzzer.Tally.MAX_REPORTED, t.failures().size());
    }
  }

  @Test
  void aRefusalThatIsNotOneLineNamingWhereIsAFailure() {
    assertEquals(Outcome.Kind.FAILED, Fuzzer.classify(new InvalidInputException("", "bad"), 0).kind());
    assertEquals(Outcome.Kind.REFUSED, Fuzzer.classify(new InvalidInputException("f", "two\nlines"), 0).kind(),
        "InvalidInputException keeps its message on one line");
  }
}
