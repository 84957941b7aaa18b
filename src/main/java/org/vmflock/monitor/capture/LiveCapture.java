package org.vmflock.monitor.capture;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.IpAddress;
import org.vmflock.model.VmEndpoint;
import org.vmflock.monitor.MonitorSettings.CaptureSettings;
import org.vmflock.monitor.traffic.CountedTraffic;
import org.vmflock.monitor.traffic.TrafficCounter;

/**
 * Live capture with Pcap4J (M3, M4). Each interface gets a handle and a dedicated thread reading it
 * ({@link PcapNextReader}: libpcap's {@code pcap_next_ex}); every frame goes to one shared
 * {@link TrafficCounter}, which the host's monitor drains. Two ways to watch a host's VMs:
 *
 * <ul>
 *   <li>one capture for the whole host: the bridge the VMs' taps or veths are attached to, in
 *       promiscuous mode (a Linux bridge then passes every frame entering it to its own taps,
 *       unicast forwarded between ports included), demultiplexed by destination MAC;
 *   <li>one capture per VM, on the host side of its tap or veth, with a BPF filter keeping the
 *       frames the VM receives and those it sends to the file servers.
 * </ul>
 *
 * <p>Frames reach the loop in blocks (libpcap's TPACKET_V3 ring, not its immediate mode): the kernel
 * hands a block over when it is full or when the read timeout has passed since it was opened, so
 * the capture thread wakes once per block or per read timeout instead of once per frame (a frame
 * waits at most the read timeout, far below a period's watermark lag). Stopping never loses what
 * the kernel already queued: it first waits one read timeout (and a margin) so that the last,
 * partly filled block is handed over, then {@code breakLoop} ends the loop (libpcap 1.10 wakes a
 * blocked read), and the handle is read dry in non-blocking mode before it is closed.
 */
public final class LiveCapture implements PolledSource {

  /** An interface to capture on; {@code vm} is set for a per-VM capture. */
  public record Interface(String name, Optional<String> vm) {

    /** Parses {@code IF} (the host's bridge) or {@code VM=IF} (one VM's tap or veth). */
    public static Interface parse(String text) {
      int eq = text.indexOf('=');
      if (eq < 0) {
        return new Interface(requireName(text, text), Optional.empty());
      }
      return new Interface(requireName(text.substring(eq + 1), text), Optional.of(text.substring(0, eq)));
    }

    private static String requireName(String name, String text) {
      if (!name.matches("[A-Za-z0-9._@:-]{1,15}")) {
        throw new InvalidInputException("--interface " + text, "invalid interface name '" + name + "'");
      }
      return name;
    }
  }

  private static final long JOIN_MILLIS = 5_000;
  private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
  /** Beyond the read timeout, how long a stop waits for the kernel to hand over its last block (its timer's granularity). */
  private static final long FLUSH_MARGIN_MILLIS = 30;

  private final TrafficCounter counter;
  private final List<PcapHandle> handles = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicReference<String> failure = new AtomicReference<>();
  private final AtomicLong frames = new AtomicLong();
  /** CPU time of the capture threads that have ended. */
  private final AtomicLong endedThreadsCpuNanos = new AtomicLong();
  private final long readTimeoutMillis;
  private boolean closed;

  /** Added to each frame's kernel timestamp: the node's clock may run shifted from the machine's (an emulation in its scenario's time). */
  private final long offsetMicros;

  private LiveCapture(TrafficCounter counter, long offsetMicros, long readTimeoutMillis) {
    this.counter = counter;
    this.offsetMicros = offsetMicros;
    this.readTimeoutMillis = readTimeoutMillis;
  }

  /**
   * Opens every interface (inside {@code netns} when given) and starts capturing. Errors name the
   * interface: an unknown one is an {@link InvalidInputException}, a missing libpcap or missing
   * privileges a {@link CaptureUnavailableException}.
   */
  public static LiveCapture open(List<Interface> interfaces, Optional<String> netns, TrafficCounter counter, CaptureSettings settings,
      List<VmEndpoint> vms, List<IpAddress> fileServers) {
    return open(interfaces, netns, counter, settings, vms, fileServers, java.time.Duration.ZERO);
  }

