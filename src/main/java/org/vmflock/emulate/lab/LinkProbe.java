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
 * VM), a ping trace across a move (echoes lost, the longest silence), TCP goodput and a UDP burst (Java sockets on threads that entered the VMs' namespaces).
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

  /**
   * Starts pinging {@code address} from {@code from} every {@code interval} (at least 2 ms; iputils
   * {@code ping -D}, root below 200 ms) until {@link PingTrace#stop}: what a move costs a VM's
   * peers, in echoes lost and the longest silence.
   */
  public static PingTrace startPings(EmulatedVm from, String address, Duration interval) {
    if (interval.compareTo(Duration.ofMillis(2)) < 0) {
      throw new IllegalArgumentException("a ping trace's interval is at least 2 ms: " + interval);
    }
    try {
      Process ping = from.processBuilder(List.of("ping", "-D", "-n", "-i", String.format(java.util.Locale.ROOT, "%.3f", interval.toNanos() / 1e9),
          address)).redirectErrorStream(true).start();
      return new PingTrace(ping);
    } catch (IOException e) {
      throw new LabException("cannot start ping in VM " + from.name() + ": " + e.getMessage(), e);
    }
  }

  /** A ping running in a VM ({@link #startPings}); its output read as it comes (ping writes a line per reply). */
  public static final class PingTrace {
    private static final Pattern REPLY = Pattern.compile("^\\[([0-9.]+)\\] .*icmp_seq=(\\d+) ");
    private final Process ping;
    private final StringBuffer replies = new StringBuffer();
    private final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
    private final CompletableFuture<Void> reader;

    private PingTrace(Process ping) {
      this.ping = ping;
      this.reader = onThread("ping-trace", () -> {
        try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(ping.getInputStream(),
            java.nio.charset.StandardCharsets.UTF_8))) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (REPLY.matcher(line).find()) {
              replies.append(line).append('\n');
              count.incrementAndGet();
            }
          }
        }
        return null;
      });
    }

    /** Waits until a reply comes after this call (at most {@code timeout}): the peer answers again. */
    public void awaitReply(Duration timeout) {
      int before = count.get();
      HostCommands.await(timeout, "a ping reply", () -> count.get() > before || !ping.isAlive());
      if (count.get() == before) {
        throw new LabException("ping exited: " + replies);
      }
    }

    /** Stops the ping (SIGINT, as Ctrl-C) and reads its replies. */
    public Outcome stop() throws Exception {
      HostCommands.run(List.of("kill", "-INT", Long.toString(ping.pid())), null, HostCommands.TIMEOUT);
      if (!ping.waitFor(SLACK.toMillis(), TimeUnit.MILLISECONDS)) {
        ping.destroyForcibly();
        throw new LabException("ping did not stop on SIGINT");
      }
      get(reader);
      return Outcome.of(replies.toString());
    }
  }

  /**
   * What a ping trace saw.
   *
   * @param answered echo replies received
   * @param lost echo requests unanswered between the first reply and the last
   * @param longestGap the longest time between two consecutive replies (the trace's interval when none was lost)
   */
  public record Outcome(int answered, int lost, Duration longestGap) {

    static Outcome of(String output) {
      Matcher m = Pattern.compile(PingTrace.REPLY.pattern(), Pattern.MULTILINE).matcher(output);
      int answered = 0;
      int firstSeq = -1;
      int lastSeq = -1;
      double last = Double.NaN;
      double longest = 0;
      java.util.Set<Integer> seen = new java.util.HashSet<>();
      while (m.find()) {
        double at = Double.parseDouble(m.group(1));
        int seq = Integer.parseInt(m.group(2));
        if (!seen.add(seq)) {
          continue; // a duplicate
        }
        answered++;
        firstSeq = firstSeq < 0 ? seq : Math.min(firstSeq, seq);
        lastSeq = Math.max(lastSeq, seq);
        if (!Double.isNaN(last)) {
          longest = Math.max(longest, at - last);
        }
        last = at;
      }
      int lost = answered == 0 ? 0 : lastSeq - firstSeq + 1 - answered;
      return new Outcome(answered, lost, Duration.ofNanos(Math.round(longest * 1e9)));
    }

    @Override
    public String toString() {
      return String.format(java.util.Locale.ROOT, "%d answered, %d lost, longest silence %.0f ms", answered, lost, longestGap.toNanos() / 1e6);
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
