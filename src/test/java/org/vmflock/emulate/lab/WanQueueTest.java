package org.vmflock.emulate.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A burst larger than a link's queue: the excess is dropped and counted, the rest arrives, and the counters add up. */
class WanQueueTest {

  private static final int DATAGRAMS = 1000;
  private static final int PAYLOAD_BYTES = 1400;
  /** Ethernet, IPv4 and UDP headers: what a datagram weighs on the link. */
  private static final int WIRE_BYTES = PAYLOAD_BYTES + 14 + 20 + 8;

  @Test
  void aQueueThatOverflowsDropsTheExcessAndCountsIt() throws Exception {
    String problem = EmulatedFederation.unavailableReason();
    assumeTrue(problem.isEmpty(), problem);
    WanLinkSpec spec = new WanLinkSpec(Duration.ofMillis(1), 10_000_000, WanLinkSpec.MIN_QUEUE_BYTES);
    try (EmulatedFederation lab = EmulatedFederation.create(
        FederationSpec.builder().site("a").site("b").link("a", "b", spec).build())) {
      EmulatedVm sender = lab.addVm("vm1", "a");
      EmulatedVm receiver = lab.addVm("vm2", "b");
      LinkProbe.pingRoundTrips(sender, receiver, 1, Duration.ofMillis(10)); // resolves the address first
      WanLink link = lab.link("a", "b");
      LinkCounters.Direction before = link.counters().aToB();

      LinkProbe.Burst burst = LinkProbe.udpBurst(sender, receiver, DATAGRAMS, PAYLOAD_BYTES, Duration.ofSeconds(3));

      LinkCounters.Direction after = link.counters().aToB();
      long frames = after.frames() - before.frames();
      long drops = after.drops() - before.drops();
      System.out.printf("burst of %d: %d received, link sent %d, dropped %d, most queued %d bytes of %d%n",
          DATAGRAMS, burst.received(), frames, drops, after.maxQueuedBytes(), spec.queueBytes());
      assertTrue(drops > DATAGRAMS / 2, "a 1.4 MB burst into a 128 KB queue drops most of it: " + drops);
      assertEquals(DATAGRAMS, frames + drops, "every datagram is either sent on or dropped");
      assertEquals(burst.received(), frames, "what the link sent on arrived");
      assertEquals(frames * WIRE_BYTES, after.bytes() - before.bytes());
      assertEquals(drops * WIRE_BYTES, after.dropBytes() - before.dropBytes());
      assertTrue(after.maxQueuedBytes() <= spec.queueBytes() && after.maxQueuedBytes() > spec.queueBytes() - WIRE_BYTES,
          "the queue filled up to its limit: " + after.maxQueuedBytes());
      assertEquals(0, after.queuedBytes(), "the queue drained");
      assertEquals(0, after.sendErrors());
    }
  }
}
