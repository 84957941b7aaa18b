package org.vmflock.simulate.truth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmflock.model.Application;
import org.vmflock.model.CommunicationRounds;
import org.vmflock.model.CommunicationRounds.Hop;
import org.vmflock.model.CommunicationRounds.Kind;
import org.vmflock.model.CommunicationRounds.RoundClass;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.plan.RuntimeForecast;
import org.vmflock.scenario.NpbProfiles;

/** The simulator's truth: what it charges, and that it is not the estimator's sum of three terms. */
class MessageReplayModelTest {

  private static final double MB = 1e6;
  private static final NetworkPath LAN = new NetworkPath(Duration.ofNanos(50_000), 1250 * MB);
  private static final NetworkPath WAN = new NetworkPath(Duration.ofMillis(10), 125 * MB);
  private static final MessageReplayModel MODEL = new MessageReplayModel(TruthSettings.LV08_WARM);

  private static Infrastructure infra(double speedA, double speedB, NetworkPath link) {
    return new Infrastructure(List.of(RuntimeForecast.site("a", speedA, LAN), RuntimeForecast.site("b", speedB, LAN)),
        List.of(new Link("a", "b", link)), Optional.empty());
  }

  private static TrafficMatrix matrix(double[][] bytes) {
    List<String> vms = java.util.stream.IntStream.range(0, bytes.length).mapToObj(i -> "v" + (i + 1)).toList();
    return new TrafficMatrix(vms, new double[bytes.length][bytes.length], bytes);
  }

  private static double pace(MessageReplayModel.Rounds r, int[] sites, Infrastructure infra) {
    return MODEL.pace(r, sites, infra, 1, MessageReplayModel.CrossTraffic.NONE).secondsPerWork();
  }

  @Test
  void withoutMessagesAWorkSecondIsTheSlowestVmsCompute() {
    MessageReplayModel.Rounds r = MessageReplayModel.Rounds.of(matrix(new double[2][2]), CommunicationRounds.UNKNOWN, 10, new int[0],
        TruthSettings.LV08_WARM);
    assertEquals(0.5, pace(r, new int[] {0, 0}, infra(2, 1, WAN)), 1e-12);
    assertEquals(1.0, pace(r, new int[] {0, 1}, infra(2, 1, WAN)), 1e-12);
  }

  @Test
  void aRoundWaitsForItsOwnHopsNotForAnotherRoundsSlowPath() {
    // v1 <-> v2 exchange 400 rounds per work second (on site a); v1 <-> v3 one round (v3 on b, 10 ms away)
    double[][] bytes = new double[3][3];
    bytes[0][1] = bytes[1][0] = 400;
    bytes[0][2] = bytes[2][0] = 1;
    CommunicationRounds rounds = new CommunicationRounds(List.of(
        new RoundClass(Kind.EXCHANGE, 400, List.of(new Hop(0, 1), new Hop(1, 0))),
        new RoundClass(Kind.EXCHANGE, 1, List.of(new Hop(0, 2), new Hop(2, 0)))));
    MessageReplayModel.Rounds r = MessageReplayModel.Rounds.of(matrix(bytes), rounds, 0, new int[0], TruthSettings.LV08_WARM);
    double whole = pace(r, new int[] {0, 0, 0}, infra(1, 1, WAN));
    double pace = pace(r, new int[] {0, 0, 1}, infra(1, 1, WAN));
    // compute 1 s and 400 LAN hops of 50 us (0.02 s); the one WAN round's 10 ms at most (v3, idle the rest of the
    // time, sent its message long before v1 asks): never 401 x 10 ms as if every round crossed
    assertEquals(1.02, whole, 1e-4);
    assertTrue(pace >= whole && pace <= whole + 0.0101, "pace " + pace);
  }