  /**
   * As {@link #open(List, Optional, TrafficCounter, CaptureSettings, List, List)}, each frame
   * stamped on a clock that runs {@code clockOffset} ahead of the machine's (the node's clock).
   */
  public static LiveCapture open(List<Interface> interfaces, Optional<String> netns, TrafficCounter counter, CaptureSettings settings,
      List<VmEndpoint> vms, List<IpAddress> fileServers, java.time.Duration clockOffset) {
    requireLibpcap();
    LiveCapture capture = new LiveCapture(counter, Math.floorDiv(clockOffset.toNanos(), 1000), settings.readTimeout().toMillis());
    try {
      for (Interface itf : interfaces) {
        String filter = filter(itf, vms, fileServers, settings.filter());
        PcapHandle handle = openHandle(itf.name(), netns, settings, filter);
        capture.handles.add(handle);
        Thread t = new Thread(() -> capture.loop(handle, itf.name()), "capture-" + itf.name());
        t.setDaemon(true);
        capture.threads.add(t);
      }
    } catch (RuntimeException e) {
      capture.close();
      throw e;
    }
    capture.threads.forEach(Thread::start);
    return capture;
  }

  /**
   * A BPF filter keeping the frames addressed to these VMs (their MACs): on a bridge whose VMs'
   * traffic is counted where it is received (the emulation's sites), the kernel then drops what
   * the capture would not count (frames leaving for other sites, broadcasts) before it reaches the
   * capture's thread.
   */
  public static String receivedBy(List<VmEndpoint> vms) {
    if (vms.isEmpty()) {
      throw new IllegalArgumentException("no VM to capture the frames of");
    }
    return vms.stream().map(v -> "ether dst " + v.mac()).collect(Collectors.joining(" or "));
  }

  /** The BPF filter of an interface: the user's, narrowed to one VM's frames for a per-VM capture. */
  static String filter(Interface itf, List<VmEndpoint> vms, List<IpAddress> fileServers, String userFilter) {
    String own = "";
    if (itf.vm().isPresent()) {
      VmEndpoint vm = vms.stream().filter(v -> v.vm().equals(itf.vm().get())).findFirst()
          .orElseThrow(() -> new InvalidInputException("--interface " + itf.vm().get() + "=" + itf.name(), "unknown VM '" + itf.vm().get() + "'"));
      own = "ether dst " + vm.mac();
      if (!fileServers.isEmpty()) {
        own += " or (ether src " + vm.mac() + " and ("
            + fileServers.stream().map(a -> "dst host " + a).collect(Collectors.joining(" or ")) + "))";
      }
    }
    if (own.isEmpty()) {
      return userFilter;
    }
    return userFilter.isBlank() ? own : "(" + own + ") and (" + userFilter + ")";
  }

  private static PcapHandle openHandle(String name, Optional<String> netns, CaptureSettings settings, String filter) {
    try {
      java.util.concurrent.Callable<PcapHandle> open = () -> {
        PcapHandle h = new PcapHandle.Builder(name)
            .snaplen(settings.snapLength())
            .promiscuousMode(settings.promiscuous() ? PromiscuousMode.PROMISCUOUS : PromiscuousMode.NONPROMISCUOUS)
            .timeoutMillis(Math.toIntExact(settings.readTimeout().toMillis()))
            .bufferSize(settings.bufferBytes())
            .immediateMode(false)
            .build();
        try {
          if (!filter.isBlank()) {
            h.setFilter(filter, BpfProgram.BpfCompileMode.OPTIMIZE);
          }
        } catch (PcapNativeException | NotOpenException | RuntimeException e) {
          h.close();
          throw new InvalidInputException("capture filter '" + filter + "' on " + name, String.valueOf(e.getMessage()));
        }
        return h;
      };
      return netns.isPresent() ? NetworkNamespace.call(netns.get(), open) : open.call();
    } catch (InvalidInputException | CaptureUnavailableException | NetworkNamespaceException e) {
      throw e;
    } catch (Exception e) {
      throw explain(name, netns, e);
    }
  }

  private static RuntimeException explain(String name, Optional<String> netns, Exception e) {
    String msg = String.valueOf(e.getMessage());
    String lower = msg.toLowerCase(Locale.ROOT);
    String where = "interface " + name + netns.map(n -> " (network namespace " + n + ")").orElse("");
    if (lower.contains("no such device") || lower.contains("doesn't exist") || lower.contains("no such file")) {
      return new InvalidInputException(where, "no such interface; available: " + available(netns));
    }
    if (lower.contains("permission") || lower.contains("operation not permitted")) {
      return new CaptureUnavailableException(where + ": capturing needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities (" + msg + ")");
    }
    return new CaptureUnavailableException(where + ": cannot capture: " + msg, e);
  }

