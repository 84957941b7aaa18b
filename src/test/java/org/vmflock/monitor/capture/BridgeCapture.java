package org.vmflock.monitor.capture;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.pcap4j.core.RawPacketListener;

/**
 * A Pcap4J capture on the bridge of a {@link NetnsLab}, in promiscuous mode, collecting every
 * frame that enters the bridge from any VM (a Linux bridge in promiscuous mode passes every frame
 * it receives on a port up to its own taps, forwarded unicast included; without promiscuous mode
 * only broadcast, multicast and frames for the bridge's own MAC are seen).
 *
 * <p>Threads: the handle is opened by {@link NetworkNamespace#call} inside the host namespace (the
 * packet socket is bound to the namespace at {@code pcap_activate}); {@code handle.loop(-1, ...)}
 * runs on a daemon thread started with {@link NetworkNamespace#start}.
 *
 * <p>Stopping cleanly, even on an idle bridge: {@link #close()} calls {@code handle.breakLoop()}
 * from the caller's thread, then joins the capture thread, and only then closes the handle ({@code
 * pcap_close} must never run while {@code pcap_loop} is still using the handle). The loop wakes up
 * for two independent reasons: libpcap 1.10+ on Linux signals an eventfd in {@code pcap_breakloop}
 * that interrupts the {@code poll()} at once; and the handle has a 100 ms read timeout, so even an
 * older libpcap returns from {@code poll()} within 100 ms, sees the break flag and makes {@code
 * loop} throw {@link InterruptedException}. No extra frame is needed to wake it.
 *
 * <p>Completeness: when traffic helpers return, their frames have crossed the bridge, but the
 * capture thread may not have processed them yet. {@link #flush()} sends a marker frame ({@link
 * NetnsLab#injectMarker}) into the bridge and waits until the capture thread has seen it; frames
 * are delivered to the packet socket in order, so every earlier frame has then been collected.
 * Markers are not collected and are not passed to the sink.
 */
public final class BridgeCapture implements AutoCloseable {

  /** How long {@link #flush()} and {@link #close()} wait. */
  public static final Duration WAIT = Duration.ofSeconds(10);

  /** A captured frame. */
  public record Frame(long timestampMicros, int originalLength, byte[] data) {

    public byte[] destinationMac() {
      return Arrays.copyOfRange(data, 0, 6);
    }

    public byte[] sourceMac() {
      return Arrays.copyOfRange(data, 6, 12);
    }

    public boolean isTo(byte[] mac) {
      return data.length >= 6 && Arrays.equals(data, 0, 6, mac, 0, 6);
    }

    public boolean isFrom(byte[] mac) {
      return data.length >= 12 && Arrays.equals(data, 6, 12, mac, 0, 6);
    }

    public int etherType() {
      return data.length < 14 ? -1 : ((data[12] & 0xff) << 8) | (data[13] & 0xff);
    }

    /** IP protocol (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6) or -1 if not IPv4/IPv6 (no extension headers). */
    public int ipProtocol() {
      return switch (etherType()) {
        case 0x0800 -> data.length > 23 ? data[23] & 0xff : -1;
        case 0x86dd -> data.length > 20 ? data[20] & 0xff : -1;
        default -> -1;
      };
    }

    public Optional<InetAddress> ipSource() {
      return address(true);
    }

    public Optional<InetAddress> ipDestination() {
      return address(false);
    }

    /** Source port of a TCP or UDP frame, -1 otherwise. */
    public int sourcePort() {
      int l4 = l4Offset();
      return l4 < 0 ? -1 : ByteBuffer.wrap(data).getShort(l4) & 0xffff;
    }

    /** Destination port of a TCP or UDP frame, -1 otherwise. */
    public int destinationPort() {
      int l4 = l4Offset();
      return l4 < 0 ? -1 : ByteBuffer.wrap(data).getShort(l4 + 2) & 0xffff;
    }

    private int l4Offset() {
      int proto = ipProtocol();
      if (proto != 6 && proto != 17) {
        return -1;
      }
      int off = etherType() == 0x0800 ? 14 + (data[14] & 0x0f) * 4 : 14 + 40;
      return data.length >= off + 4 ? off : -1;
    }

    private Optional<InetAddress> address(boolean source) {
      try {
        if (etherType() == 0x0800 && data.length >= 34) {
          int off = source ? 26 : 30;
          return Optional.of(InetAddress.getByAddress(Arrays.copyOfRange(data, off, off + 4)));
        }
        if (etherType() == 0x86dd && data.length >= 54) {
          int off = source ? 22 : 38;
          return Optional.of(InetAddress.getByAddress(Arrays.copyOfRange(data, off, off + 16)));
        }
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e);
      }
      return Optional.empty();
    }

