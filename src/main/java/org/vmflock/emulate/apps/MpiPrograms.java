package org.vmflock.emulate.apps;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.vmflock.model.InvalidInputException;

/**
 * The real MPI programs an emulation runs, by name: Debian's builds of LAMMPS ({@code lammps}),
 * HPC Challenge ({@code hpcc}) and Meep ({@code meep}), each with an input deck of this project
 * sized to run about 5 to 20 s on 4 ranks on one site of this machine (README, "Real MPI
 * applications").
 */
public final class MpiPrograms {

  private static final Map<String, MpiProgram> PROGRAMS = new TreeMap<>();

  static {
    for (MpiProgram p : List.<MpiProgram>of(new LammpsMelt(), new Hpcc(), new MeepBend())) {
      PROGRAMS.put(p.name(), p);
    }
  }

  private MpiPrograms() {}

  /** The program of that name, or empty. */
  public static Optional<MpiProgram> lookup(String name) {
    return Optional.ofNullable(PROGRAMS.get(name));
  }

  /** The program of that name; an InvalidInputException naming the valid ones otherwise. */
  public static MpiProgram lookupOrThrow(String name) {
    return lookup(name).orElseThrow(() -> new InvalidInputException("program '" + name + "'",
        "no such MPI program (known: " + String.join(", ", names()) + ")"));
  }

  /** The programs' names, sorted. */
  public static List<String> names() {
    return List.copyOf(PROGRAMS.keySet());
  }

  /** Every program, by name. */
  public static List<MpiProgram> all() {
    return List.copyOf(PROGRAMS.values());
  }
}
