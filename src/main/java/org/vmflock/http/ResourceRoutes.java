package org.vmflock.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.vmflock.control.ResourceQuery;
import org.vmflock.control.StatusPage;
import org.vmflock.control.StatusQuery;
import org.vmflock.knowledge.AppStatus;
import org.vmflock.knowledge.DecisionKind;
import org.vmflock.knowledge.MigrationRecord;
import org.vmflock.site.SiteActor;
import org.vmflock.site.SiteState;

/**
 * The API's resources (I2), each a bounded page ({@code offset}, {@code limit} up to {@link
 * ResourceQuery#MAX_LIMIT}) with its filters: {@code /api/sites}, {@code /api/sites/{site}} (and
 * its books), {@code /api/applications}, {@code /api/applications/{app}}, {@code /api/vms},
 * {@code /api/groups}, {@code /api/migrations}, {@code /api/decisions}, {@code /api/events} (the
 * sites' accepted environment changes). Answered from the manager's read models and the site
 * actors' own queries, never from a copy of the whole knowledge.
 */
final class ResourceRoutes extends AllDirectives {

  private final ApiServer.Backend backend;

  ResourceRoutes(ApiServer.Backend backend) {
    this.backend = backend;
  }

  Route routes() {
    return concat(
        pathPrefix("sites", () -> concat(
            pathEnd(() -> get(() -> paged(ResourceQuery.DEFAULT_LIMIT, (offset, limit) -> onSuccess(backend.status(StatusQuery.SITES),
                s -> ApiServer.json(StatusCodes.OK, ResourceDocuments.cut(s.sites().stream().map(StatusDocument::site).toList(), offset, limit)))))),
            pathPrefix(PathMatchers.segment(), site -> concat(
                pathEnd(() -> get(() -> onSuccess(backend.status(StatusQuery.SITES), s -> s.sites().stream()
                    .filter(l -> l.name().equals(site)).findFirst()
                    .map(l -> ApiServer.json(StatusCodes.OK, StatusDocument.site(l)))
                    .orElseGet(() -> notFound("site", site))))),
                path("books", () -> get(() -> parameterOptional("after", after ->
                    onSuccess(books(site, after), r -> ApiServer.json(r.code(), r.json()))))))))),
        pathPrefix("applications", () -> concat(
            pathEnd(() -> get(() -> listing(ResourceQuery.Kind.APPLICATIONS, "status", names(AppStatus.values())))),
            path(PathMatchers.segment(), app -> get(() -> onSuccess(backend.status(StatusQuery.of(app)), p -> p.applications().isEmpty()
                ? notFound("application", app) : ApiServer.json(StatusCodes.OK, StatusDocument.application(p.applications().get(0)))))))),
        path("vms", () -> get(() -> listing(ResourceQuery.Kind.VMS, "", List.of()))),
        path("groups", () -> get(() -> listing(ResourceQuery.Kind.GROUPS, "", List.of()))),
        path("migrations", () -> get(() -> listing(ResourceQuery.Kind.MIGRATIONS, "status", names(MigrationRecord.Status.values())))),
        path("decisions", () -> get(() -> listing(ResourceQuery.Kind.DECISIONS, "kind", names(DecisionKind.values())))),
        path("events", () -> get(() -> parameterOptional("site", site -> paged(ResourceQuery.DEFAULT_LIMIT, (offset, limit) ->
            onSuccess(siteEvents(site), events -> events.map(list -> ApiServer.json(StatusCodes.OK, ResourceDocuments.cut(list, offset, limit)))
                .orElseGet(() -> notFound("site", site.orElse("")))))))));
  }

  /** A page of the manager's knowledge of one kind, filtered by {@code app}, {@code site} and {@code stateParameter} if any. */
  private Route listing(ResourceQuery.Kind kind, String stateParameter, List<String> states) {
    return parameterOptional("app", app -> parameterOptional("site", site -> stateFilter(stateParameter,
        state -> paged(ResourceQuery.DEFAULT_LIMIT, (offset, limit) -> {
          if (state.isPresent() && !states.contains(state.get())) {
            return ApiServer.json(StatusCodes.BAD_REQUEST, ApiServer.error(stateParameter + " is one of " + String.join(", ", states) + ", not "
                + state.get()));
          }
          ResourceQuery q = new ResourceQuery(kind, app, site, state, offset, limit);
          return onSuccess(backend.resources(q), p -> ApiServer.json(StatusCodes.OK, ResourceDocuments.of(p, limit)));
        }))));
  }

