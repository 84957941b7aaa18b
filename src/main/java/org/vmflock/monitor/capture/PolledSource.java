package org.vmflock.monitor.capture;

import java.util.Optional;
import org.vmflock.monitor.traffic.CountedTraffic;

/**
 * A traffic source that counts on its own thread (a live capture) or on demand (synthetic traffic),
 * and that the host's monitor drains at every flush.
 */
public interface PolledSource extends AutoCloseable {

  /** Everything counted since the last drain. */
  CountedTraffic drain();

  /** Set when the source stopped by itself (an interface went away, a capture error). */
  Optional<String> failure();

  /** Stops counting; frames already counted stay available to {@link #drain}. */
  @Override
  void close();
}
