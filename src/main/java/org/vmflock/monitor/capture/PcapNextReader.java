package org.vmflock.monitor.capture;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.lang.reflect.Field;
import org.pcap4j.core.PcapHandle;

/**
 * Reads the frames of an open Pcap4J handle with libpcap's {@code pcap_next_ex}, bound directly
 * (JNA direct mapping): one downcall per frame, the header read in place, the bytes copied into one
 * reused buffer, nothing allocated. Pcap4J 1.8.2 offers a JNA upcall per frame ({@code pcap_loop},
 * the costlier way into Java) or a {@code pcap_next_ex} that allocates native memory per frame;
 * at the few thousand frames a second an MPI program puts on a site's bridge, that per-frame cost
 * is most of what sensing costs. The handle stays Pcap4J's: it opens, filters, breaks and closes it.
 */
final class PcapNextReader {

  static {
    Native.register(PcapNextReader.class, NativeLibrary.getInstance(System.getProperty("org.pcap4j.core.pcapLibName", "pcap")));
  }

  private static native int pcap_next_ex(Pointer pcap, Pointer header, Pointer data);

  private static native String pcap_geterr(Pointer pcap);

  /** Where frames go: the kernel's timestamp (µs), the length on the wire, the captured bytes in {@code buf[0, capturedLength)}. */
  @FunctionalInterface
  interface FrameSink {
    void frame(long timestampMicros, int originalLength, byte[] buf, int capturedLength);
  }

  /** libpcap's {@code struct pcap_pkthdr}: a {@code struct timeval} (two C longs), then caplen and len (32 bits each). */
  private static final int LONG = Native.LONG_SIZE;
  private static final int CAPLEN = 2 * LONG;
  private static final int LEN = CAPLEN + 4;
  private static final int PCAP_ERROR_BREAK = -2;

  private final Pointer pcap;
  private final Memory headerRef = new Memory(Native.POINTER_SIZE);
  private final Memory dataRef = new Memory(Native.POINTER_SIZE);
  private byte[] buf;

  PcapNextReader(PcapHandle handle, int snapLength) {
    this.pcap = pcapOf(handle);
    this.buf = new byte[Math.max(64, snapLength)];
  }

  /**
   * Reads frames into {@code sink} until a {@code breakLoop}, or, when {@code dry} (the handle in
   * non-blocking mode), until none is ready.
   *
   * @throws IllegalStateException with libpcap's message when reading fails
   */
  void read(FrameSink sink, boolean dry) {
    while (true) {
      int r = pcap_next_ex(pcap, headerRef, dataRef);
      if (r == 1) {
        Pointer header = headerRef.getPointer(0);
        long seconds = LONG == 8 ? header.getLong(0) : header.getInt(0);
        long micros = LONG == 8 ? header.getLong(LONG) : header.getInt(LONG);
        int captured = header.getInt(CAPLEN);
        int length = header.getInt(LEN);
        if (captured > buf.length) {
          buf = new byte[captured];
        }
        dataRef.getPointer(0).read(0, buf, 0, captured);
        sink.frame(seconds * 1_000_000 + micros, length, buf, captured);
      } else if (r == 0) {
        // a read timeout in blocking mode (wait again), nothing ready in non-blocking mode (done)
        if (dry) {
          return;
        }
      } else if (r == PCAP_ERROR_BREAK) {
        return;
      } else {
        throw new IllegalStateException("pcap_next_ex: " + pcap_geterr(pcap));
      }
    }
  }

  /** The {@code pcap_t *} inside a Pcap4J handle (a private field: Pcap4J does not expose it). */
  private static Pointer pcapOf(PcapHandle handle) {
    try {
      Field f = PcapHandle.class.getDeclaredField("handle");
      f.setAccessible(true);
      return (Pointer) f.get(handle);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot reach libpcap's handle inside Pcap4J's PcapHandle (Pcap4J changed?): " + e, e);
    }
  }
}