  @Test
  void aMessageTakesItsLatencyAndItsTransferAtTheSharedRate() {
    // v1 and v2 each send 125 MB per work second to v3 on the other site, in one round: they share the 1 Gbit/s path
    double[][] bytes = new double[3][3];
    bytes[0][2] = 125 * MB;
    bytes[1][2] = 125 * MB;
    CommunicationRounds rounds = new CommunicationRounds(List.of(new RoundClass(Kind.EXCHANGE, 1, List.of(new Hop(0, 2), new Hop(1, 2)))));
    MessageReplayModel.Rounds r = MessageReplayModel.Rounds.of(matrix(bytes), rounds, 0, new int[0], TruthSettings.LV08_WARM);
    double pace = pace(r, new int[] {0, 0, 1}, infra(1, 1, WAN));
    // 1 s compute + 250 MB at 97 % of 125 MB/s (their acknowledgements go the other way); the 10 ms of latency once
    // only: nothing waits for an answer, so the next round's messages follow on the heels of this one's
    assertEquals(1 + 250 / (0.97 * 125), pace, 1e-6);
  }

  @Test
  void anotherApplicationsTrafficOnThePathSlowsTheTransfer() {
    double[][] bytes = new double[2][2];
    bytes[0][1] = 100 * MB;
    CommunicationRounds rounds = new CommunicationRounds(List.of(new RoundClass(Kind.EXCHANGE, 1, List.of(new Hop(0, 1)))));
    MessageReplayModel.Rounds r = MessageReplayModel.Rounds.of(matrix(bytes), rounds, 0, new int[0], TruthSettings.LV08_WARM);
    Infrastructure infra = infra(1, 1, WAN);
    double alone = pace(r, new int[] {0, 1}, infra);
    double shared = MODEL.pace(r, new int[] {0, 1}, infra, 1, (a, b) -> a == 0 && b == 1 ? new double[] {100 * MB} : new double[0])
        .secondsPerWork();
    // alone: 100 MB at 121.25 MB/s; with another flow wanting 100 MB/s: max-min halves the path, 100 MB at 60.6 MB/s
    assertEquals(1 + 100 / (0.97 * 125), alone, 1e-6);
    assertEquals(1 + 100 / (0.97 * 125 / 2), shared, 1e-6);
  }

  @Test
  void aSlowSiteHoldsBackOnlyThoseThatWaitForIt() {
    // two pairs that never talk to each other: the pair on the slow site sets the pace of its own rounds, the pace of the
    // application is its slowest VM's; the estimator charges its slowest CPU plus the sum of the rounds' slowest hops
    double[][] bytes = new double[4][4];
    bytes[0][1] = bytes[1][0] = bytes[2][3] = bytes[3][2] = 1000;
    CommunicationRounds rounds = new CommunicationRounds(List.of(
        new RoundClass(Kind.EXCHANGE, 100, List.of(new Hop(0, 1), new Hop(1, 0))),
        new RoundClass(Kind.EXCHANGE, 100, List.of(new Hop(2, 3), new Hop(3, 2)))));
    MessageReplayModel.Rounds r = MessageReplayModel.Rounds.of(matrix(bytes), rounds, 0, new int[0], TruthSettings.LV08_WARM);
    Infrastructure infra = infra(1, 0.5, WAN);
    double pace = pace(r, new int[] {0, 0, 1, 1}, infra);
    // the slow pair: 2 s of compute and its 100 rounds of LAN latency (50 us each, and a few us of transfer)
    assertEquals(2 + 100 * 0.00005, pace, 2e-4);
  }

  @Test
  void noNpbProfileSplitOverTwoEqualSitesIsFasterThanOnOne() {
    for (String name : NpbProfiles.names().stream().filter(n -> n.contains(".A.") || n.contains(".C.64")).toList()) {
      Application app = NpbProfiles.application(NpbProfiles.lookupOrThrow(name), name.replace('.', '-'), 3600, Objective.TIME,
          Optional.empty(), Optional.empty());
      MessageReplayModel.Rounds r = MessageReplayModel.Rounds.of(app, TruthSettings.LV08_WARM);
      int n = r.vms();
      int[] one = new int[n];
      int[] halves = new int[n];
      int[] alternate = new int[n];
      for (int v = 0; v < n; v++) {
        halves[v] = v < n / 2 ? 0 : 1;
        alternate[v] = v % 2;
      }
      for (NetworkPath link : List.of(WAN, new NetworkPath(Duration.ofNanos(100_000), 1250 * MB))) {
        Infrastructure infra = infra(1, 1, link);
        double whole = pace(r, one, infra);
        assertTrue(pace(r, halves, infra) >= whole * (1 - 1e-9), name + " split in halves faster than whole: " + pace(r, halves, infra) + " < " + whole);
        assertTrue(pace(r, alternate, infra) >= whole * (1 - 1e-9), name + " split alternately faster than whole");
      }
    }
  }

