package org.vmflock.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import org.vmflock.knowledge.AppRecord;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.MigrationRecord;
import org.vmflock.model.Capacity;
import org.vmflock.model.Site;
import org.vmflock.site.SiteEnvironment;

/** What {@code GET /api/status} answers: sites, applications, placement, groups, migrations and decisions. */
public final class StatusDocument {

  /** Recent decisions and ended migrations shown. */
  static final int RECENT = 50;

  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusDocument() {}

  public static ObjectNode of(Knowledge k, long cycles, Instant at) {
    ObjectNode root = JSON.createObjectNode();
    root.put("at", at.toString());
    root.put("cycles", cycles);
    ArrayNode sites = root.putArray("sites");
    for (SiteEnvironment env : k.sites().values()) {
      if (env.site().isEmpty()) {
        continue;
      }
      Site s = env.site().get();
      ObjectNode o = sites.addObject();
      o.put("name", s.name());
      o.set("capacity", capacity(s.capacity()));
      o.set("used", capacity(env.used()));
      o.put("cpuSpeed", s.cpuSpeed());
      ObjectNode prices = o.putObject("pricePerVmHour");
      s.hosting().prices().keySet().forEach(size -> prices.put(size, s.hosting().pricePerVmHour(size, at)));
      o.put("transferPricePerGb", s.transferPricePerGb());
      s.availableUntil(at).ifPresentOrElse(u -> o.put("availableUntil", u.equals(Instant.MAX) ? "always" : u.toString()),
          () -> o.put("availableUntil", "unavailable now"));
      env.quota().ifPresent(q -> o.put("quotaVms", q));
      o.set("vms", o.pojoNode(List.copyOf(env.placed().keySet())));
      ArrayNode res = o.putArray("reservations");
      env.reservations().values().forEach(r -> res.addObject().put("id", r.id()).put("vm", r.vm()).put("leaseUntil", r.leaseUntil().toString()));
      ObjectNode links = o.putObject("links");
      env.links().forEach((to, p) -> links.putObject(to).put("latencyMs", p.latencySeconds() * 1000).put("bytesPerSecond", p.bytesPerSecond()));
    }
    ArrayNode apps = root.putArray("applications");
    for (AppRecord a : k.applications().values()) {
      ObjectNode o = apps.addObject();
      o.put("name", a.app().name());
      o.put("status", a.status().name().toLowerCase(java.util.Locale.ROOT));
      o.put("objective", a.app().objective().toString());
      o.put("doneWork", a.app().workload().doneWork());
      o.put("totalWork", a.app().workload().totalWork());
      a.observedSecondsPerWork().ifPresent(v -> o.put("secondsPerWork", v));
      a.app().deadline().ifPresent(d -> o.put("deadline", d.toString()));
      a.app().budget().ifPresent(b -> o.put("budget", b));
      o.put("spent", a.app().spent());
      o.set("placement", o.pojoNode(k.placementOf(a.app().name()).siteOfVm()));
      o.set("groups", o.pojoNode(k.groups().getOrDefault(a.app().name(), List.of())));
    }
    ObjectNode migrations = root.putObject("migrations");
    // what the migration model learnt: observed over predicted migration time
    migrations.putObject("calibration").put("observations", k.migrationCalibration().observations())
        .put("observedOverPredicted", k.migrationCalibration().factor());
    ArrayNode inFlight = migrations.putArray("inFlight");
    k.migrations().values().forEach(m -> inFlight.add(migration(m)));
    ArrayNode done = migrations.putArray("done");
    List<MigrationRecord> history = k.history();
    history.subList(Math.max(0, history.size() - RECENT), history.size()).forEach(m -> done.add(migration(m)));
    ArrayNode decisions = root.putArray("decisions");
    List<DecisionRecord> ds = k.decisions();
    for (DecisionRecord d : ds.subList(Math.max(0, ds.size() - RECENT), ds.size())) {
      ObjectNode o = decisions.addObject();
      o.put("id", d.id());
      o.put("at", d.at().toString());
      o.put("application", d.application());
      o.put("kind", d.kind());
      o.put("reason", d.reason());
      o.put("outcome", d.outcome().name().toLowerCase(java.util.Locale.ROOT));
      d.audit().ifPresent(x -> o.put("audit", x));
      d.result().ifPresent(x -> o.put("result", x));
      o.set("migrations", o.pojoNode(d.migrations()));
    }
    return root;
  }

  private static ObjectNode capacity(Capacity c) {
    return JSON.createObjectNode().put("slots", c.slots()).put("cores", c.cores()).put("memoryBytes", c.memoryBytes());
  }

  private static ObjectNode migration(MigrationRecord m) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", m.order().migrationId());
    o.put("application", m.order().application());
    o.put("vm", m.order().vm());
    o.put("from", m.order().from());
    o.put("to", m.order().to());
    o.put("status", m.status().name().toLowerCase(java.util.Locale.ROOT));
    o.put("decision", m.decisionId());
    o.put("predictedSeconds", m.order().predicted().totalSeconds());
    o.put("predictedDowntimeSeconds", m.order().predicted().downtimeSeconds());
    m.startedAt().ifPresent(t -> o.put("startedAt", t.toString()));
    m.endedAt().ifPresent(t -> o.put("endedAt", t.toString()));
    m.observed().ifPresent(x -> o.put("observedSeconds", x.totalSeconds()).put("observedDowntimeSeconds", x.downtimeSeconds()));
    if (!m.reason().isEmpty()) {
      o.put("reason", m.reason());
    }
    return o;
  }
}
