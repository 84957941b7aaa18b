package org.vmflock.emulate.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The lab's native helper, {@code vmfl-lab} (sources in {@code src/main/c/vmfl-lab/}, shipped in
 * the jar): compiled with the machine's gcc the first time a lab needs it, into a directory named
 * after a hash of its sources, so a changed source is never run stale and nothing is downloaded.
 *
 * <p>Where: {@code -Dvmflock.native.dir}, else {@code <vmflock.home>/target/native} (the launcher
 * sets vmflock.home), else {@code target/native} under the working directory when it has a
 * {@code target} (Maven's tests), else a private temporary directory for this process.
 */
final class LabTool {

  private static final String RESOURCES = "/org/vmflock/emulate/lab/native/vmfl-lab/";
  private static final List<String> SOURCES = List.of("vmfl-lab.h", "vmfl-lab.c", "wanlink.c", "dirty.c");
  private static final String BINARY = "vmfl-lab";
  private static final Duration COMPILE_TIMEOUT = Duration.ofSeconds(120);
  private static final int HASH_HEX_CHARACTERS = 16;

  private static Path compiled;

  private LabTool() {}

  /** The helper's path, compiled now if needed. */
  static synchronized Path path() {
    if (compiled == null || !Files.isExecutable(compiled)) {
      compiled = compile();
    }
    return compiled;
  }

  private static Path compile() {
    List<byte[]> sources = new ArrayList<>();
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    for (String name : SOURCES) {
      try (InputStream in = LabTool.class.getResourceAsStream(RESOURCES + name)) {
        if (in == null) {
          throw new IllegalStateException("the jar lacks the lab's C source " + name);
        }
        byte[] bytes = in.readAllBytes();
        sources.add(bytes);
        digest.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        digest.update(bytes);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    String hash = HexFormat.of().formatHex(digest.digest()).substring(0, HASH_HEX_CHARACTERS);
    Path dir = cacheDirectory().resolve(BINARY + "-" + hash);
    Path binary = dir.resolve(BINARY);
    if (Files.isExecutable(binary)) {
      return binary;
    }
    try {
      Files.createDirectories(dir);
      Path work = Files.createTempDirectory(dir, "build-");
      try {
        List<String> command = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-Wextra", "-pthread", "-o", work.resolve(BINARY).toString()));
        for (int i = 0; i < SOURCES.size(); i++) {
          Path source = work.resolve(SOURCES.get(i));
          Files.write(source, sources.get(i));
          if (SOURCES.get(i).endsWith(".c")) {
            command.add(source.toString());
          }
        }
        CommandResult r;
        try {
          r = HostCommands.run(command, null, COMPILE_TIMEOUT);
        } catch (UncheckedIOException e) {
          throw new LabUnavailableException("the lab's helper is compiled with gcc, which is missing: apt-get install gcc libc6-dev", e);
        }
        if (!r.succeeded()) {
          throw new LabUnavailableException("gcc could not compile the lab's helper (is libc6-dev installed? apt-get install gcc libc6-dev): "
              + r.output().strip());
        }
        try {
          Files.move(work.resolve(BINARY), binary, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(work.resolve(BINARY), binary, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        deleteTree(work);
      }
      return binary;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build the lab's helper in " + dir, e);
    }
  }

  static Path cacheDirectory() {
    String configured = System.getProperty("vmflock.native.dir");
    if (configured != null) {
      return Path.of(configured);
    }
    String home = System.getProperty("vmflock.home");
    if (home != null) {
      return Path.of(home, "target", "native");
    }
    Path target = Path.of(System.getProperty("user.dir"), "target");
    if (Files.isDirectory(target)) {
      return target.resolve("native");
    }
    try {
      Path own = Files.createTempDirectory("vmflock-native-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      own.toFile().deleteOnExit();
      return own;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var files = Files.walk(root)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
