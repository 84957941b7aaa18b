package org.vmflock.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Every text file vmflock reads is bounded, UTF-8 with its errors placed, and without a byte-order mark. */
class TextFilesTest {

  @TempDir Path dir;

  @Test
  @EnabledOnOs(OS.LINUX)
  void aFileThatNeverEndsIsRefusedNotReadIntoMemory() {
    Path zero = Path.of("/dev/zero");
    InvalidInputException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
        () -> assertThrows(InvalidInputException.class, () -> TextFiles.lines(zero)));
    assertEquals("/dev/zero: larger than 64 MiB: not a file vmflock reads", e.getMessage());
  }

  @Test
  void bytesThatAreNotUtf8AreNamedByLineAndOffset() throws Exception {
    Path f = dir.resolve("f.txt");
    Files.write(f, new byte[] {'a', '\n', 'b', 'c', '\n', 'd', (byte) 0xC3, '(', '\n'});
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> TextFiles.lines(f));
    assertEquals(f + ":3: not UTF-8 text: byte 0xc3 at byte offset 6", e.getMessage());
  }

  @Test
  void aByteOrderMarkIsSkipped() throws Exception {
    Path f = dir.resolve("bom.txt");
    Files.write(f, "\uFEFFa,b\r\nc\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("a,b", "c"), TextFiles.lines(f));
  }

  @Test
  void aDirectoryOrAMissingFileIsNamed() {
    assertEquals(dir + ": is a directory, not a file", assertThrows(InvalidInputException.class, () -> TextFiles.text(dir)).getMessage());
    Path none = dir.resolve("none.csv");
    assertEquals(none + ": no such file", assertThrows(InvalidInputException.class, () -> TextFiles.text(none)).getMessage());
  }
}
