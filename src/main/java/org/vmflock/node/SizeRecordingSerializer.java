package org.vmflock.node;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;

/**
 * The actor system's own CBOR serializer (Pekko's {@link JacksonCborSerializer}, bound to
 * {@code jackson-cbor}), recording the largest payload it wrote per class. Configured in place of
 * the plain one by the benches and tests that check that no message or event grows past a bound
 * ({@code pekko.actor.serializers.jackson-cbor}); with {@code serialize-messages = on}, every
 * message is measured as if it crossed the network.
 */
public final class SizeRecordingSerializer extends SerializerWithStringManifest {

  private static final Map<String, Map<String, Long>> LARGEST = new ConcurrentHashMap<>();

  private final JacksonCborSerializer delegate;
  private final String system;

  public SizeRecordingSerializer(ExtendedActorSystem system, String bindingName) {
    this.delegate = new JacksonCborSerializer(system, bindingName);
    this.system = system.name();
  }

  @Override
  public int identifier() {
    return delegate.identifier();
  }

  @Override
  public String manifest(Object o) {
    return delegate.manifest(o);
  }

  @Override
  public byte[] toBinary(Object o) {
    byte[] bytes = delegate.toBinary(o);
    LARGEST.computeIfAbsent(system, s -> new ConcurrentHashMap<>()).merge(o.getClass().getName(), (long) bytes.length, Math::max);
    return bytes;
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) {
    return delegate.fromBinary(bytes, manifest);
  }

  /** The largest payload written per class by the actor system named {@code system}, since it started (or the last {@link #reset}). */
  public static SortedMap<String, Long> largest(String system) {
    return new TreeMap<>(LARGEST.getOrDefault(system, Map.of()));
  }

  public static void reset(String system) {
    LARGEST.remove(system);
  }

  /** The configuration that puts this serializer in place of the plain one, and measures every message. */
  public static Map<String, Object> config() {
    // the plain serializer checks that a class is bound to it; bound to this one, it is allowed by its prefix instead
    return Map.of("pekko.actor.serializers.jackson-cbor", SizeRecordingSerializer.class.getName(), "pekko.actor.serialize-messages", "on",
        "pekko.serialization.jackson.allowed-class-prefix", java.util.List.of("org.vmflock."));
  }
}
