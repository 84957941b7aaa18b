package org.vmflock.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The files the node's dashboard and the simulator's report share, from the class path: the
 * charts library (echarts, from its webjar, the pom's pin) and our own chart code. Nothing is
 * fetched from another host, at run time or in a browser.
 */
public final class WebAssets {

  /** The echarts webjar's directory of built files (echarts.min.js). */
  public static final String ECHARTS_DIST = "META-INF/resources/webjars/echarts/" + webjarVersion("org.webjars.npm", "echarts") + "/dist/";
  /** The library's file, in {@link #ECHARTS_DIST} and beside a report's page. */
  public static final String ECHARTS_JS = "echarts.min.js";
  /** The dashboard's resources (its page, script, style and the shared chart code). */
  public static final String DASHBOARD = "dashboard/";
  /** The chart options the dashboard and the report both draw with, in {@link #DASHBOARD}. */
  public static final String CHARTS_JS = "charts.js";

  private WebAssets() {}

  /** The version of a webjar on the class path, from its own Maven properties. */
  public static String webjarVersion(String group, String artifact) {
    Properties p = new Properties();
    try (InputStream in = open("META-INF/maven/" + group + "/" + artifact + "/pom.properties", "the " + artifact + " webjar")) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("version");
  }

  /** A resource's bytes; an error naming it when the class path lacks it. */
  public static byte[] resource(String name) {
    try (InputStream in = open(name, "resource " + name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream open(String name, String what) {
    InputStream in = WebAssets.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException(what + " is not on the class path");
    }
    return in;
  }
}
