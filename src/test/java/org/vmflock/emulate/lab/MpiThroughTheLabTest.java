package org.vmflock.emulate.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The recipe of docs/emulation.md: mpirun in one VM starts a rank in another through the rsh
 * agent, and their messages cross the WAN link between the two sites.
 */
class MpiThroughTheLabTest {

  private static final int ROUND_TRIPS = 20;
  private static final int MESSAGE_BYTES = 1000;

  /** Rank 0 and rank 1 exchange a message ROUND_TRIPS times, after one untimed exchange that opens the connection. */
  private static final String PING_PONG = """
      #include <mpi.h>
      #include <stdio.h>
      static char buf[%2$d];
      static void exchange(int rank, int bytes) {
        if (rank == 0) {
          MPI_Send(buf, bytes, MPI_CHAR, 1, 0, MPI_COMM_WORLD);
          MPI_Recv(buf, bytes, MPI_CHAR, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
          MPI_Recv(buf, bytes, MPI_CHAR, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
          MPI_Send(buf, bytes, MPI_CHAR, 0, 0, MPI_COMM_WORLD);
        }
      }
      int main(int argc, char **argv) {
        int rank;
        MPI_Init(&argc, &argv);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        exchange(rank, 1);
        double start = MPI_Wtime();
        for (int i = 0; i < %1$d; i++) {
          exchange(rank, %2$d);
        }
        if (rank == 0) {
          printf("mean round trip %%.3f ms\\n", (MPI_Wtime() - start) / %1$d * 1e3);
        }
        MPI_Finalize();
        return 0;
      }
      """.formatted(ROUND_TRIPS, MESSAGE_BYTES);

  @Test
  void twoRanksOnTwoSitesTalkOverTheirLink() throws Exception {
    String problem = EmulatedFederation.unavailableReason();
    assumeTrue(problem.isEmpty(), problem);
    assumeTrue(HostCommands.locate("mpirun").isPresent() && HostCommands.locate("mpicc").isPresent(),
        "needs Open MPI (openmpi-bin, libopenmpi-dev)");
    Path dir = Files.createTempDirectory("vmflock-mpi-");
    WanLinkSpec spec = WanLinkSpec.of(Duration.ofMillis(5), 1_000_000_000L);
    try (EmulatedFederation lab = EmulatedFederation.create(FederationSpec.builder().site("a").site("b").linkAll(spec).build())) {
      Files.writeString(dir.resolve("pingpong.c"), PING_PONG);
      HostCommands.check("mpicc", "-O2", "-o", dir.resolve("pingpong").toString(), dir.resolve("pingpong.c").toString());
      EmulatedVm vm1 = lab.addVm("vm1", "a");
      EmulatedVm vm2 = lab.addVm("vm2", "b");
      Path agent = lab.writeRshAgent(dir.resolve("agent"));
      Files.writeString(dir.resolve("hosts"), vm1.ip() + " slots=1\n" + vm2.ip() + " slots=1\n");

      CommandResult r = vm1.run(Duration.ofSeconds(120), "mpirun", "--allow-run-as-root", "--hostfile", dir.resolve("hosts").toString(),
          "-np", "2", "--mca", "plm_rsh_agent", agent.toString(), "--mca", "btl", "tcp,self",
          "--mca", "btl_tcp_if_include", "eth0", "--mca", "oob_tcp_if_include", "eth0", dir.resolve("pingpong").toString());

      assertTrue(r.succeeded(), r.output());
      Matcher m = Pattern.compile("mean round trip ([0-9.]+) ms").matcher(r.output());
      assertTrue(m.find(), r.output());
      double roundTrip = Double.parseDouble(m.group(1));
      LinkCounters counters = lab.link("a", "b").counters();
      System.out.printf("MPI round trip %.3f ms over a link of %s RTT; link: %s%n", roundTrip, spec.roundTrip(), counters);
      assertTrue(roundTrip >= spec.roundTrip().toNanos() / 1e6, "no message can beat the link: " + roundTrip);
      for (LinkCounters.Direction d : List.of(counters.aToB(), counters.bToA())) {
        assertTrue(d.bytes() > (long) ROUND_TRIPS * MESSAGE_BYTES, "the messages crossed the link: " + d);
      }
    } finally {
      LabTool.deleteTree(dir);
    }
  }
}
