package org.vmflock.emulate.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmflock.model.IpAddress;
import org.vmflock.monitor.capture.NetworkNamespace;

/**
 * Measures what a link does between two VMs: ping round trips (iputils {@code ping} run in the
 * VM), TCP goodput and a UDP burst (Java sockets on threads that entered the VMs' namespaces).
 * Used by the lab's tests and by {@code vmflock bench wan}.
 */
public final class LinkProbe {

  private static final Pattern PING_TIME = Pattern.compile("time=([0-9.]+) ms");
  private static final int TCP_PORT = 5201;
  private static final int UDP_PORT = 5202;
  private static final int BUFFER_BYTES = 1 << 20;
  private static final Duration SLACK = Duration.ofSeconds(20);

  /** A TCP transfer: payload bytes the receiver got over the measured span (the warm-up left out). */
  public record Goodput(long bytes, Duration span) {

    public double bitsPerSecond() {
      return bytes * 8.0 / (span.toNanos() / 1e9);
    }
  }

  /** A UDP burst: datagrams sent, and received before the receiver gave up waiting. */
  public record Burst(int sent, int received) {}

  private LinkProbe() {}

  /**
   * Round-trip times of {@code count} pings from {@code from} to {@code to}, {@code interval}
   * apart, after one ping that resolves the address (left out: it carries an ARP exchange).
   */
  public static List<Duration> pingRoundTrips(EmulatedVm from, EmulatedVm to, int count, Duration interval) {
    String target = to.ip().toString();
    from.run(SLACK, "ping", "-c", "1", "-W", "2", target);
    double seconds = interval.toNanos() / 1e9;
    CommandResult r = from.run(SLACK.plus(interval.multipliedBy(count)), "ping", "-c", Integer.toString(count),
        "-i", String.format(java.util.Locale.ROOT, "%.3f", seconds), "-W", "2", target);
    List<Duration> times = new ArrayList<>();
    Matcher m = PING_TIME.matcher(r.output());
    while (m.find()) {
      times.add(Duration.ofNanos(Math.round(Double.parseDouble(m.group(1)) * 1e6)));
    }
    if (times.isEmpty()) {
      throw new LabException("no answer to ping from " + from.name() + " to " + to.name() + ": " + r.output().strip());
    }
    return times;
  }

  /**
   * One TCP connection from {@code from} to {@code to} sending as fast as it can for {@code warmup}
   * plus {@code measure}; the goodput is what the receiver got during {@code measure}.
   */
  public static Goodput tcpGoodput(EmulatedVm from, EmulatedVm to, Duration warmup, Duration measure) throws Exception {
    return tcpGoodput(from.namespace(), to.namespace(), to.ip(), warmup, measure);
  }

  /**
   * The same between any two namespaces of a lab, e.g. two sites' hosts ({@link
   * EmulatedFederation#siteNamespace}, {@link EmulatedFederation#siteAddress}).
   */
  public static Goodput tcpGoodput(String fromNamespace, String toNamespace, IpAddress to, Duration warmup, Duration measure)
      throws Exception {
    InetAddress address = InetAddress.getByName(to.toString());
    ServerSocketChannel server = NetworkNamespace.call(toNamespace, () -> {
      ServerSocketChannel s = ServerSocketChannel.open();
      s.bind(new InetSocketAddress(address, TCP_PORT));
      return s;
    });
    try (server) {
      CompletableFuture<Goodput> received = onThread("probe-receiver", () -> receive(server, warmup, measure));
      SocketChannel client = NetworkNamespace.call(fromNamespace, () -> {
        SocketChannel c = SocketChannel.open();
        c.connect(new InetSocketAddress(address, TCP_PORT));
        return c;
      });
      try (client) {
        ByteBuffer data = ByteBuffer.allocateDirect(BUFFER_BYTES);
        long deadline = System.nanoTime() + warmup.plus(measure).plus(SLACK).toNanos();
        while (!received.isDone() && System.nanoTime() < deadline) {
          data.clear();
          try {
            client.write(data);
          } catch (IOException e) {
            break; // the receiver has what it measures and closed
          }
        }
      }
      return get(received);
    }
  }

  private static Goodput receive(ServerSocketChannel server, Duration warmup, Duration measure) throws IOException {
    try (SocketChannel peer = server.accept()) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
      long total = 0;
      long start = -1;
      long measureFrom = -1;
      long bytesAtStart = 0;
      while (true) {
        buffer.clear();
        int n = peer.read(buffer);
        if (n < 0) {
          throw new IOException("the sender closed before the measure ended");
        }
        long now = System.nanoTime();
        total += n;
        if (start < 0) {
          start = now;
        }
        if (measureFrom < 0 && now - start >= warmup.toNanos()) {
          measureFrom = now;
          bytesAtStart = total;
        } else if (measureFrom >= 0 && now - measureFrom >= measure.toNanos()) {
          return new Goodput(total - bytesAtStart, Duration.ofNanos(now - measureFrom));
        }
      }
    }
  }

  /**
   * Sends {@code datagrams} UDP datagrams of {@code payloadBytes} back to back from {@code from}
   * to {@code to}, and counts those that arrive within {@code wait} after the last was sent.
   */
  public static Burst udpBurst(EmulatedVm from, EmulatedVm to, int datagrams, int payloadBytes, Duration wait) throws Exception {
    InetAddress address = InetAddress.getByName(to.ip().toString());
    DatagramChannel receiver = NetworkNamespace.call(to.namespace(), () -> {
      DatagramChannel r = DatagramChannel.open();
      r.setOption(StandardSocketOptions.SO_RCVBUF, 64 << 20);
      r.bind(new InetSocketAddress(address, UDP_PORT));
      r.configureBlocking(false);
      return r;
    });
    try (receiver) {
      DatagramChannel sender = NetworkNamespace.call(from.namespace(), () -> {
        DatagramChannel s = DatagramChannel.open();
        s.connect(new InetSocketAddress(address, UDP_PORT));
        return s;
      });
      try (sender) {
        ByteBuffer data = ByteBuffer.allocate(payloadBytes);
        for (int i = 0; i < datagrams; i++) {
          data.clear();
          sender.write(data);
        }
      }
      ByteBuffer in = ByteBuffer.allocate(payloadBytes + 1);
      int received = 0;
      long deadline = System.nanoTime() + wait.toNanos();
      try (Selector selector = Selector.open()) {
        receiver.register(selector, SelectionKey.OP_READ);
        while (received < datagrams) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            break;
          }
          selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
          selector.selectedKeys().clear();
          while (receiver.receive(in.clear()) != null) {
            received++;
          }
        }
      }
      return new Burst(datagrams, received);
    }
  }

  private interface Task<T> {
    T run() throws Exception;
  }

  private static <T> CompletableFuture<T> onThread(String name, Task<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        result.complete(task.run());
      } catch (Exception e) {
        result.completeExceptionally(e);
      }
    }, name);
    t.setDaemon(true);
    t.start();
    return result;
  }

  private static <T> T get(CompletableFuture<T> future) throws Exception {
    try {
      return future.get(SLACK.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    } catch (TimeoutException e) {
      throw new LabException("the probe's receiver did not finish in " + SLACK.toSeconds() + " s", e);
    }
  }
}