  /** Three sites a, b, c, speed 1, LAN inside, WAN between; a's switch and uplink as given (bytes/s, 0: not limited). */
  private static Infrastructure fabric(double backbone, double uplink) {
    org.vmflock.model.Site a = RuntimeForecast.site("a", 1, LAN).withFabric(new org.vmflock.model.SiteFabric(backbone, uplink));
    return new Infrastructure(List.of(a, RuntimeForecast.site("b", 1, LAN), RuntimeForecast.site("c", 1, LAN)),
        List.of(new Link("a", "b", WAN), new Link("a", "c", WAN), new Link("b", "c", WAN)), Optional.empty());
  }

  @Test
  void aSitesUplinkIsSharedByWhatLeavesItForAnySite() {
    // v1 on a sends 100 MB per work second to v2 on b; a's uplink 50 MB/s, below the path's 125
    double[][] bytes = new double[2][2];
    bytes[0][1] = 100 * MB;
    CommunicationRounds rounds = new CommunicationRounds(List.of(new RoundClass(Kind.EXCHANGE, 1, List.of(new Hop(0, 1)))));
    MessageReplayModel.Rounds r = MessageReplayModel.Rounds.of(matrix(bytes), rounds, 0, new int[0], TruthSettings.LV08_WARM);
    assertEquals(1 + 100 / (0.97 * 125), pace(r, new int[] {0, 1}, fabric(0, 0)), 1e-6);
    assertEquals(1 + 100 / (0.97 * 50), pace(r, new int[] {0, 1}, fabric(0, 50 * MB)), 1e-6);
    // another application sending from a to c (another path) shares a's uplink: half of it each
    double shared = MODEL.pace(r, new int[] {0, 1}, fabric(0, 50 * MB), 1, (x, y) -> x == 0 && y == 2 ? new double[] {100 * MB} : new double[0])
        .secondsPerWork();
    assertEquals(1 + 100 / (0.97 * 25), shared, 1e-6);
    // without the uplink, traffic from a to c is not on this one's route
    double apart = MODEL.pace(r, new int[] {0, 1}, fabric(0, 0), 1, (x, y) -> x == 0 && y == 2 ? new double[] {100 * MB} : new double[0])
        .secondsPerWork();
    assertEquals(1 + 100 / (0.97 * 125), apart, 1e-6);
  }

  @Test
  void aBlockingSwitchIsSharedByEveryMessageThroughIt() {
    // v1 -> v2 and v3 -> v4, 100 MB each per work second in one round, all on a, whose switch carries 100 MB/s
    double[][] bytes = new double[4][4];
    bytes[0][1] = 100 * MB;
    bytes[2][3] = 100 * MB;
    CommunicationRounds rounds = new CommunicationRounds(List.of(new RoundClass(Kind.EXCHANGE, 1, List.of(new Hop(0, 1), new Hop(2, 3)))));
    MessageReplayModel.Rounds r = MessageReplayModel.Rounds.of(matrix(bytes), rounds, 0, new int[0], TruthSettings.LV08_WARM);
    double open = pace(r, new int[] {0, 0, 0, 0}, fabric(0, 0));
    double blocking = pace(r, new int[] {0, 0, 0, 0}, fabric(100 * MB, 0));
    // open: each at its interface's 1250 MB/s; blocking: 200 MB through 97 MB/s, their acknowledgements too
    assertEquals(1 + 100 / (0.97 * 1250), open, 1e-6);
    assertEquals(1 + 200 * (1 + TruthSettings.LV08_WARM.ackWeight()) / (0.97 * 100), blocking, 1e-6);
  }
}