    @Override
    public String toString() {
      return "Frame[" + NetnsLab.formatMac(sourceMac()) + " > " + NetnsLab.formatMac(destinationMac())
          + String.format(" type 0x%04x", etherType())
          + ipSource().map(a -> " " + a.getHostAddress()).orElse("")
          + ipDestination().map(a -> " > " + a.getHostAddress()).orElse("")
          + " proto " + ipProtocol() + " len " + originalLength + "]";
    }
  }

  private final NetnsLab lab;
  private final PcapHandle handle;
  private final FrameSink sink;
  private final List<Frame> frames = new ArrayList<>();
  private final Map<Long, CountDownLatch> markers = new ConcurrentHashMap<>();
  private final CountDownLatch loopEnded = new CountDownLatch(1);
  private final AtomicReference<Throwable> loopFailure = new AtomicReference<>();
  private final Thread thread;
  private boolean closed;

  /** Starts capturing on the lab's bridge; frames are only collected. */
  public static BridgeCapture start(NetnsLab lab) throws Exception {
    return start(lab, null);
  }

  /** Starts capturing on the lab's bridge; every non-marker frame also goes to {@code sink}. */
  public static BridgeCapture start(NetnsLab lab, FrameSink sink) throws Exception {
    PcapHandle handle =
        NetworkNamespace.call(
            lab.hostNamespace(),
            () -> new PcapHandle.Builder(lab.bridge())
                .snaplen(65536)
                .promiscuousMode(PromiscuousMode.PROMISCUOUS)
                .timeoutMillis(100) // loop notices breakLoop within 100 ms even if nothing arrives
                .immediateMode(true) // deliver each frame at once (no TPACKET_V3 block latency)
                .bufferSize(4 << 20)
                .build());
    try {
      return new BridgeCapture(lab, handle, sink);
    } catch (RuntimeException | Error e) {
      handle.close();
      throw e;
    }
  }

  private BridgeCapture(NetnsLab lab, PcapHandle handle, FrameSink sink) {
    this.lab = lab;
    this.handle = handle;
    this.sink = sink;
    RawPacketListener listener = this::onFrame;
    this.thread =
        NetworkNamespace.start(
            lab.hostNamespace(),
            "bridge-capture-" + lab.prefix(),
            () -> {
              try {
                handle.loop(-1, listener);
              } catch (InterruptedException e) {
                // pcap_loop returned PCAP_ERROR_BREAK: breakLoop() was called, the normal end
              } catch (PcapNativeException | NotOpenException | RuntimeException | Error e) {
                loopFailure.set(e);
              } finally {
                loopEnded.countDown();
              }
            });
  }

  private void onFrame(byte[] data) {
    Optional<Long> marker = NetnsLab.markerId(data, 0, data.length);
    if (marker.isPresent()) {
      CountDownLatch latch = markers.get(marker.get());
      if (latch != null) {
        latch.countDown();
      }
      return;
    }
    // Pcap4J keeps the current packet's header in thread-locals of the loop thread
    Timestamp ts = handle.getTimestamp();
    long micros = ts == null ? 0 : ts.getTime() / 1000 * 1_000_000L + ts.getNanos() / 1000;
    Integer orig = handle.getOriginalLength();
    Frame frame = new Frame(micros, orig == null ? data.length : orig, data);
    synchronized (frames) {
      frames.add(frame);
    }
    if (sink != null) {
      sink.frame(micros, frame.originalLength(), data, 0, data.length);
    }
  }

  /**
   * Makes sure every frame that entered the bridge before this call has been collected: injects
   * a marker from the lab's first VM and waits until the capture thread sees it.
   */
  public void flush() throws Exception {
    long id = 0;
    CountDownLatch seen = new CountDownLatch(1);
    String from = lab.vmNames().get(0);
    // register before sending; a random id never collides in practice, retry if it does
    while (true) {
      id = ThreadLocalRandom.current().nextLong();
      if (markers.putIfAbsent(id, seen) == null) {
        break;
      }
    }
    try {
      lab.injectMarker(from, id);
      if (!seen.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("capture on " + lab.bridge() + " did not see the marker within "
            + WAIT.toSeconds() + " s" + (loopFailure.get() == null ? "" : ": " + loopFailure.get()));
      }
    } finally {
      markers.remove(id);
    }
  }

  /** The frames collected so far (call {@link #flush()} first to include everything sent). */
  public List<Frame> frames() {
    synchronized (frames) {
      return List.copyOf(frames);
    }
  }

  /** Forgets the frames collected so far. */
  public void clear() {
    synchronized (frames) {
      frames.clear();
    }
  }

  /** {@link #flush()}, {@link #close()}, and the frames. */
  public List<Frame> stop() throws Exception {
    flush();
    close();
    return frames();
  }

  /**
   * Stops the loop (works on an idle bridge too, see the class comment), waits for the capture
   * thread, and closes the handle. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      handle.breakLoop();
    } catch (NotOpenException e) {
      // already closed
    }
    boolean ended;
    try {
      ended = loopEnded.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      thread.join(WAIT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ended = false;
    }
    if (!ended || thread.isAlive()) {
      // Never pcap_close a handle a loop still uses: leak it rather than crash the JVM.
      throw new IllegalStateException("capture loop on " + lab.bridge() + " did not stop");
    }
    handle.close();
    Throwable failure = loopFailure.get();
    if (failure != null) {
      throw new IllegalStateException("capture loop failed: " + failure, failure);
    }
  }

  /** Whether the capture thread is still running. */
  public boolean running() {
    return thread.isAlive();
  }
}
