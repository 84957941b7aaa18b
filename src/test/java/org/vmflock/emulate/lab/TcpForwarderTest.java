package org.vmflock.emulate.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The forwarder within this process's namespace (as NodeNamespaces uses it for the journal): bytes
 * both ways, end of stream passed on, a target that refuses closes the accepted connection, a port
 * taken is refused naming it. Inside a site's namespace: LocalThreeSiteLabTest (as root).
 */
class TcpForwarderTest {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @Test
  void pipesBothWaysAndPassesTheEndOn() throws Exception {
    try (ServerSocket echo = new ServerSocket(0, 5, LOOPBACK)) {
      Thread server = new Thread(() -> {
        try (Socket s = echo.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
          byte[] all = in.readAllBytes(); // until the client's end of stream, passed on by the forwarder
          out.write(("echo " + new String(all, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          // the test fails on what the client reads
        }
      });
      server.start();
      try (TcpForwarder f = TcpForwarder.start("test", null, new InetSocketAddress(LOOPBACK, 0), null,
          new InetSocketAddress(LOOPBACK, echo.getLocalPort()));
          Socket client = new Socket(LOOPBACK, f.address().getPort())) {
        assertTrue(f.address().getPort() > 0);
        client.getOutputStream().write("journal".getBytes(StandardCharsets.UTF_8));
        client.shutdownOutput();
        assertEquals("echo journal", new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      }
      server.join(10_000);
    }
  }

  @Test
  void aTargetThatRefusesClosesTheConnectionAndAPortTakenIsRefused() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      closed = s.getLocalPort();
    }
    try (TcpForwarder f = TcpForwarder.start("refused", null, new InetSocketAddress(LOOPBACK, 0), null, new InetSocketAddress(LOOPBACK, closed));
        Socket client = new Socket(LOOPBACK, f.address().getPort())) {
      client.setSoTimeout(10_000);
      assertEquals(-1, client.getInputStream().read(), "closed once the target refused");
      IOException taken = assertThrows(IOException.class, () -> TcpForwarder.start("again", null, f.address(), null, f.target()));
      assertTrue(taken.getMessage().contains("cannot listen at") && taken.getMessage().contains("again"), taken.getMessage());
    }
  }
}
