package org.vmflock.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

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

  Route routes() {
    return concat(
        pathSingleSlash(() -> get(() -> complete(StatusCodes.OK, HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, page)))),
        pathPrefix("dashboard", () -> get(() -> getFromResourceDirectory(DIRECTORY))),
        pathPrefix("assets", () -> pathPrefix("echarts", () -> get(() -> getFromResourceDirectory(ECHARTS)))));
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
