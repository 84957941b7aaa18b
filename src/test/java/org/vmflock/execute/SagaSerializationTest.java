package org.vmflock.execute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vmflock.execute.SagaFixtures.T0;
import static org.vmflock.execute.SagaFixtures.fault;
import static org.vmflock.execute.SagaFixtures.order;
import static org.vmflock.execute.SagaFixtures.script;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.vmflock.clock.ManualClock;
import org.vmflock.execute.FaultPlan.Fault;

/**
 * Every saga event, order and state survives Jackson CBOR as Pekko's jackson-cbor serializer
 * encodes it (the class is the manifest), equal to the original.
 */
class SagaSerializationTest {

  private static final ObjectMapper CBOR =
      new CBORMapper().registerModule(new Jdk8Module()).registerModule(new JavaTimeModule()).registerModule(new ParameterNamesModule());

  /** As Pekko configures it by default: dates and durations as ISO text, unknown properties ignored. */
  private static final ObjectMapper PEKKO_LIKE = CBOR.copy()
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** {@code value} through both mappers; both must give it back equal. */
  private static <T> T roundTrip(T value) throws IOException {
    @SuppressWarnings("unchecked")
    Class<T> type = (Class<T>) value.getClass();
    assertEquals(value, PEKKO_LIKE.readValue(PEKKO_LIKE.writeValueAsBytes(value), type));
    return CBOR.readValue(CBOR.writeValueAsBytes(value), type);
  }

  /** The journals of a completed saga (with retries and a crash), a rolled-back one, and a stuck one. */
  private static List<List<SagaEvent>> journals() {
    List<List<SagaEvent>> journals = new ArrayList<>();
    FaultPlan completing = script(fault("m1", MigrationStep.PRECOPY, 1, Fault.CRASH_AFTER_EFFECT), fault("m1", MigrationStep.COMMIT, 1, Fault.FAIL));
    FaultPlan rollingBack = script(fault("m1", MigrationStep.STOP_AND_COPY, 1, Fault.FAIL_AFTER_EFFECT), fault("m1", MigrationStep.RESUME_AT_SOURCE, 1, Fault.FAIL));
    for (FaultPlan faults : List.of(completing, rollingBack)) {
      SimulatedWorld world = SagaFixtures.world();
      ManualClock clock = new ManualClock(T0);
      journals.add(new SagaRunner(SagaFixtures.actuator(world, clock, faults), clock).run(order("m1")).events());
    }
    ManualClock clock = new ManualClock(T0);
    Actuator neverActivates = new Actuator() {
      private final SimulatedActuator simulated = SagaFixtures.actuator(SagaFixtures.world(), clock, FaultPlan.none());

      @Override
      public CompletionStage<StepResult> perform(MigrationOrder o, MigrationStep step, int attempt, Consumer<StepProgress> progress) {
        return step == MigrationStep.ACTIVATE ? CompletableFuture.completedFuture(StepResult.Failed.unknown(Duration.ZERO, "host gone"))
            : simulated.perform(o, step, attempt, progress);
      }

      @Override
      public CompletionStage<StepResult> compensate(MigrationOrder o, MigrationStep step, int attempt) {
        return simulated.compensate(o, step, attempt);
      }
    };
    journals.add(new SagaRunner(neverActivates, clock).run(order("m1")).events());
    return journals;
  }

  @Test
  void everyEventRoundTrips() throws IOException {
    List<List<SagaEvent>> journals = journals();
    for (List<SagaEvent> journal : journals) {
      for (SagaEvent e : journal) {
        assertEquals(e, roundTrip(e));
      }
    }
    Set<Class<?>> seen = journals.stream().flatMap(List::stream).map(Object::getClass).collect(Collectors.toSet());
    assertEquals(Set.copyOf(Arrays.asList(SagaEvent.class.getPermittedSubclasses())), seen, "every kind of event is checked");
  }

  @Test
  void everyStateRoundTrips() throws IOException {
    SagaState initial = SagaState.initial();
    assertEquals(initial, roundTrip(initial));
    for (List<SagaEvent> journal : journals()) {
      SagaState s = SagaState.initial();
      for (SagaEvent e : journal) {
        s = s.apply(e);
        assertEquals(s, roundTrip(s));
      }
    }
  }

  @Test
  void ordersAndTheirPartsRoundTrip() throws IOException {
    MigrationOrder o = order("m1");
    assertEquals(o, roundTrip(o));
    assertEquals(SagaPolicy.defaults(), roundTrip(SagaPolicy.defaults()));
    ObservedMigration observed = new ObservedMigration(11.3, 0.3, 1.11e9, 2);
    assertEquals(observed, roundTrip(observed));
  }

  @Test
  void aPolicyRecordedBeforeTheStepTimeoutGetsTheDefault() throws IOException {
    // a Started event of an earlier release: its policy has no step timeout
    byte[] earlier = PEKKO_LIKE.writeValueAsBytes(java.util.Map.of("maxFailuresAfterCommit", 3, "maxCompensationFailures", 4, "retryDelay", "PT2S"));
    assertEquals(new SagaPolicy(3, 4, Duration.ofSeconds(2), SagaPolicy.DEFAULT_STEP_TIMEOUT), PEKKO_LIKE.readValue(earlier, SagaPolicy.class));
  }
}
