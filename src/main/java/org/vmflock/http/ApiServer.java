package org.vmflock.http;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MalformedRequestContentRejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.vmflock.clock.Clock;
import org.vmflock.control.ResourcePage;
import org.vmflock.control.ResourceQuery;
import org.vmflock.control.StatusPage;
import org.vmflock.control.StatusQuery;
import org.vmflock.manager.MigrationManager;
import org.vmflock.manager.Submissions;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.InvalidInputException;
import org.vmflock.simulate.SimulatedFederation;
import org.vmflock.site.SiteActor;

/**
 * The node's HTTP JSON endpoint (I2): {@code GET /api/status}, {@code POST /api/events},
 * {@code GET /health}, a site's books ({@code GET /api/sites/{site}/books}), the cluster ({@code GET /api/cluster}), a site's
 * collector's periods ({@code GET /api/sites/{site}/periods}) and, on a `run` node,
 * its simulated hypervisors ({@code GET /api/run/world}). A malformed or refused event is answered
 * 400 with the reason, and changes nothing.
 */
public final class ApiServer extends AllDirectives {

  private static final Duration ASK = Duration.ofSeconds(10);

  /** VMs per page of {@code /api/run/world}: the default and the most. */
  public static final int WORLD_PAGE = 500;
  public static final int WORLD_PAGE_MAX = 2000;

  /**
   * What the endpoint talks to; {@code world}: the simulated federation of a `run` node; {@code
   * operations}: its metrics and readiness.
   */
  public record Backend(ActorSystem<?> system, ActorRef<MigrationManager.Command> manager,
      java.util.function.Function<String, org.apache.pekko.actor.typed.RecipientRef<SiteActor.Command>> sites, Clock clock,
      java.util.Optional<org.vmflock.model.NetworkPath> defaultLink, java.util.Optional<Path> trafficDir,
      java.util.Optional<SimulatedFederation> world, Operations operations) {

    /** Without a simulated world, metrics or readiness checks. */
    public Backend(ActorSystem<?> system, ActorRef<MigrationManager.Command> manager,
        java.util.function.Function<String, org.apache.pekko.actor.typed.RecipientRef<SiteActor.Command>> sites, Clock clock,
        java.util.Optional<org.vmflock.model.NetworkPath> defaultLink, java.util.Optional<Path> trafficDir) {
      this(system, manager, sites, clock, defaultLink, trafficDir, java.util.Optional.empty(), Operations.NONE);
    }

    /** The manager's status page {@code q}. */
    CompletionStage<StatusPage> status(StatusQuery q) {
      return AskPattern.ask(manager, (ActorRef<StatusPage> r) -> new MigrationManager.GetStatus(q, r), ASK, system.scheduler());
    }

    /** A page of the manager's knowledge of one kind. */
    CompletionStage<ResourcePage> resources(ResourceQuery q) {
      return AskPattern.ask(manager, (ActorRef<ResourcePage> r) -> new MigrationManager.GetResources(q, r), ASK, system.scheduler());
    }

    /** What site actor {@code site} answers {@code message}. */
    <T> CompletionStage<T> askSite(String site, java.util.function.Function<ActorRef<T>, SiteActor.Command> message) {
      return AskPattern.ask(sites.apply(site), message::apply, ASK, system.scheduler());
    }
  }

  /**
   * A node's metrics ({@code GET /metrics}), readiness ({@code GET /health/ready}) and live stream
   * ({@code GET /api/stream}); {@code live}: whether its actor system runs.
   */
  public record Operations(java.util.Optional<org.vmflock.metrics.NodeMetrics> metrics,
      java.util.function.Supplier<CompletionStage<Readiness>> readiness, java.util.function.BooleanSupplier live,
      java.util.Optional<LiveStream> stream, java.util.Optional<ObservedTrafficView> traffic) {

    /** Without the observed traffic ({@code GET /api/traffic} answers 404). */
    public Operations(java.util.Optional<org.vmflock.metrics.NodeMetrics> metrics,
        java.util.function.Supplier<CompletionStage<Readiness>> readiness, java.util.function.BooleanSupplier live,
        java.util.Optional<LiveStream> stream) {
      this(metrics, readiness, live, stream, java.util.Optional.empty());
    }

    /** No metrics, no stream; ready with no check. */
    public static final Operations NONE = new Operations(java.util.Optional.empty(),
        () -> java.util.concurrent.CompletableFuture.completedFuture(new Readiness(true, new java.util.TreeMap<>())), () -> true,
        java.util.Optional.empty());
  }

