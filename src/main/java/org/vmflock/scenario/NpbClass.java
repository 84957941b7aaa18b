package org.vmflock.scenario;

import java.util.Locale;
import java.util.Optional;

/** The NPB problem classes vmflock has profiles for (NPB 3.4 also has S, W, D, E and F). */
enum NpbClass {
  A, B, C;

  static Optional<NpbClass> parse(String text) {
    for (NpbClass c : values()) {
      if (c.name().equals(text.toUpperCase(Locale.ROOT))) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
