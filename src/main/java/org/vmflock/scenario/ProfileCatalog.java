package org.vmflock.scenario;

import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where a scenario file finds the NAS-like profiles its applications name ({@code profile =
 * "cg.B.16"}). {@link #NPB} is the product's: {@link NpbProfiles}.
 */
public interface ProfileCatalog {

  /** The profiles of {@link NpbProfiles}. */
  ProfileCatalog NPB = new ProfileCatalog() {
    @Override
    public Optional<Profile> lookup(String name) {
      return NpbProfiles.lookup(name);
    }

    @Override
    public List<String> names() {
      return NpbProfiles.names();
    }
  };

  /** No profile at all. */
  ProfileCatalog NONE = new ProfileCatalog() {
    @Override
    public Optional<Profile> lookup(String name) {
      return Optional.empty();
    }

    @Override
    public List<String> names() {
      return List.of();
    }
  };

  Optional<Profile> lookup(String name);

  /** The names of the profiles that exist, sorted. */
  List<String> names();

  /**
   * Why {@code name} is no profile, told from the names that exist ({@code <benchmark>.<class>.<vms>}):
   * the VM counts of that benchmark and class, or the classes of that benchmark, or the benchmarks.
   */
  default String whyUnknown(String name) {
    List<String> known = names();
    String[] parts = name.split("\\.");
    TreeMap<String, TreeSet<Integer>> vmsByBenchmarkClass = new TreeMap<>();
    TreeMap<String, TreeSet<String>> classesByBenchmark = new TreeMap<>();
    for (String k : known) {
      String[] p = k.split("\\.");
      if (p.length == 3) {
        classesByBenchmark.computeIfAbsent(p[0], b -> new TreeSet<>()).add(p[1]);
        try {
          vmsByBenchmarkClass.computeIfAbsent(p[0] + "." + p[1], b -> new TreeSet<>()).add(Integer.parseInt(p[2]));
        } catch (NumberFormatException e) {
          // a name of another shape: listed with the benchmarks only
        }
      }
    }
    String prefix = "unknown profile '" + name + "'";
    if (parts.length != 3) {
      return prefix + " (profiles are named <benchmark>.<class>.<vms>, e.g. cg.A.4; known: " + summary(known) + ")";
    }
    TreeSet<Integer> vms = vmsByBenchmarkClass.get(parts[0] + "." + parts[1]);
    if (vms != null) {
      return prefix + " (" + parts[0] + "." + parts[1] + " exists for " + vms + " VMs)";
    }
    TreeSet<String> classes = classesByBenchmark.get(parts[0]);
    if (classes != null) {
      return prefix + " (" + parts[0] + " exists in classes " + classes + ")";
    }
    return prefix + " (benchmarks: " + classesByBenchmark.keySet() + "; known: " + summary(known) + ")";
  }

  private static String summary(List<String> known) {
    return known.size() <= 12 ? String.join(", ", known) : String.join(", ", known.subList(0, 12)) + " and " + (known.size() - 12) + " more";
  }
}