  private Route stateFilter(String parameter, java.util.function.Function<Optional<String>, Route> inner) {
    return parameter.isEmpty() ? inner.apply(Optional.empty()) : parameterOptional(parameter, inner);
  }

  /** {@code offset} (from 0) and {@code limit} (1 to {@link ResourceQuery#MAX_LIMIT}), checked; 400 naming the wrong one. */
  private Route paged(int defaultLimit, java.util.function.BiFunction<Integer, Integer, Route> inner) {
    return parameterOptional("offset", offset -> parameterOptional("limit", limit -> {
      int o;
      int l;
      try {
        o = ApiServer.whole("offset", offset, 0);
        l = ApiServer.whole("limit", limit, defaultLimit);
        if (o < 0) {
          throw new IllegalArgumentException("offset is not negative: " + o);
        }
        if (l < 1 || l > ResourceQuery.MAX_LIMIT) {
          throw new IllegalArgumentException("limit is in 1.." + ResourceQuery.MAX_LIMIT + ", not " + l);
        }
      } catch (IllegalArgumentException e) {
        return ApiServer.json(StatusCodes.BAD_REQUEST, ApiServer.error(e.getMessage()));
      }
      return inner.apply(o, l);
    }));
  }

  private Route notFound(String what, String name) {
    return ApiServer.json(StatusCodes.NOT_FOUND, ApiServer.error("unknown " + what + " '" + name + "'"));
  }

  private static List<String> names(Enum<?>[] values) {
    return Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).toList();
  }

  /** A page of a site's books, from its site actor; 404 for a site the manager does not know. */
  private CompletionStage<ApiServer.Outcome> books(String site, Optional<String> after) {
    return backend.status(StatusQuery.SITES).thenCompose(s -> {
      if (s.sites().stream().noneMatch(line -> line.name().equals(site))) {
        return CompletableFuture.completedFuture(new ApiServer.Outcome(StatusCodes.NOT_FOUND, ApiServer.error("unknown site '" + site + "'")));
      }
      return backend.askSite(site, (ActorRef<SiteActor.BooksPage> r) -> new SiteActor.GetBooks(after, r))
          .thenApply(page -> new ApiServer.Outcome(StatusCodes.OK, RunDocuments.books(page).toString()));
    }).exceptionally(e -> ApiServer.Outcome.unavailable("the node did not answer: " + e.getMessage()));
  }

  /**
   * The environment changes each site (or the one named) accepted and still keeps (its last {@link
   * SiteState#RECENT}), the newest first; empty for a site the manager does not know.
   */
  private CompletionStage<Optional<List<ObjectNode>>> siteEvents(Optional<String> only) {
    return backend.status(StatusQuery.SITES).thenCompose(s -> {
      List<String> sites = s.sites().stream().map(StatusPage.SiteLine::name).filter(n -> only.isEmpty() || only.get().equals(n)).toList();
      if (sites.isEmpty() && only.isPresent()) {
        return CompletableFuture.completedFuture(Optional.<List<ObjectNode>>empty());
      }
      List<CompletableFuture<SiteActor.Changes>> asks = new ArrayList<>();
      for (String site : sites) {
        // how many it made, then those it keeps
        asks.add(changes(site, Long.MAX_VALUE).thenCompose(latest -> changes(site, Math.max(0, latest.latest() - SiteState.RECENT))));
      }
      return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApply(v -> {
        List<SiteEvent> all = new ArrayList<>();
        asks.forEach(a -> a.join().changes().forEach(c -> all.add(new SiteEvent(a.join().site(), c))));
        all.sort(Comparator.comparing((SiteEvent e) -> e.change().at()).reversed().thenComparing(SiteEvent::site)
            .thenComparing(e -> -e.change().number()));
        return Optional.of(all.stream().map(e -> ResourceDocuments.siteChange(e.site(), e.change())).toList());
      });
    });
  }

  private record SiteEvent(String site, SiteState.NumberedChange change) {}

  private CompletableFuture<SiteActor.Changes> changes(String site, long after) {
    return backend.askSite(site, (ActorRef<SiteActor.Changes> r) -> new SiteActor.ChangesSince(after, backend.clock().now(), r))
        .toCompletableFuture();
  }
}
