package org.vmflock.emulate.apps;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.vmflock.model.Application;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Objective;
import org.vmflock.scenario.NpbProfiles;
import org.vmflock.scenario.Profile;
import org.vmflock.scenario.ProfileCatalog;

/**
 * The measured profiles of the real programs ({@link MeasuredProfile}), shipped under
 * {@code /profiles/emulation/<program>.<ranks>.json}: a {@link ProfileCatalog} whose names are
 * {@code <program>.<ranks>} and, for a program alone ({@code lammps}), its 4-rank profile.
 */
public final class EmulationProfiles {

  /** The ranks of the profile a bare program name stands for. */
  public static final int DEFAULT_RANKS = 4;
  private static final String RESOURCES = "/profiles/emulation/";
  private static final Map<String, MeasuredProfile> MEASURED = new TreeMap<>();

  static {
    for (MpiProgram p : MpiPrograms.all()) {
      for (int ranks : p.supportedRanks()) {
        String name = p.name() + "." + ranks;
        try (InputStream in = EmulationProfiles.class.getResourceAsStream(RESOURCES + name + ".json")) {
          if (in != null) {
            MEASURED.put(name, MeasuredProfile.read(in.readAllBytes(), RESOURCES + name + ".json"));
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + RESOURCES + name + ".json", e);
        }
      }
    }
  }

  /** The catalog of the measured profiles, for scenario files ({@code program = "lammps"}). */
  public static final ProfileCatalog CATALOG = new ProfileCatalog() {
    @Override
    public Optional<Profile> lookup(String name) {
      return EmulationProfiles.lookup(name).map(MeasuredProfile::toProfile);
    }

    @Override
    public List<String> names() {
      return EmulationProfiles.names();
    }

    @Override
    public String whyUnknown(String name) {
      return "unknown program '" + name + "' (measured: " + String.join(", ", names()) + ")";
    }
  };

  private EmulationProfiles() {}

  /** The measured profile of {@code program.ranks}, or of a bare program name on 4 ranks. */
  public static Optional<MeasuredProfile> lookup(String name) {
    return Optional.ofNullable(MEASURED.get(name.contains(".") ? name : name + "." + DEFAULT_RANKS));
  }

  /** The names measured: each {@code <program>.<ranks>}, and each program alone when it has a 4-rank profile. */
  public static List<String> names() {
    List<String> names = new ArrayList<>(MEASURED.keySet());
    for (String p : MpiPrograms.names()) {
      if (MEASURED.containsKey(p + "." + DEFAULT_RANKS)) {
        names.add(p);
      }
    }
    return names.stream().sorted().toList();
  }

  /**
   * The application {@code appName} running {@code program} on {@code ranks} VMs
   * ({@code <appName>-vm1..N}), its measured traffic, syncs, dirty rate and wall time as its work.
   *
   * @throws InvalidInputException for an unknown program, or ranks not measured
   */
  public static Application application(String program, String appName, int ranks) {
    MpiPrograms.lookupOrThrow(program);
    MeasuredProfile m = MEASURED.get(program + "." + ranks);
    if (m == null) {
      throw new InvalidInputException("program " + program, "no profile measured on " + ranks + " ranks (measured: " + names() + ")");
    }
    Profile p = m.toProfile();
    return NpbProfiles.application(p, appName, p.defaultWorkSeconds(), Objective.TIME, Optional.<Instant>empty(), Optional.empty());
  }
}
