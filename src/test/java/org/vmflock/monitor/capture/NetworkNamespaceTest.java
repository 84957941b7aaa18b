package org.vmflock.monitor.capture;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NetworkNamespaceTest {

  private static String currentNetns() throws IOException {
    return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
  }

  @Test
  void missingNamespaceIsReportedClearly() {
    String name = NetnsLab.newPrefix() + "-missing";
    NetworkNamespaceException e =
        assertThrows(NetworkNamespaceException.class, () -> NetworkNamespace.call(name, () -> 1));
    assertEquals(
        "network namespace '" + name + "' does not exist (no /var/run/netns/" + name + ")",
        e.getMessage());
    assertEquals(2, e.errno());
    assertThrows(
        NetworkNamespaceException.class, () -> NetworkNamespace.start(name, "never", () -> {}));
    assertFalse(NetworkNamespace.exists(name));
    assertThrows(IllegalArgumentException.class, () -> NetworkNamespace.call("a/b", () -> 1));
    assertThrows(IllegalArgumentException.class, () -> NetworkNamespace.call("..", () -> 1));
  }

  @Test
  void socketOpenedByCallLivesInTheNamespace() throws Exception {
    assumeTrue(NetnsLab.available(), "needs root and ip netns: " + NetnsLab.unavailableReason());
    String ns = NetnsLab.newPrefix() + "-nstest";
    // an address that exists only inside the namespace (on its loopback): traffic stays there
    InetAddress onlyInside = InetAddress.getByName("10.77.254.1");
    NetnsLab.exec("ip", "netns", "add", ns);
    try {
      NetnsLab.exec("ip", "-n", ns, "addr", "add", "10.77.254.1/32", "dev", "lo");
      NetnsLab.exec("ip", "-n", ns, "link", "set", "lo", "up");
      assertTrue(NetworkNamespace.exists(ns));

      // the worker thread is in the namespace, the caller is not
      String expected = "net:[" + Files.getAttribute(NetworkNamespace.path(ns), "unix:ino") + "]";
      assertEquals(expected, NetworkNamespace.call(ns, NetworkNamespaceTest::currentNetns));
      assertNotEquals(expected, currentNetns());
      // a process started from a thread inside the namespace runs in the namespace
      assertEquals(
          expected,
          NetworkNamespace.call(
                  ns, () -> NetnsLab.exec("readlink", "/proc/self/ns/net"))
              .trim());

      // here (root namespace) the address does not exist
      try (ServerSocketChannel outside = ServerSocketChannel.open()) {
        assertThrows(BindException.class, () -> outside.bind(new InetSocketAddress(onlyInside, 0)));
      }

      // sockets created by call() live in the namespace and keep working from this thread
      try (ServerSocketChannel server =
              NetworkNamespace.call(
                  ns, () -> ServerSocketChannel.open().bind(new InetSocketAddress(onlyInside, 0)));
          SocketChannel client = NetworkNamespace.call(ns, SocketChannel::open)) {
        client.connect(server.getLocalAddress());
        try (SocketChannel accepted = server.accept()) {
          client.write(ByteBuffer.wrap("hello".getBytes(UTF_8)));
          ByteBuffer buf = ByteBuffer.allocate(5);
          while (buf.hasRemaining() && accepted.read(buf) >= 0) {}
          assertEquals("hello", new String(buf.array(), UTF_8));
          assertEquals(onlyInside, ((InetSocketAddress) accepted.getRemoteAddress()).getAddress());
        }
      }

      // start(): a named daemon thread inside the namespace
      CompletableFuture<String> seen = new CompletableFuture<>();
      Thread t =
          NetworkNamespace.start(
              ns,
              "netns-start-test",
              () -> {
                try {
                  seen.complete(currentNetns());
                } catch (IOException e) {
                  seen.completeExceptionally(e);
                }
              });
      assertTrue(t.isDaemon());
      assertEquals("netns-start-test", t.getName());
      assertEquals(expected, seen.get(10, TimeUnit.SECONDS));
      t.join(Duration.ofSeconds(10).toMillis());

      // the task's own exception comes back unchanged
      IOException boom = new IOException("boom");
      assertSame(
          boom,
          assertThrows(
              IOException.class,
              () ->
                  NetworkNamespace.call(
                      ns,
                      () -> {
                        throw boom;
                      })));
    } finally {
      NetnsLab.run(List.of("ip", "netns", "delete", ns), null, Duration.ofSeconds(30));
    }
    assertFalse(NetworkNamespace.exists(ns));
  }
}
