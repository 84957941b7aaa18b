package org.vmflock.http;

import java.util.Optional;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.vmflock.web.WebAssets;
import org.vmflock.control.ResourcePage;
import org.vmflock.control.ResourceQuery;

/**
 * The node's dashboard (I2): {@code GET /} its page, {@code /dashboard/...} its script and style,
 * {@code /assets/echarts/...} the charts library from its webjar. Everything from the jar: the
 * page loads nothing from another host. It reads the API's resources, then follows {@code
 * /api/stream}; its inject form posts to {@code /api/events} with the token the user types.
 */
final class DashboardRoutes extends AllDirectives {

  static final String DIRECTORY = WebAssets.DASHBOARD;

  private final byte[] page = WebAssets.resource(DIRECTORY + "index.html");
  private final ApiServer.Backend backend;

  DashboardRoutes(ApiServer.Backend backend) {
    this.backend = backend;
  }

  Route routes() {
    return concat(
        pathSingleSlash(() -> get(() -> complete(StatusCodes.OK, HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, page)))),
        pathPrefix("dashboard", () -> get(() -> getFromResourceDirectory(DIRECTORY))),
        pathPrefix("assets", () -> pathPrefix("echarts", () -> get(() -> getFromResourceDirectory(WebAssets.ECHARTS_DIST)))));
  }

  /**
   * {@code GET /api/traffic[?app=NAME]}: the rates between the VMs (the application's, or every
   * application's) the manager's last Monitor step saw ({@link ObservedTrafficView}); 404 for an
   * application the manager does not know, or on a node that keeps no traffic.
   */
  Route traffic() {
    return path("traffic", () -> get(() -> parameterOptional("app", app -> {
      if (backend.operations().traffic().isEmpty()) {
        return ApiServer.json(StatusCodes.NOT_FOUND, ApiServer.error("this node keeps no observed traffic"));
      }
      ResourceQuery q = new ResourceQuery(ResourceQuery.Kind.VMS, app, Optional.empty(), Optional.empty(), 0, ObservedTrafficView.MAX_VMS);
      return onSuccess(backend.resources(q), p -> p.total() == 0 && app.isPresent()
          ? ApiServer.json(StatusCodes.NOT_FOUND, ApiServer.error("unknown application '" + app.get() + "'"))
          : ApiServer.json(StatusCodes.OK, backend.operations().traffic().get().of(app.orElse("*"),
              p.vms().stream().map(ResourcePage.VmLine::vm).toList(), p.total())));
    })));
  }
}
