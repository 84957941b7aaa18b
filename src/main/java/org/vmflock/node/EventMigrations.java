package org.vmflock.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * How events and snapshots written by earlier releases are read (Pekko's Jackson migrations, bound
 * to their classes in {@code vmflock-base.conf}). Each persisted class has a version, written with
 * it into the journal; a payload of an older version is transformed here before it is read. A
 * journal written by release 0.1 (version 1 of everything) is a test fixture that must replay.
 */
public final class EventMigrations {

  private EventMigrations() {}

  private static final String[] DECISION_FIGURES = {"predictedRemainingSeconds", "predictedCost", "stayRemainingSeconds", "stayCost"};

  /**
   * {@code KnowledgeEvent.DecisionMade}. Version 2: a decision's predicted figures are absent where
   * there were none (0.1 wrote -1), its audit and result are structured (0.1 wrote text, only after
   * the decision was made: never in this event), and each migration has its position in the
   * decision (0.1 parsed it back from the id {@code d<decision>-<position>-<vm>}).
   */
  public static final class DecisionMade extends JacksonMigration {
    @Override
    public int currentVersion() {
      return 2;
    }

    @Override
    public JsonNode transform(int fromVersion, JsonNode json) {
      if (fromVersion >= 2 || !(json instanceof ObjectNode root)) {
        return json;
      }
      if (root.get("decision") instanceof ObjectNode d) {
        for (String f : DECISION_FIGURES) {
          JsonNode v = d.get(f);
          if (v != null && v.isNumber() && !(v.asDouble() >= 0)) {
            d.putNull(f);
          }
        }
        d.putNull("audit");
        d.putNull("result");
      }
      JsonNode migrations = root.get("migrations");
      if (migrations != null) {
        for (JsonNode m : migrations) {
          if (m instanceof ObjectNode o && !o.has("position")) {
            o.put("position", position(o.path("order").path("migrationId").asText("")));
          }
        }
      }
      return root;
    }

    /** A 0.1 migration id's position: {@code d<decision>-<position>-<vm>}. */
    static int position(String id) {
      int first = id.indexOf('-');
      int second = first < 0 ? -1 : id.indexOf('-', first + 1);
      try {
        return second < 0 ? 1 : Integer.parseInt(id, first + 1, second, 10);
      } catch (NumberFormatException e) {
        return 1;
      }
    }
  }

  /**
   * The manager's knowledge as a snapshot. Version 2 has another shape; a version-1 snapshot is not
   * read (refused here), and the manager rebuilds its knowledge from its events instead (its
   * snapshot store is configured with {@code snapshot-is-optional}, and its events are never deleted).
   */
  public static final class KnowledgeSnapshot extends JacksonMigration {
    @Override
    public int currentVersion() {
      return 2;
    }

    @Override
    public JsonNode transform(int fromVersion, JsonNode json) {
      if (fromVersion >= 2) {
        return json;
      }
      throw new IllegalStateException("a snapshot of the manager's knowledge written by release 0.1 is not read: its events are replayed");
    }
  }

  /**
   * A site actor's snapshot. Release 0.1 kept a site's environment and books in one
   * {@code SiteEnvironment}; version 2 keeps them apart in a {@code SiteState}, which also numbers
   * the environment's changes (from the snapshot on: readers that missed older ones get the whole
   * environment).
   */
  public static final class SiteSnapshot extends JacksonMigration {
    @Override
    public int currentVersion() {
      return 2;
    }

    @Override
    public String transformClassName(int fromVersion, String className) {
      return fromVersion >= 2 ? className : "org.vmflock.site.SiteState";
    }

    @Override
    public JsonNode transform(int fromVersion, JsonNode json) {
      if (fromVersion >= 2 || !(json instanceof ObjectNode old)) {
        return json;
      }
      JsonNodeFactory f = JsonNodeFactory.instance;
      ObjectNode state = f.objectNode();
      ObjectNode env = state.putObject("environment");
      for (String field : new String[] {"name", "site", "links", "quota"}) {
        if (old.has(field)) {
          env.set(field, old.get(field));
        }
      }
      ObjectNode books = state.putObject("books");
      books.set("placed", old.has("placed") ? old.get("placed") : f.objectNode());
      books.set("reservations", old.has("reservations") ? old.get("reservations") : f.objectNode());
      state.put("changes", 0);
      state.putArray("recent");
      return state;
    }
  }
}
