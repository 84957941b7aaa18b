package org.vmflock.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Reads the text files users give vmflock, turning I/O problems into errors that name the file. */
public final class TextFiles {

  private TextFiles() {}

  public static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(file.toString(), "no such file");
    } catch (IOException e) {
      throw new InvalidInputException(file.toString(), "cannot read: " + e.getMessage());
    }
  }
}
