package org.vmflock.execute.faults;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;

/**
 * Which journal writes fail, per persistence id, for the {@link FaultyJournal} of an actor system:
 * the harness registers each entity of a run (its saga, its two site actors) with the plan of its
 * run, and removes it when the run is over. Entities not registered write normally.
 */
public final class JournalFaults implements Extension {

  /** The faults of one entity: asked once per write, in the order of its writes. */
  @FunctionalInterface
  public interface Entity {
    RunPlan.JournalFault nextWrite();
  }

  private static final class Id extends AbstractExtensionId<JournalFaults> {
    @Override
    public JournalFaults createExtension(ExtendedActorSystem system) {
      return new JournalFaults();
    }
  }

  private static final Id ID = new Id();

  private final Map<String, Entity> entities = new ConcurrentHashMap<>();

  public static JournalFaults get(ActorSystem system) {
    return ID.get(system);
  }

  public void register(String persistenceId, Entity entity) {
    entities.put(persistenceId, entity);
  }

  public void unregister(String persistenceId) {
    entities.remove(persistenceId);
  }

  /** How the next write of {@code persistenceId} goes. */
  RunPlan.JournalFault nextWrite(String persistenceId) {
    Entity e = entities.get(persistenceId);
    return e == null ? RunPlan.JournalFault.NONE : e.nextWrite();
  }
}
