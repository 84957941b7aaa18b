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
 * The API described: {@code GET /api/openapi.json}, the OpenAPI 3 document we write (a resource
 * beside this class, checked against the routes by {@code ApiEndToEndTest}), and {@code GET
 * /api/docs}, swagger-ui showing it, served from its webjar (nothing from another host).
 */
final class DocsRoutes extends AllDirectives {

  static final String OPENAPI = "org/vmflock/http/openapi.json";
  private static final String PAGE = "org/vmflock/http/docs.html";
  private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";

  /** The webjar's files, found by the version its own Maven properties name (the pom's pin). */
  private final String swaggerUi = WEBJAR + webjarVersion() + "/";
  private final byte[] openApi = resource(OPENAPI);
  private final byte[] page = resource(PAGE);

  Route routes() {
    return concat(
        path("openapi.json", () -> get(() -> complete(StatusCodes.OK, HttpEntities.create(ContentTypes.APPLICATION_JSON, openApi)))),
        pathPrefix("docs", () -> concat(
            pathEnd(() -> get(() -> complete(StatusCodes.OK, HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, page)))),
            get(() -> getFromResourceDirectory(swaggerUi)))));
  }

  private static String webjarVersion() {
    Properties p = new Properties();
    try (InputStream in = DocsRoutes.class.getClassLoader().getResourceAsStream("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
      if (in == null) {
        throw new IllegalStateException("the swagger-ui webjar is not on the class path");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("version");
  }

  static byte[] resource(String name) {
    try (InputStream in = DocsRoutes.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
