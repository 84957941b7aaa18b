package org.vmflock.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.List;
import java.util.Optional;
import org.vmflock.control.ResourcePage;
import org.vmflock.site.SiteState;

/**
 * What the API's resources answer: a page ({@code total} matching, {@code offset}, {@code limit},
 * {@code nextOffset} when more follow, {@code items}) of applications, VMs, groups, migrations,
 * decisions, sites or site events, each item as the status shows it.
 */
public final class ResourceDocuments {

  private static final ObjectMapper JSON = new ObjectMapper().registerModule(new Jdk8Module()).registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      // as the actor system's Jackson serializer sees them: by their fields
      .setVisibility(com.fasterxml.jackson.annotation.PropertyAccessor.FIELD, com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility.ANY);

  private ResourceDocuments() {}

  /** A page of items the manager answered. */
  public static ObjectNode of(ResourcePage p, int limit) {
    ArrayNode items = JSON.createArrayNode();
    switch (p.kind()) {
      case APPLICATIONS -> p.applications().forEach(a -> items.add(JSON.valueToTree(a)));
      case VMS -> p.vms().forEach(v -> items.add(JSON.valueToTree(v)));
      case GROUPS -> p.groups().forEach(g -> items.add(JSON.valueToTree(g)));
      case MIGRATIONS -> p.migrations().forEach(m -> items.add(StatusDocument.migration(m)));
      case DECISIONS -> p.decisions().forEach(d -> items.add(StatusDocument.decision(d)));
      default -> throw new IllegalArgumentException(p.kind().toString());
    }
    return page(p.total(), p.offset(), limit, p.nextOffset(), items);
  }

  /** A page cut here from a list the node holds whole (the sites, the site events kept). */
  public static ObjectNode cut(List<ObjectNode> all, int offset, int limit) {
    ArrayNode items = JSON.createArrayNode();
    int end = Math.min(all.size(), offset + limit);
    for (int i = Math.min(offset, all.size()); i < end; i++) {
      items.add(all.get(i));
    }
    return page(all.size(), offset, limit, end < all.size() ? Optional.of(end) : Optional.empty(), items);
  }

  private static ObjectNode page(int total, int offset, int limit, Optional<Integer> next, ArrayNode items) {
    ObjectNode root = JSON.createObjectNode().put("total", total).put("offset", offset).put("limit", limit);
    next.ifPresent(n -> root.put("nextOffset", n));
    root.set("items", items);
    return root;
  }

  /** An accepted environment change of a site, numbered: {@code site}, {@code number}, {@code at}, {@code change} (its type and fields). */
  public static ObjectNode siteChange(String site, SiteState.NumberedChange c) {
    return siteChange(site, c.number(), c.at(), c.change());
  }

  static ObjectNode siteChange(String site, long number, java.time.Instant at, org.vmflock.site.EnvironmentChange change) {
    ObjectNode o = JSON.createObjectNode().put("site", site).put("number", number).put("at", at.toString());
    o.set("change", JSON.valueToTree(change));
    return o;
  }
}
