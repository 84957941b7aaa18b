package org.vmflock.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Locale;
import org.vmflock.control.StatusPage;
import org.vmflock.model.Capacity;

/**
 * What {@code GET /api/status} answers: a {@link StatusPage} as JSON (sites, applications with
 * their placement and groups, migrations, decisions). A page: {@code nextOffset} says where the
 * next one starts when there is one.
 */
public final class StatusDocument {

  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusDocument() {}

  public static ObjectNode of(StatusPage p) {
    ObjectNode root = JSON.createObjectNode();
    root.put("at", p.at().toString());
    root.put("cycles", p.cycles());
    ObjectNode totals = root.putObject("totals");
    totals.put("applications", p.totals().applications()).put("running", p.totals().running()).put("finished", p.totals().finished())
        .put("vms", p.totals().vms()).put("migrationsInFlight", p.totals().migrationsInFlight()).put("decisions", p.totals().decisions());
    ArrayNode sites = root.putArray("sites");
    p.sites().forEach(s -> sites.add(site(s)));
    ArrayNode apps = root.putArray("applications");
    p.applications().forEach(a -> apps.add(application(a)));
    p.nextOffset().ifPresent(n -> root.put("nextOffset", n));
    ObjectNode migrations = root.putObject("migrations");
    // what the migration model learnt: observed over predicted migration time
    migrations.putObject("calibration").put("observations", p.migrationObservations()).put("observedOverPredicted", p.migrationsObservedOverPredicted());
    ArrayNode inFlight = migrations.putArray("inFlight");
    p.inFlight().forEach(m -> inFlight.add(migration(m)));
    ArrayNode done = migrations.putArray("done");
    p.ended().forEach(m -> done.add(migration(m)));
    ArrayNode decisions = root.putArray("decisions");
    p.decisions().forEach(d -> decisions.add(decision(d)));
    return root;
  }

  /** A site: capacity, use, speed, prices now, availability, quota, number of VMs, links. */
  static ObjectNode site(StatusPage.SiteLine s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("name", s.name());
    o.set("capacity", capacity(s.capacity()));
    o.set("used", capacity(s.used()));
    o.put("cpuSpeed", s.cpuSpeed());
    ObjectNode prices = o.putObject("pricePerVmHour");
    s.pricePerVmHour().forEach(prices::put);
    o.put("transferPricePerGb", s.transferPricePerGb());
    s.availableUntil().ifPresentOrElse(u -> o.put("availableUntil", u.equals(Instant.MAX) ? "always" : u.toString()),
        () -> o.put("availableUntil", "unavailable now"));
    s.quotaVms().ifPresent(q -> o.put("quotaVms", q));
    o.put("vms", s.vms());
    ObjectNode links = o.putObject("links");
    s.links().forEach((to, l) -> links.putObject(to).put("latencyMs", l.latencyMs()).put("bytesPerSecond", l.bytesPerSecond()));
    return o;
  }

  /** An application in full: its placement per VM and its groups. */
  static ObjectNode application(StatusPage.AppLine a) {
    ObjectNode o = JSON.createObjectNode();
    o.put("name", a.name());
    o.put("status", a.status().name().toLowerCase(Locale.ROOT));
    o.put("objective", a.objective());
    o.put("doneWork", a.doneWork());
    o.put("totalWork", a.totalWork());
    a.secondsPerWork().ifPresent(v -> o.put("secondsPerWork", v));
    a.deadline().ifPresent(d -> o.put("deadline", d.toString()));
    a.budget().ifPresent(b -> o.put("budget", b));
    o.put("spent", a.spent());
    o.set("placement", JSON.valueToTree(a.placement()));
    o.set("groups", JSON.valueToTree(a.groups()));
    return o;
  }

  /** A decision: why, and how it turned out. */
  static ObjectNode decision(StatusPage.DecisionLine d) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", d.id());
    o.put("at", d.at().toString());
    o.put("application", d.application());
    o.put("kind", d.kind());
    o.put("reason", d.reason());
    o.put("outcome", d.outcome());
    d.audit().ifPresent(x -> o.put("audit", x));
    d.result().ifPresent(x -> o.put("result", x));
    o.set("migrations", JSON.valueToTree(d.migrations()));
    return o;
  }

  static ObjectNode capacity(Capacity c) {
    return JSON.createObjectNode().put("slots", c.slots()).put("cores", c.cores()).put("memoryBytes", c.memoryBytes());
  }

  /** A migration, queued, running (with its progress) or ended (observed against predicted). */
  static ObjectNode migration(StatusPage.MigrationLine m) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", m.id());
    o.put("application", m.application());
    o.put("vm", m.vm());
    o.put("from", m.from());
    o.put("to", m.to());
    o.put("status", m.status().name().toLowerCase(Locale.ROOT));
    o.put("decision", m.decision());
    o.put("predictedSeconds", m.predictedSeconds());
    o.put("predictedDowntimeSeconds", m.predictedDowntimeSeconds());
    m.startedAt().ifPresent(t -> o.put("startedAt", t.toString()));
    m.endedAt().ifPresent(t -> o.put("endedAt", t.toString()));
    m.observedSeconds().ifPresent(x -> o.put("observedSeconds", x));
    m.observedDowntimeSeconds().ifPresent(x -> o.put("observedDowntimeSeconds", x));
    m.progress().ifPresent(x -> o.putObject("progress").put("step", x.step().name().toLowerCase(Locale.ROOT)).put("round", x.round())
        .put("bytesSent", x.bytesSent()).put("bytesLeft", x.bytesLeft()).put("dirtyBytesPerSecond", x.dirtyBytesPerSecond()));
    if (!m.reason().isEmpty()) {
      o.put("reason", m.reason());
    }
    return o;
  }
}
