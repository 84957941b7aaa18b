package org.vmflock.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.vmflock.model.InvalidInputException;

/**
 * The bearer token a node's mutating requests ({@code POST /api/events}) must carry: 32 random
 * bytes ({@link SecureRandom}) drawn at the node's first start into {@code <data-dir>/api-token},
 * readable by its owner only (0600), and read from there at every later start. A client
 * ({@code vmflock inject}) takes it from {@code VMFLOCK_API_TOKEN} or from that file.
 */
public final class ApiToken {

  /** The file, in the data directory. */
  public static final String FILE = "api-token";
  /** The environment variable a client reads it from. */
  public static final String ENV = "VMFLOCK_API_TOKEN";

  private static final int RANDOM_BYTES = 32;
  private static final int MIN_LENGTH = 16;
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private final byte[] token;

  private ApiToken(String token) {
    this.token = token.getBytes(StandardCharsets.UTF_8);
  }

  /** A token given as text (from the environment, in tests). */
  public static ApiToken of(String token) {
    if (token.strip().length() < MIN_LENGTH) {
      throw new InvalidInputException(ENV, "an API token has at least " + MIN_LENGTH + " characters");
    }
    return new ApiToken(token.strip());
  }

  /**
   * The node's token: read from {@code dataDir/api-token}, or drawn and written there (0600) if the
   * file does not exist yet.
   *
   * @throws InvalidInputException if the file is empty, too short, or readable by others than its owner
   */
  public static ApiToken ofNode(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      byte[] random = new byte[RANDOM_BYTES];
      new SecureRandom().nextBytes(random);
      String drawn = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      try {
        Files.createDirectories(dataDir);
        Path next = Files.createTempFile(dataDir, FILE, ".new", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        Files.writeString(next, drawn + "\n");
        try {
          // never over a token another node drew meanwhile: the one on disk wins
          Files.move(next, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
          Files.deleteIfExists(next);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("writing " + file + ": " + e.getMessage(), e);
      }
    }
    return read(file);
  }

  /**
   * What a client sends: {@code VMFLOCK_API_TOKEN} of {@code env} if set, else the token file of
   * {@code dataDir}.
   *
   * @throws InvalidInputException naming both places if neither has one
   */
  public static ApiToken ofClient(Map<String, String> env, Path dataDir) {
    String fromEnv = env.getOrDefault(ENV, "");
    if (!fromEnv.isBlank()) {
      return of(fromEnv);
    }
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      throw new InvalidInputException(file.toString(), "no API token there (the node writes it at its first start); set " + ENV
          + ", or give the node's data directory (--data-dir)");
    }
    return read(file);
  }

  private static ApiToken read(Path file) {
    try {
      Optional<Set<PosixFilePermission>> perms = Files.getFileStore(file).supportsFileAttributeView("posix")
          ? Optional.of(Files.getPosixFilePermissions(file)) : Optional.empty();
      if (perms.isPresent() && !OWNER_ONLY.containsAll(perms.get())) {
        throw new InvalidInputException(file.toString(), "the API token is readable by others ("
            + PosixFilePermissions.toString(perms.get()) + "): chmod 600 it, or delete it for a new one");
      }
      String text = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (text.length() < MIN_LENGTH) {
        throw new InvalidInputException(file.toString(), "an API token has at least " + MIN_LENGTH + " characters; delete the file for a new one");
      }
      return new ApiToken(text);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + file + ": " + e.getMessage(), e);
    }
  }

  /** Whether {@code presented} is this token, compared in a time that does not depend on where they differ. */
  public boolean matches(String presented) {
    return MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
  }

  /** The value of an {@code Authorization} header carrying it. */
  public String authorization() {
    return "Bearer " + new String(token, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "ApiToken[hidden]";
  }
}
