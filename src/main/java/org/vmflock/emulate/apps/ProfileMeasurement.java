package org.vmflock.emulate.apps;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.model.TrafficMatrix;

/**
 * Measures a program's profile in the lab: one site, one VM per rank, a live capture on the site's
 * bridge ({@link SiteCaptures}) for the whole run; once the run is a third through (by its own
 * progress), the pages the VMs' processes wrote over one second ({@link DirtyPages}); the VMs' resident memory at that point.
 */
public final class ProfileMeasurement {

  /** The window over which dirtied pages are counted. */
  static final Duration DIRTY_WINDOW = Duration.ofSeconds(1);
  private static final double DIRTY_AT_PROGRESS = 1.0 / 3;
  private static final Duration POLL = Duration.ofMillis(100);

  private ProfileMeasurement() {}

  /**
   * Runs {@code program} on {@code ranks} VMs of one site in a new lab, in {@code workDir}.
   *
   * @throws IllegalStateException when the run is not verified (its reason) or a capture failed
   */
  public static MeasuredProfile measure(MpiProgram program, int ranks, Path workDir, Duration timeout, String command,
      Consumer<String> progress) throws InterruptedException {
    try (EmulatedFederation lab = EmulatedFederation.create(FederationSpec.builder().site("s").build())) {
      List<EmulatedVm> vms = new ArrayList<>();
      for (int i = 1; i <= ranks; i++) {
        vms.add(lab.addVm("vm" + i, "s"));
      }
      double load = Machine.loadAverage();
      String at = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
      long resident = 0;
      double dirty = Double.NaN;
      try (SiteCaptures captures = SiteCaptures.start(lab, vms, SiteCaptures.DEFAULT_SETTINGS);
          MpiRun run = MpiRun.start(lab, program, vms, workDir)) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!run.finished() && System.nanoTime() < deadline) {
          if (Double.isNaN(dirty) && run.progress() >= DIRTY_AT_PROGRESS) {
            List<List<Long>> pids = vms.stream().map(EmulatedVm::pids).toList();
            long t0 = System.nanoTime();
            List<DirtyPages.Snapshot> before = pids.stream().map(DirtyPages::take).toList();
            run.waitFor(DIRTY_WINDOW);
            List<DirtyPages.Snapshot> after = pids.stream().map(DirtyPages::take).toList();
            double window = (System.nanoTime() - t0) / 1e9;
            double sum = 0;
            long read = after.stream().mapToLong(DirtyPages.Snapshot::bytes).sum();
            for (int i = 0; i < vms.size(); i++) {
              sum += DirtyPages.changedBytes(before.get(i), after.get(i));
              resident = Math.max(resident, vms.get(i).residentBytes());
            }
            dirty = sum / vms.size() / window;
            progress.accept(String.format(java.util.Locale.ROOT, "%s: %.1f MB dirtied per VM-second (of %.0f MB of writable pages in %d processes, over %.2f s), %.0f MB resident per VM",
                program.name(), dirty / 1e6, read / 1e6, pids.stream().mapToInt(List::size).sum(), window, resident / 1e6));
          }
          captures.drain();
          run.waitFor(POLL);
        }
        MpiOutcome outcome = run.await(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        TrafficMatrix traffic = captures.stop();
        if (!outcome.verified()) {
          throw new IllegalStateException("profile of " + program.name() + ": " + outcome.reason());
        }
        if (Double.isNaN(dirty)) {
          throw new IllegalStateException("profile of " + program.name() + ": the run ended before its dirty rate was measured");
        }
        return new MeasuredProfile(program.name(), ranks, outcome.wallSeconds(), traffic, dirty, resident, load, at, command);
      }
    }
  }
}
