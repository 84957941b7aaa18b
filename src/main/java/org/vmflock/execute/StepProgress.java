package org.vmflock.execute;

import org.vmflock.CborSerializable;

/**
 * How far a long step has come, as its actuator reports it while it runs (a pre-copy round, QEMU's
 * {@code query-migrate}): the round, the bytes sent so far and left to send, and the rate at which
 * the VM dirties its memory.
 */
public record StepProgress(MigrationStep step, int round, double bytesSent, double bytesLeft, double dirtyBytesPerSecond)
    implements CborSerializable {}
