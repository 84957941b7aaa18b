package org.vmflock.emulate.apps;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.vmflock.model.InvalidInputException;

/**
 * The real MPI programs an emulation runs, by name: Debian's builds of LAMMPS ({@code lammps}),
 * HPC Challenge ({@code hpcc}) and Meep ({@code meep}), each with an input deck of this project
 * (LAMMPS and Meep sized for seconds on 4 ranks on one site of an idle 2-core machine; HPCC's
 * RandomAccess keeps it over a minute: README, "Real MPI applications in the lab").
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

  /**
   * What is missing to run the programs, empty when nothing: mpirun and each program's executable
   * on the PATH, with the Debian packages that provide them.
   */
  public static String unavailableReason() {
    List<String> missing = new java.util.ArrayList<>();
    Map<String, String> needed = new TreeMap<>(Map.of("mpirun", "openmpi-bin", "lmp", "lammps", "hpcc", "hpcc", "meep", "meep-openmpi"));
    for (Map.Entry<String, String> e : needed.entrySet()) {
      if (!onPath(e.getKey())) {
        missing.add(e.getKey() + " (package " + e.getValue() + ")");
      }
    }
    return missing.isEmpty() ? "" : "missing on the PATH: " + String.join(", ", missing);
  }

  private static boolean onPath(String command) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String d : path.split(java.io.File.pathSeparator)) {
      if (!d.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(d, command))) {
        return true;
      }
    }
    return false;
  }

  /** Every program, by name. */
  public static List<MpiProgram> all() {
    return List.copyOf(PROGRAMS.values());
  }
}
