package org.vmflock.emulate.hypervisors;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.StepDetails;
import org.vmflock.execute.StepProgress;
import org.vmflock.execute.StepResult;
import org.vmflock.model.Application;
import org.vmflock.simulate.SimulatedFederation;

/**
 * What the simulated hypervisors' process ({@link HypervisorsServer}) and the nodes that drive it
 * ({@link RemoteHypervisors}) say to each other over HTTP, as JSON: a step or a compensation to do
 * (keyed, as every actuator's, by migration, step and attempt), its answer, an application's VMs to
 * boot or stop, and the world as the hypervisors hold it.
 *
 * <pre>
 * POST /steps/perform     {"order": {...}, "step": "PRECOPY", "attempt": 1}  -> a {@link StepAnswer}
 * POST /steps/compensate  {"order": {...}, "step": "DISCARD_DESTINATION", "attempt": 1}  -> a {@link StepAnswer}
 * POST /boot              {"app": {...}, "siteOfVm": {"vm1": "east", ...}}  -> {"booted": "app"}
 * POST /stop              {"app": {...}}  -> {"stopped": "app"}
 * GET  /world[?after=VM&amp;limit=N]  -> a {@link World}
 * GET  /traffic?site=S&amp;at=MICROS[,MICROS...]  -> a {@link SiteTraffic}
 * GET  /health            -> {"status": "up"}
 * </pre>
 *
 * A request that cannot be read is answered 400, an unknown path 404, a failure of the hypervisors
 * themselves 500; each with {@code {"error": why}}.
 */
public final class HypervisorsProtocol {

  private HypervisorsProtocol() {}

  /** The JSON both ends read and write (records, {@link Optional}s, instants as text, durations in seconds). */
  public static final ObjectMapper JSON = new ObjectMapper().registerModule(new Jdk8Module()).registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  /** A step or compensation of a migration to do; {@code attempt} counts from 1. */
  public record StepRequest(MigrationOrder order, MigrationStep step, int attempt) {}

  /**
   * A {@link StepResult} on the wire: done (with its details) or failed (with its reason, definite
   * or not), how long it took, and the progress the step reported while it ran.
   */
  public record StepAnswer(boolean done, Duration took, Optional<StepDetails> details, String reason, boolean definite,
      List<StepProgress> progress) {
    public StepAnswer {
      progress = List.copyOf(progress);
    }

    public static StepAnswer of(StepResult r, List<StepProgress> progress) {
      if (r instanceof StepResult.Done d) {
        return new StepAnswer(true, d.took(), Optional.of(d.details()), "", false, progress);
      }
      StepResult.Failed f = (StepResult.Failed) r;
      return new StepAnswer(false, f.took(), Optional.empty(), f.reason(), f.definite(), progress);
    }

    public StepResult result() {
      return done ? new StepResult.Done(took, details.orElse(StepDetails.NONE)) : new StepResult.Failed(took, reason, definite);
    }
  }

  /** An application's VMs to start where the planner placed them. */
  public record BootRequest(Application app, Map<String, String> siteOfVm) {}

  /** An application's VMs to stop. */
  public record StopRequest(Application app) {}

  /**
   * The traffic of the VMs that ran at {@code site} at any of the instants asked ({@code at}, epoch
   * microseconds, none after {@code nowMicros}), as cumulative counters read at each of them: a
   * poller that asks at the ends of its periods takes each period's traffic as the difference of two
   * readings, the same however often or late it asks. Each VM with the number of its network
   * interface ({@link org.vmflock.simulate.SimulatedFederation#endpoint}), each reading with whether
   * the VM was at the site then. {@code sinceMicros}: the earliest instant the counters can be read
   * at (before, they read nothing).
   */
  public record SiteTraffic(String site, long nowMicros, long sinceMicros, List<VmCounters> vms) {
    public SiteTraffic {
      vms = List.copyOf(vms);
    }
  }

  /** One VM's readings, in the order of the instants asked. */
  public record VmCounters(String vm, int nic, List<Reading> readings) {
    public VmCounters {
      readings = List.copyOf(readings);
    }
  }

  /** What a VM received from each sender, cumulative, at {@code atMicros}, and whether it was at the site then. */
  public record Reading(long atMicros, boolean here, List<TrafficMeter.Count> received) {
    public Reading {
      received = List.copyOf(received);
    }
  }

  /** A step the hypervisors are doing now, since {@code since}. */
  public record InFlight(String migrationId, String vm, MigrationStep step, int attempt, Instant since) {}

  /**
   * A page of the world (sites, VMs with their instances, reservations), the steps being done now,
   * and how many steps or compensations were asked again and found done (a saga that lost the
   * answer, or resumed on another node, asks again).
   */
  public record World(SimulatedFederation.WorldPage page, List<InFlight> inFlight, long foundDone) {
    public World {
      inFlight = List.copyOf(inFlight);
    }
  }
}
