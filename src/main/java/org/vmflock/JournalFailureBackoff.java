package org.vmflock;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.SupervisorStrategy;

/**
 * How every event-sourced actor (site, collector, saga, manager) meets a journal failure: a failed
 * write or recovery restarts it after a growing backoff ({@code vmflock.journal.failure-backoff}),
 * and it recovers from the journal and goes on, instead of stopping (Pekko's default).
 */
public final class JournalFailureBackoff {

  /** Each wait up to a fifth longer, so that actors failing together do not retry together. */
  public static final double RANDOM_FACTOR = 0.2;

  private JournalFailureBackoff() {}

  public static BackoffSupervisorStrategy of(ActorSystem<?> system) {
    Config c = system.settings().config().getConfig("vmflock.journal.failure-backoff");
    return SupervisorStrategy.restartWithBackoff(c.getDuration("min"), c.getDuration("max"), RANDOM_FACTOR);
  }
}
