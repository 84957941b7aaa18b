package org.vmflock.emulate;

import java.util.List;
import java.util.Optional;
import org.vmflock.emulate.apps.MpiProgram;
import org.vmflock.emulate.apps.MpiPrograms;
import org.vmflock.scenario.Profile;
import org.vmflock.scenario.ProfileCatalog;

/**
 * The real programs a scenario may name for an emulation ({@code program = "lammps"}): those of
 * {@link MpiPrograms}. A program's measured profile would be its planner profile; none is measured
 * yet, so an application names its program and writes out the workload the planner believes.
 */
public final class ProgramCatalog implements ProfileCatalog {

  public static final ProgramCatalog INSTANCE = new ProgramCatalog();

  private ProgramCatalog() {}

  @Override
  public Optional<Profile> lookup(String name) {
    return Optional.empty();
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
