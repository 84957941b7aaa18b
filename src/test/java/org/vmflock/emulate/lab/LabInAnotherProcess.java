package org.vmflock.emulate.lab;

import java.time.Duration;
import java.util.List;

/**
 * A lab in a JVM of its own, for the clean-up tests to interrupt or kill: two linked sites, a VM
 * on each, one running {@code sleep}. Prints {@code READY <lab id>} once built, then waits for its
 * standard input to close (and closes the lab), or for a signal.
 */
public final class LabInAnotherProcess {

  private LabInAnotherProcess() {}

  public static void main(String[] args) throws Exception {
    EmulatedFederation lab = EmulatedFederation.create(FederationSpec.builder().site("a").site("b")
        .linkAll(WanLinkSpec.of(Duration.ofMillis(1), 100_000_000L)).build());
    EmulatedVm vm = lab.addVm("vm1", "a");
    lab.addVm("vm2", "b");
    Process sleeper = vm.processBuilder(List.of("sleep", "600")).start();
    HostCommands.await(Duration.ofSeconds(30), "the sleeper in vm1", () -> vm.pids().contains(sleeper.pid()));
    System.out.println("READY " + lab.id());
    System.out.flush();
    while (System.in.read() >= 0) {
      // until the test closes our input
    }
    lab.close();
  }
}
