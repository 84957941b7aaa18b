package org.vmflock.emulate.apps;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The input decks shipped in the jar under {@code /programs/}. */
final class ProgramInputs {

  private ProgramInputs() {}

  /** Copies resource {@code /programs/<name>} to {@code target}. */
  static void copy(String name, Path target) {
    try (InputStream in = ProgramInputs.class.getResourceAsStream("/programs/" + name)) {
      if (in == null) {
        throw new IllegalStateException("input deck /programs/" + name + " is missing from the jar");
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }

  /** The text of resource {@code /programs/<name>}. */
  static String text(String name) {
    try (InputStream in = ProgramInputs.class.getResourceAsStream("/programs/" + name)) {
      if (in == null) {
        throw new IllegalStateException("input deck /programs/" + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /programs/" + name, e);
    }
  }

  /** The first line of {@code text} containing {@code marker}, trimmed, or empty. */
  static String lineWith(String text, String marker) {
    int i = text.indexOf(marker);
    if (i < 0) {
      return "";
    }
    int start = text.lastIndexOf('\n', i) + 1;
    int end = text.indexOf('\n', i);
    return text.substring(start, end < 0 ? text.length() : end).trim();
  }

  /** The last {@code n} non-blank lines of {@code text}, joined by " | ": the tail of a failed run's output. */
  static String tail(String text, int n) {
    String[] lines = text.strip().split("\n");
    StringBuilder b = new StringBuilder();
    for (int i = Math.max(0, lines.length - n); i < lines.length; i++) {
      if (!lines[i].isBlank()) {
        b.append(b.length() == 0 ? "" : " | ").append(lines[i].strip());
      }
    }
    return b.toString();
  }
}
