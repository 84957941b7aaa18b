package org.vmflock.emulate;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.vmflock.model.IpAddress;
import org.vmflock.monitor.capture.NetworkNamespace;

/**
 * A migration's memory stream between two sites' hosts: a TCP connection from the source site's
 * namespace to a receiver bound to the destination site's address, so that every byte crosses
 * the WAN link between them. A round is a header (its length) and that many bytes; the receiver
 * acknowledges each round once it holds all of it, so a round ends when its bytes have arrived,
 * not when the sender's buffers took them. The bytes are filler: what is measured is how long
 * the link takes to carry a VM's memory, not its contents (the VM's namespace itself moves).
 * A round not acknowledged within its timeout fails the stream.
 */
final class MigrationStream implements AutoCloseable {

  private static final int BUFFER_BYTES = 1 << 20;
  private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "vmfl-migration-watchdog");
    t.setDaemon(true);
    return t;
  });

  private final String name;
  private final ServerSocketChannel server;
  private final SocketChannel client;
  private final Thread receiver;
  private final AtomicLong received = new AtomicLong();
  private final AtomicBoolean stalled = new AtomicBoolean();
  private final AtomicBoolean timedOut = new AtomicBoolean();
  private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
  private final ByteBuffer payload = ByteBuffer.allocateDirect(BUFFER_BYTES);
  private volatile IOException receiverFailure;

  private MigrationStream(String name, ServerSocketChannel server, SocketChannel client, SocketChannel accepted) {
    this.name = name;
    this.server = server;
    this.client = client;
    this.receiver = new Thread(() -> receive(accepted), "vmfl-migration-receiver-" + name);
    this.receiver.setDaemon(true);
    this.receiver.start();
  }

  /** Connects {@code fromNamespace} to a receiver at {@code to} in {@code toNamespace}. */
  static MigrationStream open(String name, String fromNamespace, String toNamespace, IpAddress to) throws IOException {
    InetAddress address = InetAddress.getByName(to.toString());
    ServerSocketChannel server = call(toNamespace, () -> {
      ServerSocketChannel s = ServerSocketChannel.open();
      s.bind(new InetSocketAddress(address, 0));
      return s;
    });
    try {
      int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
      SocketChannel client = call(fromNamespace, () -> {
        SocketChannel c = SocketChannel.open();
        c.connect(new InetSocketAddress(address, port));
        return c;
      });
      try {
        return new MigrationStream(name, server, client, server.accept());
      } catch (IOException | RuntimeException e) {
        client.close();
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /**
   * Sends one round of {@code bytes} and waits for the receiver's acknowledgement. {@code
   * abortAfter}, when not negative, drops the connection once that many bytes are sent (a fault).
   *
   * @throws IOException when the stream fails or the round is not acknowledged within {@code timeout}
   */
  void sendRound(long bytes, Duration timeout, long abortAfter) throws IOException {
    ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
      timedOut.set(true);
      closeQuietly();
    }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    try {
      ByteBuffer header = ByteBuffer.allocate(Long.BYTES).putLong(0, bytes);
      writeFully(header);
      long left = bytes;
      while (left > 0) {
        if (abortAfter >= 0 && bytes - left >= abortAfter) {
          closeQuietly();
          throw new IOException("stream " + name + " dropped after " + (bytes - left) + " of " + bytes + " bytes");
        }
        payload.clear().limit((int) Math.min(BUFFER_BYTES, left));
        left -= client.write(payload);
      }
      ByteBuffer ack = ByteBuffer.allocate(Long.BYTES);
      while (ack.hasRemaining()) {
        if (client.read(ack) < 0) {
          throw new IOException("stream " + name + ": the receiver closed" + (receiverFailure != null ? ": " + receiverFailure.getMessage() : ""));
        }
      }
    } catch (IOException e) {
      if (timedOut.get()) {
        throw new IOException("stream " + name + ": a round of " + bytes + " bytes not acknowledged within " + timeout.toMillis() + " ms", e);
      }
      throw e;
    } finally {
      watchdog.cancel(false);
    }
  }

  /** A fault: the receiver stops reading, so the next round times out. */
  void stallReceiver() {
    stalled.set(true);
  }

  /** Payload bytes the receiver got. */
  long received() {
    return received.get();
  }

  private void writeFully(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      client.write(b);
    }
  }

  private void receive(SocketChannel peer) {
    ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    ByteBuffer header = ByteBuffer.allocate(Long.BYTES);
    try (peer) {
      while (true) {
        header.clear();
        while (header.hasRemaining()) {
          if (peer.read(header) < 0) {
            return;
          }
        }
        long left = header.getLong(0);
        while (left > 0) {
          if (stalled.get()) {
            closed.await(); // holds the connection open without reading: the sender times out
            return;
          }
          buffer.clear().limit((int) Math.min(BUFFER_BYTES, left));
          int n = peer.read(buffer);
          if (n < 0) {
            return;
          }
          left -= n;
          received.addAndGet(n);
        }
        ByteBuffer ack = ByteBuffer.allocate(Long.BYTES).putLong(0, received.get());
        while (ack.hasRemaining()) {
          peer.write(ack);
        }
      }
    } catch (IOException e) {
      receiverFailure = e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeQuietly() {
    try {
      client.close();
    } catch (IOException e) {
      // closing
    }
  }

  /** Whether the receiver's thread is still running. */
  boolean receiving() {
    return receiver.isAlive();
  }

  /** Closes both ends and waits for the receiver's thread to end. */
  @Override
  public void close() {
    closed.countDown();
    closeQuietly();
    try {
      server.close();
    } catch (IOException e) {
      // closing
    }
    try {
      receiver.join(Duration.ofSeconds(5).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private interface Task<T> {
    T run() throws IOException;
  }

  private static <T> T call(String namespace, Task<T> task) throws IOException {
    try {
      return NetworkNamespace.call(namespace, task::run);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("in namespace " + namespace + ": " + e, e);
    }
  }
}