  private final Backend backend;
  private final ApiToken token;
  /** The largest body a request may have (pekko.http.server.parsing.max-content-length). */
  private final long maxBody;

  private ApiServer(Backend backend, ApiToken token) {
    this.backend = backend;
    this.token = token;
    this.maxBody = backend.system().settings().config().getBytes("pekko.http.server.parsing.max-content-length");
  }

  /** Binds the endpoint; requests that change the node need {@code token} ({@code Authorization: Bearer ...}). */
  public static CompletionStage<ServerBinding> start(Backend backend, ApiToken token, String host, int port) {
    return start(backend, token, host, port, java.util.Optional.empty());
  }

  /** Binds the endpoint, over HTTPS with {@code tls} ({@link ApiTls}). */
  public static CompletionStage<ServerBinding> start(Backend backend, ApiToken token, String host, int port,
      java.util.Optional<org.apache.pekko.http.javadsl.HttpsConnectionContext> tls) {
    ApiServer api = new ApiServer(backend, token);
    org.apache.pekko.http.javadsl.ServerBuilder server = Http.get(backend.system()).newServerAt(host, port);
    return tls.map(server::enableHttps).orElse(server).bind(api.routes());
  }

  Route routes() {
    ResourceRoutes resources = new ResourceRoutes(backend);
    DocsRoutes docs = new DocsRoutes();
    DashboardRoutes dashboard = new DashboardRoutes(backend);
    // every answer is JSON, the refusals of pekko-http itself too (413 for a body over max-content-length, 404, 405, ...)
    return handleExceptions(jsonErrors, () -> handleRejections(jsonRejections, () -> concat(
        dashboard.routes(),
        pathPrefix("health", () -> get(() -> concat(
            pathEnd(() -> json(StatusCodes.OK, "{\"status\":\"up\"}")),
            path("live", () -> backend.operations().live().getAsBoolean() ? json(StatusCodes.OK, "{\"status\":\"live\"}")
                : json(StatusCodes.SERVICE_UNAVAILABLE, "{\"status\":\"terminating\"}")),
            path("ready", () -> onSuccess(backend.operations().readiness().get(), r -> {
              com.fasterxml.jackson.databind.node.ObjectNode o = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                  .put("status", r.ready() ? "ready" : "not ready");
              r.checks().forEach(o.putObject("checks")::put);
              return json(r.ready() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, o);
            }))))),
        path("metrics", () -> get(() -> backend.operations().metrics()
            .<Route>map(m -> complete(StatusCodes.OK, HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, m.scrape()))) // Prometheus' text format
            .orElseGet(() -> json(StatusCodes.NOT_FOUND, Outcome.errorJson("this endpoint serves no metrics"))))),
        pathPrefix("api", () -> concat(
            path("status", () -> get(() -> parameterOptional("app", app -> parameterOptional("offset", offset ->
                parameterOptional("limit", limit -> parameterOptional("recent", recent -> {
                  StatusQuery q;
                  try {
                    q = new StatusQuery(app, whole("offset", offset, 0), whole("limit", limit, StatusQuery.DEFAULT_LIMIT),
                        whole("recent", recent, StatusQuery.DEFAULT_RECENT));
                  } catch (IllegalArgumentException e) {
                    return json(StatusCodes.BAD_REQUEST, Outcome.refused(e.getMessage()).json());
                  }
                  return onSuccess(backend.status(q), s -> json(StatusCodes.OK, StatusDocument.of(s).toPrettyString()));
                })))))),
            path("events", () -> post(() -> authorized(() -> jsonBody(() -> announcedWithinLimit(() -> entity(Unmarshaller.entityToString(), body ->
                onSuccess(event(body), r -> json(r.code(), r.json())))))))),
            path("stream", () -> get(() -> backend.operations().stream()
                .<Route>map(l -> completeOK(l.subscribe(), EventStreamMarshalling.toEventStream()))
                .orElseGet(() -> json(StatusCodes.NOT_FOUND, Outcome.errorJson("this node streams no events"))))),
            new PeriodRoutes(backend.system(), backend.clock()).routes(),
            resources.routes(),
            new ClusterRoutes(backend.system()).routes(),
            dashboard.traffic(),
            docs.routes(),
            path(PathMatchers.segment("run").slash("world"), () -> get(() -> parameterOptional("after", after ->
                parameterOptional("limit", limit -> world(after, limit))))))))));
  }

  /** A page of the simulated hypervisors; 404 on a node without them. */
  private Route world(java.util.Optional<String> after, java.util.Optional<String> limit) {
    if (backend.world().isEmpty()) {
      return json(StatusCodes.NOT_FOUND, Outcome.refused("this node runs no simulated federation").json());
    }
    int n;
    try {
      n = whole("limit", limit, WORLD_PAGE);
      if (n < 1 || n > WORLD_PAGE_MAX) {
        throw new IllegalArgumentException("limit is in 1.." + WORLD_PAGE_MAX + ", not " + n);
      }
    } catch (IllegalArgumentException e) {
      return json(StatusCodes.BAD_REQUEST, Outcome.refused(e.getMessage()).json());
    }
    return json(StatusCodes.OK, RunDocuments.world(backend.world().get().page(after, n)).toString());
  }

  /**
   * A request that changes the node carries the node's token ({@code Authorization: Bearer TOKEN});
   * without it, or with another, it is answered 401 before its body is read.
   */
  private Route authorized(java.util.function.Supplier<Route> inner) {
    return optionalHeaderValueByName("Authorization", header -> {
      String value = header.orElse("");
      if (value.regionMatches(true, 0, BEARER, 0, BEARER.length()) && token.matches(value.substring(BEARER.length()).strip())) {
        return inner.get();
      }
      String why = header.isEmpty() ? "this request changes the node: it needs Authorization: Bearer <token> (the token is in the node's "
          + "data directory, file " + ApiToken.FILE + ")" : "the bearer token is not this node's";
      return respondWithHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"vmflock\""),
          () -> json(StatusCodes.UNAUTHORIZED, Outcome.errorJson(why)));
    });
  }

  private static final String BEARER = "Bearer ";

  /** Events are JSON: another media type is refused (415) before the body is read. */
  private Route jsonBody(java.util.function.Supplier<Route> inner) {
    return extractRequestEntity(e -> e.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON) ? inner.get()
        : json(StatusCodes.UNSUPPORTED_MEDIA_TYPE, Outcome.errorJson("an event is JSON: Content-Type application/json, not "
            + e.getContentType().mediaType())));
  }

  /**
   * A body whose Content-Length is over the limit is refused (413) before any of it is read: the
   * connection then closes cleanly after the answer, where reading until the limit fails the
   * request's stream and resets the connection, possibly before the client has read the answer.
   */
  private Route announcedWithinLimit(java.util.function.Supplier<Route> inner) {
    return extractRequestEntity(e -> e.getContentLengthOption().isPresent() && e.getContentLengthOption().getAsLong() > maxBody
        ? json(StatusCodes.PAYLOAD_TOO_LARGE, Outcome.errorJson("the body is larger than the " + maxBody + " bytes an event may have"))
        : inner.get());
  }

  private final ExceptionHandler jsonErrors = ExceptionHandler.newBuilder()
      .match(EntityStreamSizeException.class, e -> json(StatusCodes.PAYLOAD_TOO_LARGE,
          Outcome.errorJson("the body is larger than the " + e.limit() + " bytes an event may have")))
      .build();

  private final RejectionHandler jsonRejections = RejectionHandler.newBuilder()
      .handle(MalformedRequestContentRejection.class, r -> r.getCause() instanceof EntityStreamSizeException e
          ? json(StatusCodes.PAYLOAD_TOO_LARGE, Outcome.errorJson("the body is larger than the " + e.limit() + " bytes an event may have"))
          : json(StatusCodes.BAD_REQUEST, Outcome.errorJson("malformed body: " + r.message())))
      .build()
      .withFallback(RejectionHandler.defaultHandler())
      .mapRejectionResponse(response ->
      response.entity() instanceof HttpEntity.Strict strict && !strict.getContentType().equals(ContentTypes.APPLICATION_JSON)
          ? response.withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
              Outcome.errorJson(strict.getData().utf8String())))
          : response);

  static Route json(StatusCode code, String body) {
    return Directives.complete(code, HttpEntities.create(ContentTypes.APPLICATION_JSON, body));
  }

  static Route json(StatusCode code, com.fasterxml.jackson.databind.JsonNode body) {
    return json(code, body.toString());
  }

  /** {@code {"error": why}}. */
  static String error(String why) {
    return Outcome.errorJson(why);
  }

  /** A whole number given as {@code name}, or {@code dflt}; an {@link IllegalArgumentException} naming it otherwise. */
  static int whole(String name, java.util.Optional<String> v, int dflt) {
    try {
      return v.map(Integer::parseInt).orElse(dflt);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " is a whole number, not " + v.get());
    }
  }

  record Outcome(StatusCode code, String json) {
    static Outcome accepted(String what) {
      return new Outcome(StatusCodes.OK, "{\"accepted\":" + quote(what) + "}");
    }

    static Outcome refused(String why) {
      return new Outcome(StatusCodes.BAD_REQUEST, "{\"error\":" + quote(why) + "}");
    }

    static Outcome unavailable(String why) {
      return new Outcome(StatusCodes.SERVICE_UNAVAILABLE, "{\"error\":" + quote(why) + "}");
    }

    static String errorJson(String why) {
      return "{\"error\":" + quote(why) + "}";
    }

    private static String quote(String s) {
      return new com.fasterxml.jackson.databind.node.TextNode(s).toString();
    }
  }

  /** Parses the event against what the manager knows, then hands it to the site actor or the manager. */
  private CompletionStage<Outcome> event(String body) {
    return backend.status(StatusQuery.SITES).thenCompose(s -> {
      EventRequest request;
      try {
        Infrastructure infra = s.infrastructure();
        request = EventRequest.parse(body, backend.clock().now(), infra, backend.trafficDir());
      } catch (InvalidInputException | IllegalArgumentException e) {
        return java.util.concurrent.CompletableFuture.<Outcome>completedFuture(Outcome.refused(e.getMessage()));
      }
      if (request instanceof EventRequest.SiteChange c) {
        return AskPattern.ask(backend.sites().apply(c.site()), (ActorRef<SiteActor.Reply> r) -> new SiteActor.Change(c.change(), r), ASK,
            backend.system().scheduler()).thenApply(reply -> reply instanceof SiteActor.Rejected rej ? Outcome.refused(rej.reason())
                : Outcome.accepted(c.change().getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + " of site " + c.site()));
      }
      EventRequest.Submit submit = (EventRequest.Submit) request;
      CompletionStage<MigrationManager.Reply> asked = submit.arrives().isPresent()
          ? Submissions.announce(backend.system(), backend.manager(), submit.application().app(), submit.arrives().get(), ASK)
          : Submissions.submit(backend.system(), backend.manager(), submit.application().app(), submit.application().placement().siteOfVm(), ASK);
      return asked.thenApply(reply -> reply instanceof MigrationManager.Rejected rej ? Outcome.refused(rej.reason())
          : Outcome.accepted("application " + submit.application().app().name()
              + submit.arrives().map(t -> ", announced for " + t).orElse("")));
    }).exceptionally(e -> Outcome.unavailable("the node did not answer: " + e.getMessage()));
  }
}
