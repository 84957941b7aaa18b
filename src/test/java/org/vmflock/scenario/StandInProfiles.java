package org.vmflock.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmflock.model.TrafficMatrix;

/**
 * The product's profiles, and for a well-formed name that {@link NpbProfiles} does not have (yet) a
 * stand-in: a ring of the named number of VMs, 1 MB per work second to each neighbour. Lets the
 * scenarios of {@code simulations/} be checked whichever generated profiles exist.
 */
final class StandInProfiles implements ProfileCatalog {

  static final StandInProfiles INSTANCE = new StandInProfiles();
  private static final Pattern NAME = Pattern.compile("(cg|mg|ep|is|lu|ft|bt|sp)\\.([SWABCDEF])\\.([0-9]+)");
  static final double NEIGHBOUR_BYTES_PER_WORK = 1e6;

  private StandInProfiles() {}

  @Override
  public Optional<Profile> lookup(String name) {
    Optional<Profile> real = NpbProfiles.lookup(name);
    if (real.isPresent()) {
      return real;
    }
    Matcher m = NAME.matcher(name);
    if (!m.matches()) {
      return Optional.empty();
    }
    int n = Integer.parseInt(m.group(3));
    List<String> vms = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      vms.add("vm" + i);
    }
    double[][] bytes = new double[n][n];
    double[][] packets = new double[n][n];
    for (int i = 0; i < n && n > 1; i++) {
      bytes[i][(i + 1) % n] += NEIGHBOUR_BYTES_PER_WORK;
      bytes[(i + 1) % n][i] += NEIGHBOUR_BYTES_PER_WORK;
      packets[i][(i + 1) % n] += 700;
      packets[(i + 1) % n][i] += 700;
    }
    return Optional.of(new Profile(name, m.group(1), m.group(2), n, new TrafficMatrix(vms, packets, bytes), 100, 20e6, "small", 60,
        "test stand-in"));
  }

  @Override
  public List<String> names() {
    return NpbProfiles.names();
  }

  static boolean isStandIn(Profile p) {
    return p.origin().equals("test stand-in");
  }
}
