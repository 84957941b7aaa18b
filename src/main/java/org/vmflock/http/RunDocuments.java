package org.vmflock.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import org.vmflock.execute.SimulatedWorld;
import org.vmflock.simulate.SimulatedFederation;
import org.vmflock.site.SiteActor;
import org.vmflock.site.SiteBooks;

/**
 * What {@code GET /api/sites/{site}/books} and {@code GET /api/run/world} answer: a page of a site
 * actor's books, and a page of the simulated hypervisors of a `run` node. Each page names the VM to
 * ask the next one after ({@code next}) when more follow.
 */
public final class RunDocuments {

  private static final ObjectMapper JSON = new ObjectMapper();

  private RunDocuments() {}

  /** A page of a site's books: the VMs placed there (name order) and every reservation held. */
  public static ObjectNode books(SiteActor.BooksPage p) {
    ObjectNode root = JSON.createObjectNode();
    root.put("site", p.site());
    ArrayNode placed = root.putArray("placed");
    p.placed().forEach((vm, c) -> placed.addObject().put("vm", vm).setAll(StatusDocument.capacity(c)));
    ArrayNode reservations = root.putArray("reservations");
    for (SiteBooks.Reservation r : p.reservations()) {
      reservations.addObject().put("id", r.id()).put("vm", r.vm()).put("leaseUntil", r.leaseUntil().toString()).set("capacity", StatusDocument.capacity(r.capacity()));
    }
    if (p.more() && !p.placed().isEmpty()) {
      root.put("next", p.placed().lastKey());
    }
    return root;
  }

  /** A page of the simulated world: every site, the VMs of the page with their instances and route, every reservation. */
  public static ObjectNode world(SimulatedFederation.WorldPage p) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode sites = root.putArray("sites");
    for (SimulatedFederation.SiteLine s : p.sites()) {
      ObjectNode o = sites.addObject().put("name", s.name());
      o.set("capacity", StatusDocument.capacity(s.capacity()));
      o.set("used", StatusDocument.capacity(s.used()));
    }
    ArrayNode vms = root.putArray("vms");
    for (SimulatedFederation.VmLine v : p.vms()) {
      ObjectNode o = vms.addObject().put("vm", v.vm());
      v.route().ifPresent(r -> o.put("route", r));
      ArrayNode instances = o.putArray("instances");
      for (SimulatedWorld.Instance i : v.instances()) {
        ObjectNode io = instances.addObject().put("site", i.site()).put("state", i.state().name().toLowerCase(Locale.ROOT));
        if (!i.migrationId().isEmpty()) {
          io.put("migration", i.migrationId());
        }
      }
    }
    ArrayNode reservations = root.putArray("reservations");
    for (SimulatedWorld.Reservation r : p.reservations()) {
      reservations.addObject().put("migration", r.migrationId()).put("vm", r.vm().name()).put("site", r.site())
          .put("leaseExpiresAt", r.leaseExpiresAt().toString());
    }
    p.next().ifPresent(n -> root.put("next", n));
    return root;
  }
}
