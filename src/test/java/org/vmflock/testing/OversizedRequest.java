package org.vmflock.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * A POST whose head announces a body of {@code length} bytes and which sends none of it, over a
 * plain socket, and the node's answer. A node refuses such a request from its Content-Length alone;
 * sending the body instead races the node's close against the client's writes (the client may see
 * the reset before the answer), and the JDK 17 HttpClient's {@code Expect: 100-continue} waits forever,
 * past its request timeout, for an answer that is not 100 (JDK-8286171).
 */
public final class OversizedRequest {

  /**
   * The status code and body of the answer; {@code closedCleanly}: the node then closed the
   * connection with a FIN (the client reads its end), not a reset (which may destroy an answer the
   * client has not read yet).
   */
  public record Answer(int status, String contentType, String body, boolean closedCleanly) {}

  private static final int CONNECT_MILLIS = 5_000;
  private static final int READ_MILLIS = 15_000;

  private OversizedRequest() {}

  public static Answer post(String baseUrl, String path, long length, Optional<String> authorization) throws IOException {
    URI url = URI.create(baseUrl);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(url.getHost(), url.getPort()), CONNECT_MILLIS);
      s.setSoTimeout(READ_MILLIS);
      String head = "POST " + path + " HTTP/1.1\r\nHost: " + url.getHost() + "\r\nContent-Type: application/json\r\n"
          + authorization.map(a -> "Authorization: " + a + "\r\n").orElse("") + "Content-Length: " + length + "\r\n\r\n";
      s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String statusLine = in.readLine();
      if (statusLine == null || !statusLine.startsWith("HTTP/1.1 ")) {
        throw new IOException("no HTTP answer: " + statusLine);
      }
      int contentLength = 0;
      String contentType = "";
      for (String h; (h = in.readLine()) != null && !h.isEmpty(); ) {
        String lower = h.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          contentLength = Integer.parseInt(h.substring("content-length:".length()).strip());
        } else if (lower.startsWith("content-type:")) {
          contentType = h.substring("content-type:".length()).strip();
        }
      }
      char[] body = new char[contentLength];
      for (int read = 0; read < contentLength; ) {
        int n = in.read(body, read, contentLength - read);
        if (n < 0) {
          throw new IOException("the answer's body ended after " + read + " of " + contentLength + " characters");
        }
        read += n;
      }
      boolean clean;
      try {
        clean = in.read() == -1;
      } catch (java.net.SocketException reset) {
        clean = false;
      }
      return new Answer(Integer.parseInt(statusLine.substring(9, 12)), contentType, new String(body), clean);
    }
  }
}
