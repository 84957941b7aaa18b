package org.vmflock.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.Properties;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.vmflock.control.ResourcePage;
import org.vmflock.control.ResourceQuery;

/**
 * The node's dashboard (I2): {@code GET /} its page, {@code /dashboard/...} its script and style,
 * {@code /assets/echarts/...} the charts library from its webjar. Everything from the jar: the
 * page loads nothing from another host. It reads the API's resources, then follows {@code
 * /api/stream}; its inject form posts to {@code /api/events} with the token the user types.
 */
final class DashboardRoutes extends AllDirectives {

  static final String DIRECTORY = "dashboard/";
  private static final String ECHARTS = "META-INF/resources/webjars/echarts/" + webjarVersion("org.webjars.npm", "echarts") + "/dist/";

  private final byte[] page = DocsRoutes.resource(DIRECTORY + "index.html");
  private final ApiServer.Backend backend;

  DashboardRoutes(ApiServer.Backend backend) {
    this.backend = backend;
  }

  Route routes() {
    return concat(
        pathSingleSlash(() -> get(() -> complete(StatusCodes.OK, HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, page)))),
        pathPrefix("dashboard", () -> get(() -> getFromResourceDirectory(DIRECTORY))),
        pathPrefix("assets", () -> pathPrefix("echarts", () -> get(() -> getFromResourceDirectory(ECHARTS)))));
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

  /** The version of a webjar on the class path, from its own Maven properties (the pom's pin). */
  static String webjarVersion(String group, String artifact) {
    Properties p = new Properties();
    String name = "META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    try (InputStream in = DashboardRoutes.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the " + artifact + " webjar is not on the class path");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("version");
  }
}
