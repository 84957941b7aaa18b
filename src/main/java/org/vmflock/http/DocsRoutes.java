package org.vmflock.http;

import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.vmflock.web.WebAssets;

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
  private final String swaggerUi = WEBJAR + WebAssets.webjarVersion("org.webjars", "swagger-ui") + "/";
  private final byte[] openApi = resource(OPENAPI);
  private final byte[] page = resource(PAGE);

  Route routes() {
    return concat(
        path("openapi.json", () -> get(() -> complete(StatusCodes.OK, HttpEntities.create(ContentTypes.APPLICATION_JSON, openApi)))),
        pathPrefix("docs", () -> concat(
            pathEnd(() -> get(() -> complete(StatusCodes.OK, HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, page)))),
            get(() -> getFromResourceDirectory(swaggerUi)))));
  }

  static byte[] resource(String name) {
    return WebAssets.resource(name);
  }
}
