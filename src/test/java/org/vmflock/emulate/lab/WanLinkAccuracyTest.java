package org.vmflock.emulate.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A WAN link delays and rate-limits as configured: ping round trips and TCP goodput between two sites. */
class WanLinkAccuracyTest {

  private static final long GIGABIT = 1_000_000_000L;
  private static EmulatedFederation lab;
  private static EmulatedVm rennes;
  private static EmulatedVm nancy;

  @BeforeAll
  static void build() {
    String problem = EmulatedFederation.unavailableReason();
    assumeTrue(problem.isEmpty(), problem);
    lab = EmulatedFederation.create(FederationSpec.builder().site("rennes").site("nancy")
        .linkAll(WanLinkSpec.of(Duration.ofMillis(1), GIGABIT)).build());
    rennes = lab.addVm("vm1", "rennes");
    nancy = lab.addVm("vm2", "nancy");
  }

  @AfterAll
  static void close() {
    if (lab != null) {
      lab.close();
    }
  }

  @ParameterizedTest(name = "one-way {0} ms")
  @ValueSource(ints = {1, 5, 10})
  void pingRoundTripIsTwiceTheOneWayDelayWithin5PercentPlus200Microseconds(int oneWayMillis) {
    WanLinkSpec spec = WanLinkSpec.of(Duration.ofMillis(oneWayMillis), GIGABIT);
    lab.link("rennes", "nancy").reconfigure(spec);
    List<Duration> rtts = LinkProbe.pingRoundTrips(rennes, nancy, 20, Duration.ofMillis(20));
    double configured = spec.roundTrip().toNanos() / 1e6;
    double median = AccuracyMath.median(rtts);
    double tolerance = 0.05 * configured + 0.2;
    System.out.printf("one-way %d ms: RTT configured %.3f ms, median %.3f ms over %d pings (tolerance %.3f)%n",
        oneWayMillis, configured, median, rtts.size(), tolerance);
    assertTrue(Math.abs(median - configured) <= tolerance,
        "median RTT " + median + " ms, configured " + configured + " ms, all: " + rtts);
  }

  @ParameterizedTest(name = "{0} bit/s")
  @ValueSource(longs = {100_000_000L, GIGABIT})
  void tcpGoodputIsTheConfiguredRateWithin10Percent(long bitsPerSecond) throws Exception {
    lab.link("rennes", "nancy").reconfigure(WanLinkSpec.of(Duration.ofMillis(5), bitsPerSecond));
    LinkProbe.Goodput goodput = LinkProbe.tcpGoodput(rennes, nancy, Duration.ofSeconds(1), Duration.ofSeconds(2));
    double ratio = goodput.bitsPerSecond() / bitsPerSecond;
    System.out.printf("%d bit/s: TCP goodput %.1f Mbit/s (%.3f of the rate)%n", bitsPerSecond, goodput.bitsPerSecond() / 1e6, ratio);
    assertTrue(Math.abs(ratio - 1) <= 0.10, "goodput " + goodput.bitsPerSecond() + " bit/s for " + bitsPerSecond);
  }
}
