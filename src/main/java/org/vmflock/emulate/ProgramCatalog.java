package org.vmflock.emulate;

import java.util.List;
import java.util.Optional;
import org.vmflock.emulate.apps.EmulationProfiles;
import org.vmflock.emulate.apps.MeasuredProfile;
import org.vmflock.emulate.apps.MpiProgram;
import org.vmflock.emulate.apps.MpiPrograms;
import org.vmflock.scenario.Profile;
import org.vmflock.scenario.ProfileCatalog;

/**
 * The real programs a scenario may name for an emulation ({@code program = "lammps"}): those of
 * {@link MpiPrograms}. A program measured on an application's rank count ({@code lammps.4}, {@link
 * EmulationProfiles}) brings its measured profile (traffic, work, dirty rate); one not measured on
 * it is modelled as the scenario writes it out.
 */
public final class ProgramCatalog implements ProfileCatalog {

  public static final ProgramCatalog INSTANCE = new ProgramCatalog();

  private ProgramCatalog() {}

  @Override
  public Optional<Profile> lookup(String name) {
    return EmulationProfiles.lookup(name).map(MeasuredProfile::toProfile);
  }

  @Override
  public List<String> names() {
    return MpiPrograms.names();
  }

  /** The program of that name (a scenario read with this catalog names only those). */
  public static MpiProgram program(String name) {
    return MpiPrograms.lookupOrThrow(name);
  }
}
