package org.vmflock.emulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.ManualClock;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.emulate.lab.LinkProbe;
import org.vmflock.emulate.lab.OverlayFdb;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.SagaEvent;
import org.vmflock.execute.SagaPhase;
import org.vmflock.execute.SagaRunner;
import org.vmflock.execute.StepDetails;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Vm;
import org.vmflock.monitor.capture.NetworkNamespace;
import org.vmflock.plan.QemuPreCopyModel;

/**
 * The emulated actuator over a VXLAN federation (E3): a namespace VM of cluster {@code app} moves
 * from site a to b by the saga while a VM of its cluster on site c keeps a TCP connection to it
 * and pings it every 10 ms; the network update (its first answer lost, so asked twice) points every
 * site's FDB entry of its MAC at b (read from the kernel). Before that, a migration rolled back
 * leaves them pointing at a.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OverlayMigrationTest {

  private static final String CLUSTER = "app";
  private static final long RATE = 1_000_000_000L;
  private static final Duration DELAY = Duration.ofMillis(5);
  private static final long MEMORY = 16L << 20;
  private static final long DIRTY_RATE = 4L << 20;
  private static final int TCP_PORT = 7100;

  private static EmulatedFederation lab;
  private static EmulatedVm mover;
  private static Process workload;

  @TempDir
  static Path dir;

  @BeforeAll
  static void build() throws Exception {
    lab = TestLabs.create(FederationSpec.builder().site("a").site("b").site("c").linkAll(WanLinkSpec.of(DELAY, RATE))
        .overlay(FederationSpec.Overlay.VXLAN).build());
    mover = lab.addVm("mover", "a", CLUSTER);
    workload = mover.memoryWorkload(MEMORY, DIRTY_RATE, dir.resolve("counter")).start();
    Polling.until(Duration.ofSeconds(20), "the workload's memory resident", () -> mover.residentBytes() >= MEMORY);
  }

  @AfterAll
  static void close() {
    if (workload != null) {
      workload.destroyForcibly();
    }
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  @Order(1)
  void aRolledBackMigrationLeavesTheForwardingAtTheSource() {
    EmulatedActuator.Faults faults = (order, step, attempt) -> step == MigrationStep.STOP_AND_COPY ? EmulatedActuator.Fault.FAIL_MIDWAY
        : EmulatedActuator.Fault.NONE;
    EmulatedActuator actuator = actuator(faults);

    SagaRunner.SagaRun run = new SagaRunner(actuator, new ManualClock(Instant.EPOCH)).run(order("m-fault"));

    assertEquals(SagaPhase.ROLLED_BACK, run.state().phase(), () -> "the saga: " + run.events());
    assertEquals("a", mover.site());
    assertForwardedTo("a");
    assertEquals(List.of(), LabInvariants.violations(lab, actuator));
  }

  @Test
  @Order(2)
  void aConnectionFromAnotherSiteSurvivesTheMove() throws Exception {
    EmulatedVm peer = lab.addVm("peer", "c", CLUSTER);
    // the network update's first answer lost: the saga asks again, and the step finds its effect
    EmulatedActuator actuator = actuator((order, step, attempt) -> step == MigrationStep.NETWORK_UPDATE && attempt == 1
        ? EmulatedActuator.Fault.FAIL_AFTER : EmulatedActuator.Fault.NONE);
    try (TcpPings tcp = TcpPings.open(mover, peer)) {
      LinkProbe.PingTrace icmp = LinkProbe.startPings(peer, mover.ip().toString(), Duration.ofMillis(10));
      tcp.awaitAnswers(5);

      SagaRunner.SagaRun run = new SagaRunner(actuator, new ManualClock(Instant.EPOCH)).run(order("m-move"));

      icmp.awaitReply(Duration.ofSeconds(10));
      int answered = tcp.answers();
      tcp.awaitAnswers(answered + 5);
      LinkProbe.Outcome pings = icmp.stop();
      assertEquals(SagaPhase.COMPLETED, run.state().phase(), () -> "the saga: " + run.events());
      assertTrue(run.events().stream().anyMatch(e -> e instanceof SagaEvent.StepSucceeded d && d.step() == MigrationStep.NETWORK_UPDATE
          && d.attempt() == 2 && d.details().equals(StepDetails.ALREADY_DONE)), () -> "the network update asked again: " + run.events());
      System.out.printf("namespace VM a -> b over VXLAN: ICMP every 10 ms from c: %s; TCP every 10 ms from c: %d answers, longest silence %.0f ms%n",
          pings, tcp.answers(), tcp.longestSilenceNanos() / 1e6);
      assertEquals("b", mover.site());
      assertForwardedTo("b");
      assertTrue(tcp.answers() > answered, "the same TCP connection answers after the move");
      assertTrue(pings.lost() < 1000 && pings.longestGap().compareTo(Duration.ofSeconds(10)) < 0, "the silence ended: " + pings);
      assertEquals(List.of(), LabInvariants.violations(lab, actuator));
    }
  }

  /** From the kernel: every site forwards the VM's MAC to its port at {@code site}. */
  private static void assertForwardedTo(String site) {
    OverlayFdb.assertForwardedTo(lab, CLUSTER, mover.mac(), site, "vmfl-v" + mover.number());
  }

  private static EmulatedActuator actuator(EmulatedActuator.Faults faults) {
    return new EmulatedActuator(lab, Map.of("a", 4, "b", 4, "c", 4), new ManualClock(Instant.EPOCH), EmulatedActuator.Settings.defaults(), faults);
  }

  private static MigrationOrder order(String id) {
    Vm spec = new Vm("mover", "small", 1, MEMORY, DIRTY_RATE);
    EmulatedActuator.Settings defaults = EmulatedActuator.Settings.defaults();
    QemuPreCopyModel model = new QemuPreCopyModel(QemuPreCopyModel.Settings.ideal(Duration.ofMillis(100), defaults.maxRounds()), defaults.policy());
    return new MigrationOrder(id, CLUSTER, "mover", spec, "a", "b", model.estimate(spec, new NetworkPath(DELAY, RATE / 8.0)), Instant.EPOCH);
  }

  /**
   * One TCP connection from {@code client}'s namespace to a line echo in {@code server}'s (a thread
   * whose socket is in the VM's namespace), a line sent and its echo awaited every 10 ms.
   */
  private static final class TcpPings implements AutoCloseable {
    private final ServerSocket listener;
    private final Socket connection;
    private final BufferedReader replies;
    private final CompletableFuture<Void> echo;
    private final ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor();
    private volatile int answers;
    private volatile long lastAnswerNanos = System.nanoTime();
    private volatile long longestSilenceNanos;

    private TcpPings(ServerSocket listener, Socket connection) throws java.io.IOException {
      this.listener = listener;
      this.connection = connection;
      this.replies = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.US_ASCII));
      this.echo = CompletableFuture.runAsync(this::echo);
      pinger.scheduleAtFixedRate(this::ping, 0, 10, TimeUnit.MILLISECONDS);
    }

    static TcpPings open(EmulatedVm server, EmulatedVm client) throws Exception {
      InetAddress address = InetAddress.getByName(server.ip().toString());
      ServerSocket listener = NetworkNamespace.call(server.namespace(), () -> new ServerSocket(TCP_PORT, 1, address));
      Socket connection = NetworkNamespace.call(client.namespace(), () -> {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(address, TCP_PORT), 5000);
        s.setTcpNoDelay(true);
        return s;
      });
      return new TcpPings(listener, connection);
    }

    private void echo() {
      try (Socket s = listener.accept()) {
        s.setTcpNoDelay(true);
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        OutputStream out = s.getOutputStream();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
          out.flush();
        }
      } catch (java.io.IOException e) {
        // closed at the end
      }
    }

    /** One round trip on the connection (a tick of the pinger: the next waits for this one). */
    private void ping() {
      try {
        OutputStream out = connection.getOutputStream();
        out.write("ping\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        if (replies.readLine() != null) {
          long now = System.nanoTime();
          longestSilenceNanos = Math.max(longestSilenceNanos, now - lastAnswerNanos);
          lastAnswerNanos = now;
          answers++;
        }
      } catch (java.io.IOException e) {
        // closed at the end
      }
    }

    int answers() {
      return answers;
    }

    long longestSilenceNanos() {
      return longestSilenceNanos;
    }

    void awaitAnswers(int n) {
      Polling.until(Duration.ofSeconds(30), n + " TCP answers", () -> answers >= n);
    }

    @Override
    public void close() throws Exception {
      pinger.shutdownNow();
      connection.close();
      listener.close();
      echo.join();
    }
  }
}
