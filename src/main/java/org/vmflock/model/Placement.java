package org.vmflock.model;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** Which site each VM runs on. A VM with no site is not placed yet (a new application). */
public record Placement(SortedMap<String, String> siteOfVm) {

  public static final Placement EMPTY = new Placement(new TreeMap<>());

  public Placement {
    siteOfVm = Collections.unmodifiableSortedMap(new TreeMap<>(siteOfVm));
  }

  public static Placement of(Map<String, String> siteOfVm) {
    return new Placement(new TreeMap<>(siteOfVm));
  }

  /** Every VM of {@code vms} on {@code site}. */
  public static Placement all(List<String> vms, String site) {
    TreeMap<String, String> m = new TreeMap<>();
    vms.forEach(v -> m.put(v, site));
    return new Placement(m);
  }

  public Optional<String> siteOf(String vm) {
    return Optional.ofNullable(siteOfVm.get(vm));
  }

  public Placement with(String vm, String site) {
    TreeMap<String, String> m = new TreeMap<>(siteOfVm);
    m.put(vm, site);
    return new Placement(m);
  }

  /** The placement of {@code vms} only. */
  public Placement restrictedTo(List<String> vms) {
    TreeMap<String, String> m = new TreeMap<>();
    vms.forEach(v -> siteOf(v).ifPresent(s -> m.put(v, s)));
    return new Placement(m);
  }

  public boolean places(List<String> vms) {
    return vms.stream().allMatch(siteOfVm::containsKey);
  }
}
