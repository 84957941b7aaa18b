package org.vmflock.emulate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Site;
import org.vmflock.scenario.Scenario;

/**
 * What an emulation builds from a scenario: a site of the lab per scenario site, a WAN link per
 * pair of sites with the path the scenario gives it (its latency is one way, as {@link
 * NetworkPath}'s and the forwarder's delay), and the scenario as the controller sees it, its links
 * as emulated. A path faster than the forwarder carries accurately here ({@code maxBitsPerSecond})
 * is scaled down to it, said in {@link #notes()}, and the controller is told the scaled rate: the
 * planner then models the link that really exists.
 *
 * @param scenario the scenario with every linked pair's bandwidth as emulated
 * @param federation the lab to build
 * @param notes what was changed, one line each
 */
public record EmulationSpec(Scenario scenario, FederationSpec federation, List<String> notes) {

  public EmulationSpec {
    notes = List.copyOf(notes);
  }

  /**
   * The lab for {@code s}: every pair of its sites linked by the path the scenario says (a declared
   * link or the default one), at most {@code maxBitsPerSecond}; every application must name a real
   * program ({@code program = NAME}).
   *
   * @throws InvalidInputException naming the scenario's setting that cannot be emulated
   */
  public static EmulationSpec of(Scenario s, long maxBitsPerSecond) {
    String source = s.source().toString();
    for (Scenario.ScenarioApplication a : s.applications()) {
      if (a.program().isEmpty() && a.qemu().isEmpty()) {
        throw new InvalidInputException(source + ": applications." + a.app().name(),
            "an emulation runs real programs: set program = NAME, or vm-kind = qemu (" + (a.profile().equals(Scenario.CUSTOM) ? "a written-out workload" : "profile "
                + a.profile()) + " is only modelled)");
      }
    }
    return ofSites(s, maxBitsPerSecond);
  }

  /**
   * The lab of {@code s}'s sites and links alone, as {@link #of} makes it, whatever its applications
   * are ({@code vmflock lab up}: the nodes bring their own).
   *
   * @throws InvalidInputException naming the scenario's setting that cannot be emulated
   */
  public static EmulationSpec ofSites(Scenario s, long maxBitsPerSecond) {
    String source = s.source().toString();
    if (s.infra().sites().size() > FederationSpec.MAX_SITES) {
      throw new InvalidInputException(source + ": sites", s.infra().sites().size() + " sites; a lab holds at most " + FederationSpec.MAX_SITES);
    }
    FederationSpec.Builder lab = FederationSpec.builder();
    s.infra().sites().forEach(site -> lab.site(site.name()));
    List<String> notes = new ArrayList<>();
    Infrastructure infra = s.infra();
    List<Site> sites = s.infra().sites();
    for (int i = 0; i < sites.size(); i++) {
      for (int j = i + 1; j < sites.size(); j++) {
        String a = sites.get(i).name();
        String b = sites.get(j).name();
        NetworkPath path;
        try {
          path = s.infra().path(a, b);
        } catch (RuntimeException e) {
          throw new InvalidInputException(source + ": links", "sites " + a + " and " + b + " have no path: " + e.getMessage());
        }
        long bits = Math.round(path.bytesPerSecond() * 8);
        if (bits > maxBitsPerSecond) {
          notes.add(String.format(Locale.ROOT, "link %s-%s: %s scaled down to %s, what one forwarder carries accurately here", a, b,
              rate(bits), rate(maxBitsPerSecond)));
          bits = maxBitsPerSecond;
          infra = infra.with(new Link(a, b, new NetworkPath(path.latency(), maxBitsPerSecond / 8.0)));
        }
        try {
          lab.link(a, b, WanLinkSpec.of(path.latency(), Math.max(bits, WanLinkSpec.MIN_BITS_PER_SECOND)));
        } catch (IllegalArgumentException e) {
          throw new InvalidInputException(source + ": links", "link " + a + "-" + b + " cannot be emulated: " + e.getMessage());
        }
      }
    }
    Scenario emulated = new Scenario(s.source(), s.start(), infra, s.applications(), s.simulation(), s.timeline(), s.currency());
    return new EmulationSpec(emulated, lab.build(), notes);
  }

  private static String rate(long bitsPerSecond) {
    return bitsPerSecond >= 1_000_000_000L ? String.format(Locale.ROOT, "%.3g Gbit/s", bitsPerSecond / 1e9)
        : String.format(Locale.ROOT, "%.3g Mbit/s", bitsPerSecond / 1e6);
  }
}
