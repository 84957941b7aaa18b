package org.vmflock.emulate.lab;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.vmflock.monitor.capture.NetworkNamespace;

/**
 * TCP connections accepted at one address, each piped byte for byte to another: a service of one
 * network namespace made reachable from another without an interface between them (the PostgreSQL
 * journal and the hypervisors of the root namespace, inside an emulated site's namespace: {@link
 * StandingLab}), or an address reached over an interface that an address of another namespace
 * forwards to. Either end may be inside a named network namespace ({@code ip netns}): its socket is
 * made by a thread that entered it ({@link NetworkNamespace}), and stays there; {@code null} is this
 * process's own namespace. Connecting to the target is tried once per accepted connection (5 s at
 * most); a connection that fails is closed. Two daemon threads per connection, an end of stream
 * passed on as a half-close; {@link #close()}
 * stops listening and closes every connection.
 */
public final class TcpForwarder implements AutoCloseable {

  private static final int CONNECT_TIMEOUT_MS = 5000;

  private final String name;
  private final ServerSocket server;
  private final String targetNamespace;
  private final InetSocketAddress target;
  private final List<Socket> open = Collections.synchronizedList(new ArrayList<>());

  private TcpForwarder(String name, ServerSocket server, String targetNamespace, InetSocketAddress target) {
    this.name = name;
    this.server = server;
    this.targetNamespace = targetNamespace;
    this.target = target;
  }

  /**
   * Listens at {@code listen} (port 0: any free one) in namespace {@code listenNamespace}, and pipes
   * each connection to {@code target} in {@code targetNamespace} ({@code null}: this process's).
   *
   * @throws IOException when the address cannot be bound (named in the message)
   */
  public static TcpForwarder start(String name, String listenNamespace, InetSocketAddress listen, String targetNamespace,
      InetSocketAddress target) throws IOException {
    ServerSocket server = inNamespace(listenNamespace, () -> {
      ServerSocket s = new ServerSocket();
      try {
        s.setReuseAddress(true);
        s.bind(listen);
      } catch (IOException e) {
        s.close();
        throw new IOException("cannot listen at " + listen + where(listenNamespace) + " (" + name + "): " + e.getMessage(), e);
      }
      return s;
    });
    TcpForwarder f = new TcpForwarder(name, server, targetNamespace, target);
    Thread accept = new Thread(f::acceptLoop, "forwarder-" + name);
    accept.setDaemon(true);
    accept.start();
    return f;
  }

  /** Where it listens (with the port bound when 0 was asked). */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  public InetSocketAddress target() {
    return target;
  }

  public String name() {
    return name;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket in;
      try {
        in = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      open.add(in);
      Socket out;
      try {
        out = inNamespace(targetNamespace, () -> {
          Socket s = new Socket();
          try {
            s.connect(target, CONNECT_TIMEOUT_MS);
          } catch (IOException e) {
            s.close();
            throw e;
          }
          return s;
        });
      } catch (IOException e) {
        closeQuietly(in);
        continue;
      }
      open.add(out);
      try {
        in.setTcpNoDelay(true);
        out.setTcpNoDelay(true);
      } catch (IOException e) {
        // a socket already closed: its pipe ends at once
      }
      java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger(2);
      pipe(in, out, running);
      pipe(out, in, running);
    }
  }

  /**
   * Copies {@code from} to {@code to}; at {@code from}'s end of stream, ends {@code to}'s output
   * (a half-close passed on), and closes both once both directions ended ({@code running}) or
   * either failed.
   */
  private void pipe(Socket from, Socket to, java.util.concurrent.atomic.AtomicInteger running) {
    Thread t = new Thread(() -> {
      boolean ended = false;
      try {
        from.getInputStream().transferTo(to.getOutputStream());
        to.shutdownOutput();
        ended = true;
      } catch (IOException e) {
        // one side closed or reset
      } finally {
        if (!ended || running.decrementAndGet() == 0) {
          closeQuietly(from);
          closeQuietly(to);
          open.remove(from);
          open.remove(to);
        }
      }
    }, "forwarder-" + name + "-pipe");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() {
    closeQuietly(server);
    synchronized (open) {
      for (Socket s : open) {
        closeQuietly(s);
      }
      open.clear();
    }
  }

  @Override
  public String toString() {
    return "TcpForwarder[" + name + ": " + address() + " -> " + target + where(targetNamespace) + "]";
  }

  private interface SocketTask<T> {
    T call() throws IOException;
  }

  /** {@code task} on this thread ({@code namespace} null), else on a thread inside {@code namespace}. */
  private static <T> T inNamespace(String namespace, SocketTask<T> task) throws IOException {
    if (namespace == null) {
      return task.call();
    }
    try {
      return NetworkNamespace.call(namespace, task::call);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted entering namespace " + namespace, e);
    } catch (Exception e) {
      throw new IOException("in namespace " + namespace + ": " + e, e);
    }
  }

  private static String where(String namespace) {
    return namespace == null ? "" : " in namespace " + namespace;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // closing anyway
    }
  }
}
