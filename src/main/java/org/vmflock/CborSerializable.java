package org.vmflock;

/**
 * Marker for every message and persistent event of vmflock. Bound to Pekko's {@code jackson-cbor}
 * serializer in {@code reference.conf}, so anything that crosses an actor boundary or reaches the
 * journal is encoded the same way on every node.
 */
public interface CborSerializable {}