  /** The interfaces of the (thread's) network namespace, from /proc/thread-self/net/dev. */
  static String available(Optional<String> netns) {
    try {
      java.util.concurrent.Callable<String> list = () -> {
        Path dev = Path.of("/proc/thread-self/net/dev");
        return Files.readAllLines(dev).stream().skip(2).map(l -> l.substring(0, l.indexOf(':')).strip()).sorted().collect(Collectors.joining(", "));
      };
      return netns.isPresent() ? NetworkNamespace.call(netns.get(), list) : list.call();
    } catch (Exception e) {
      return "(cannot list them: " + e.getMessage() + ")";
    }
  }

  /** Pcap4J loads libpcap when first used: fail early with what to install. */
  public static void requireLibpcap() {
    try {
      org.pcap4j.core.Pcaps.libVersion();
    } catch (Throwable t) {
      throw new CaptureUnavailableException("libpcap is not available (" + t.getClass().getSimpleName() + ": " + t.getMessage()
          + "); install it: apt-get install libpcap0.8");
    }
  }

  private void loop(PcapHandle handle, String name) {
    try {
      capture(handle, name);
    } finally {
      endedThreadsCpuNanos.addAndGet(Math.max(0, THREADS.getCurrentThreadCpuTime()));
    }
  }

  private void capture(PcapHandle handle, String name) {
    PcapNextReader reader;
    try {
      reader = new PcapNextReader(handle, handle.getSnapshot());
      reader.read(this::count, false);
    } catch (NotOpenException | RuntimeException e) {
      failure.compareAndSet(null, "capture on " + name + " failed: " + e.getMessage());
      return;
    }
    // breakLoop() was called: the normal end; what the kernel still holds is read now
    try {
      handle.setBlockingMode(PcapHandle.BlockingMode.NONBLOCKING);
      reader.read(this::count, true);
    } catch (PcapNativeException | NotOpenException | RuntimeException e) {
      failure.compareAndSet(null, "capture on " + name + " failed while stopping: " + e.getMessage());
    }
  }

  private void count(long timestampMicros, int originalLength, byte[] data, int capturedLength) {
    synchronized (counter) {
      counter.frame(timestampMicros + offsetMicros, originalLength, data, 0, capturedLength);
    }
    frames.incrementAndGet();
  }

  /** Frames counted since the capture started. */
  public long frames() {
    return frames.get();
  }

  /** CPU time the capture's threads have used so far (libpcap's reads, the callbacks, the counting), nanoseconds. */
  public long cpuNanos() {
    long cpu = endedThreadsCpuNanos.get();
    for (Thread t : threads) {
      long live = t.isAlive() ? THREADS.getThreadCpuTime(t.getId()) : -1;
      cpu += Math.max(0, live);
    }
    return cpu;
  }

  @Override
  public CountedTraffic drain() {
    synchronized (counter) {
      return counter.drain();
    }
  }

  @Override
  public Optional<String> failure() {
    return Optional.ofNullable(failure.get());
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (threads.stream().anyMatch(Thread::isAlive)) {
      awaitLastBlock();
    }
    for (PcapHandle h : handles) {
      try {
        h.breakLoop();
      } catch (NotOpenException e) {
        // already closed
      }
    }
    for (Thread t : threads) {
      try {
        t.join(JOIN_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // pcap_close only once no thread uses the handle
    for (int i = 0; i < handles.size(); i++) {
      if (i >= threads.size() || !threads.get(i).isAlive()) {
        handles.get(i).close();
      }
    }
  }

  /**
   * The kernel hands over a partly filled block once the read timeout has passed since the block
   * was opened: a frame that arrived before the stop reaches the loop within that time. (libpcap
   * cannot ask for the block sooner; a non-blocking read after breakLoop sees handed-over blocks only.)
   */
  private void awaitLastBlock() {
    long until = System.nanoTime() + (readTimeoutMillis + FLUSH_MARGIN_MILLIS) * 1_000_000;
    boolean interrupted = false;
    for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
      try {
        java.util.concurrent.TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Raised when this machine cannot capture: no libpcap, no privileges. */
  public static final class CaptureUnavailableException extends RuntimeException {
    public CaptureUnavailableException(String message) {
      super(message);
    }

    public CaptureUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

}
