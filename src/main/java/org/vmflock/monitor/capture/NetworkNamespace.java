package org.vmflock.monitor.capture;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs Java code inside a named Linux network namespace, the kind {@code ip netns add NAME}
 * creates (a bind mount at {@code /var/run/netns/NAME}).
 *
 * <p>Entering uses libc {@code open(2)} and {@code setns(2)} with {@code CLONE_NEWNET} through JNA.
 * For network namespaces {@code setns} only moves the <em>calling thread</em>: the rest of the JVM
 * stays where it was. A thread that entered a namespace stays there for the rest of its life, so
 * never enter on a shared or pooled thread (main thread, executor, ForkJoinPool); use {@link
 * #call} or {@link #start}, which create a dedicated platform thread.
 *
 * <p>Anything that creates a kernel object bound to a namespace does so in the namespace of the
 * creating thread: sockets, packet sockets (a pcap handle's {@code pcap_activate}), child processes
 * started by {@link ProcessBuilder} from that thread. Such an object stays in its namespace
 * afterwards, even when it is used from other threads. So the usual pattern is: create the socket
 * or pcap handle with {@link #call}, then use it anywhere.
 *
 * <p>Pitfalls: {@code /proc/self/net/...} (and {@code /proc/net}) show the namespace of the
 * <em>process</em> (its main thread); read {@code /proc/thread-self/net/...} instead. {@link
 * java.net.NetworkInterface} is not reliable inside a namespace thread: the JDK lists interfaces
 * through an IPv4 ioctl (only interfaces with an IPv4 address, in the thread's namespace) plus
 * {@code /proc/net/if_inet6} (the process's namespace); use {@code ip -n NAME link} instead.
 *
 * <p>Pitfall: {@code new java.net.Socket()} creates its file descriptor lazily (on bind, connect
 * or the first option set), so create <em>and</em> bind or connect it inside the task, or use NIO
 * channels ({@code SocketChannel.open()} creates the descriptor at once).
 *
 * <p>Entering a network namespace needs root or {@code CAP_SYS_ADMIN}.
 */
public final class NetworkNamespace {

  /** Where {@code ip netns} keeps its named namespaces. */
  public static final Path NETNS_DIR = Path.of("/var/run/netns");

  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 0x80000; // 02000000 octal
  private static final int CLONE_NEWNET = 0x40000000;
  private static final int EPERM = 1;
  private static final int ENOENT = 2;
  private static final int EINVAL = 22;

  /** The three libc functions needed; JNA saves errno after each call for Native.getLastError(). */
  private interface LibC extends Library {
    int open(String path, int flags);

    int setns(int fd, int nstype);

    int close(int fd);

    String strerror(int errnum);
  }

  /** Lazy holder: libc is only bound the first time a namespace is entered. */
  private static final class Holder {
    static final LibC LIBC = Native.load("c", LibC.class);
  }

  private NetworkNamespace() {}

  /** The file that names namespace {@code name}: {@code /var/run/netns/NAME}. */
  public static Path path(String name) {
    return NETNS_DIR.resolve(checkName(name));
  }

  /** Whether {@code ip netns} knows a namespace called {@code name}. */
  public static boolean exists(String name) {
    return Files.exists(path(name));
  }

  /**
   * Moves the calling thread into network namespace {@code name}, for the rest of its life.
   *
   * @throws NetworkNamespaceException when the namespace does not exist or cannot be entered
   */
  public static void enterOnCurrentThread(String name) {
    Path file = path(name);
    if (!Files.exists(file)) {
      throw notFound(name, file);
    }
    LibC libc = Holder.LIBC;
    int fd = libc.open(file.toString(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int errno = Native.getLastError();
      if (errno == ENOENT) {
        throw notFound(name, file);
      }
      throw new NetworkNamespaceException(
          "cannot open " + file + " of network namespace '" + name + "': " + describe(errno),
          errno);
    }
    try {
      if (libc.setns(fd, CLONE_NEWNET) != 0) {
        int errno = Native.getLastError();
        StringBuilder message =
            new StringBuilder("setns into '").append(name).append("' failed: ").append(describe(errno));
        if (errno == EPERM) {
          message.append("; entering a network namespace needs root or CAP_SYS_ADMIN");
        } else if (errno == EINVAL) {
          message.append("; is ").append(file).append(" a network namespace?");
        }
        throw new NetworkNamespaceException(message.toString(), errno);
      }
    } finally {
      libc.close(fd);
    }
  }

  /**
   * Runs {@code task} on a new dedicated platform thread that first enters namespace {@code
   * name}, waits for it, and returns its result. The task's exception (or a {@link
   * NetworkNamespaceException} when entering failed) is rethrown as is, with a suppressed
   * exception recording the caller's stack.
   *
   * <p>If the calling thread is interrupted while waiting, the worker is interrupted too and
   * {@link InterruptedException} is thrown.
   */
  public static <T> T call(String name, Callable<T> task) throws Exception {
    checkName(name);
    Objects.requireNonNull(task, "task");
    FutureTask<T> future =
        new FutureTask<>(
            () -> {
              enterOnCurrentThread(name);
              return task.call();
            });
    Thread worker = new Thread(future, "netns-" + name);
    worker.setDaemon(true);
    worker.start();
    try {
      return future.get();
    } catch (InterruptedException e) {
      worker.interrupt();
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      cause.addSuppressed(
          new Exception(
              "rethrown by NetworkNamespace.call(\"" + name + "\") in thread "
                  + Thread.currentThread().getName()));
      if (cause instanceof Exception ex) {
        throw ex;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  /**
   * Starts a daemon platform thread called {@code threadName} that enters namespace {@code name}
   * and then runs {@code task} (a server, a capture loop...). Returns once the thread is inside
   * the namespace, so a failure to enter is thrown here, to the caller, and {@code task} is then
   * never run. Exceptions of {@code task} itself go to the thread's uncaught exception handler.
   *
   * @throws NetworkNamespaceException when the namespace cannot be entered
   */
  public static Thread start(String name, String threadName, Runnable task) {
    checkName(name);
    Objects.requireNonNull(threadName, "threadName");
    Objects.requireNonNull(task, "task");
    CountDownLatch entered = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                enterOnCurrentThread(name);
              } catch (RuntimeException | Error e) {
                failure.set(e);
                return;
              } finally {
                entered.countDown();
              }
              task.run();
            },
            threadName);
    thread.setDaemon(true);
    thread.start();
    boolean interrupted = false;
    while (true) {
      try {
        entered.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true; // entering is quick and bounded; finish waiting, restore the flag
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Throwable e = failure.get();
    if (e != null) {
      e.addSuppressed(
          new Exception(
              "rethrown by NetworkNamespace.start(\"" + name + "\", \"" + threadName
                  + "\") in thread " + Thread.currentThread().getName()));
      if (e instanceof Error err) {
        throw err;
      }
      throw (RuntimeException) e;
    }
    return thread;
  }

  private static NetworkNamespaceException notFound(String name, Path file) {
    return new NetworkNamespaceException(
        "network namespace '" + name + "' does not exist (no " + file + ")", ENOENT);
  }

  private static String describe(int errno) {
    String text;
    try {
      text = Holder.LIBC.strerror(errno);
    } catch (RuntimeException | LinkageError e) {
      text = null;
    }
    return (text == null ? "error" : text) + " (errno " + errno + ")";
  }

  private static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()
        || name.equals(".")
        || name.equals("..")
        || name.indexOf('/') >= 0
        || name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("invalid network namespace name '" + name + "'");
    }
    return name;
  }
}
