package org.vmflock.emulate.qemu;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.LabUnavailableException;

/**
 * The guest that vmflock's QEMU VMs boot, built from the machine's Debian packages only: the
 * kernel of {@code linux-image-amd64} ({@code /boot/vmlinuz-*}) and an initramfs holding
 * {@code busybox-static}, the kernel's {@code e1000} driver, an init script and the workload
 * program {@code vmfl-guest} (sources in {@code src/main/c/vmfl-guest/}, compiled here with
 * {@code gcc -static}). Nothing is downloaded. Built at first use into
 * {@code target/native/vmfl-guest-<hash of sources, kernel and busybox>/}; the same
 * {@code vmfl-guest} binary is also the host-side TCP probe.
 *
 * <p>The guest's kernel command line configures it ({@link GuestConfig#kernelArguments}): eth0's
 * address, the non-zero memory it fills, the working set it dirties and at what rate, its port.
 */
public record GuestImage(Path kernel, Path initramfs, Path program) {

  private static final String RESOURCES = "/org/vmflock/emulate/lab/native/vmfl-guest/";
  private static final String PROGRAM = "vmfl-guest";
  private static final Path BUSYBOX = Path.of("/bin/busybox");
  private static final Duration COMPILE_TIMEOUT = Duration.ofSeconds(120);
  private static final int HASH_HEX_CHARACTERS = 16;

  private static GuestImage built;

  /** The guest, built now if needed. */
  public static synchronized GuestImage get() {
    if (built == null || !Files.isReadable(built.initramfs())) {
      built = build(EmulatedFederation.nativeDirectory());
    }
    return built;
  }

  /** Why no guest can be built or run here (what is missing), or empty when it can. */
  public static Optional<String> unavailableReason() {
    List<String> missing = new ArrayList<>();
    if (newestKernel().isEmpty()) {
      missing.add("a kernel in /boot (apt-get install linux-image-amd64)");
    }
    if (!Files.isExecutable(BUSYBOX) || !staticBusybox()) {
      missing.add("a static busybox (apt-get install busybox-static)");
    }
    if (Stream.of("/usr/bin/qemu-system-x86_64", "/usr/local/bin/qemu-system-x86_64").noneMatch(p -> Files.isExecutable(Path.of(p)))) {
      missing.add("qemu-system-x86_64 (apt-get install qemu-system-x86)");
    }
    return missing.isEmpty() ? Optional.empty() : Optional.of("the QEMU guest needs " + String.join(", ", missing));
  }

  private static boolean staticBusybox() {
    try {
      byte[] head = Files.readAllBytes(BUSYBOX);
      // a dynamic executable names its interpreter (ld-linux); a static one does not
      return !new String(head, StandardCharsets.ISO_8859_1).contains("/lib64/ld-linux");
    } catch (IOException e) {
      return false;
    }
  }

  static Optional<Path> newestKernel() {
    try (Stream<Path> boot = Files.list(Path.of("/boot"))) {
      return boot.filter(p -> p.getFileName().toString().startsWith("vmlinuz-") && Files.isReadable(p))
          .filter(p -> Files.isDirectory(modulesOf(p)))
          .max(Comparator.comparing(p -> p.getFileName().toString()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Path modulesOf(Path kernel) {
    return Path.of("/lib/modules", kernel.getFileName().toString().substring("vmlinuz-".length()));
  }

  private static GuestImage build(Path cache) {
    Optional<String> missing = unavailableReason();
    if (missing.isPresent()) {
      throw new LabUnavailableException(missing.get());
    }
    Path kernel = newestKernel().orElseThrow();
    Path e1000 = modulesOf(kernel).resolve("kernel/drivers/net/ethernet/intel/e1000/e1000.ko");
    if (!Files.isReadable(e1000)) {
      throw new LabUnavailableException("the guest's network driver is missing: " + e1000 + " (uncompressed modules of linux-image-amd64)");
    }
    try {
      byte[] source = resource("vmfl-guest.c");
      byte[] init = resource("init");
      byte[] busybox = Files.readAllBytes(BUSYBOX);
      byte[] driver = Files.readAllBytes(e1000);
      String hash = hash(source, init, busybox, driver, kernel.toString().getBytes(StandardCharsets.UTF_8));
      Path dir = cache.resolve(PROGRAM + "-" + hash);
      GuestImage image = new GuestImage(kernel, dir.resolve("initramfs.cpio"), dir.resolve(PROGRAM));
      if (Files.isReadable(image.initramfs()) && Files.isExecutable(image.program())) {
        return image;
      }
      Files.createDirectories(dir);
      Path work = Files.createTempDirectory(dir, "build-");
      try {
        Path c = work.resolve("vmfl-guest.c");
        Files.write(c, source);
        Path binary = work.resolve(PROGRAM);
        compile(c, binary);
        Path cpio = work.resolve("initramfs.cpio");
        try (OutputStream out = Files.newOutputStream(cpio)) {
          NewcArchive archive = new NewcArchive(out);
          for (String d : List.of("bin", "dev", "proc", "sys", "tmp")) {
            archive.directory(d);
          }
          archive.characterDevice("dev/console", 5, 1);
          archive.file("init", init, true);
          archive.file("bin/busybox", busybox, true);
          archive.file("e1000.ko", driver, false);
          archive.file(PROGRAM, Files.readAllBytes(binary), true);
          archive.finish();
        }
        move(binary, image.program());
        move(cpio, image.initramfs());
      } finally {
        deleteTree(work);
      }
      return image;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build the QEMU guest in " + cache, e);
    }
  }

  private static void compile(Path source, Path binary) throws IOException {
    List<String> command = List.of("gcc", "-static", "-O2", "-Wall", "-pthread", "-o", binary.toString(), source.toString());
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new LabUnavailableException("the guest's program is compiled with gcc, which is missing: apt-get install gcc libc6-dev", e);
    }
    try {
      byte[] output = p.getInputStream().readAllBytes();
      if (!p.waitFor(COMPILE_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new LabUnavailableException("gcc -static could not compile the guest's program (apt-get install libc6-dev): "
            + new String(output, StandardCharsets.UTF_8).strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new LabUnavailableException("interrupted while compiling the guest's program", e);
    }
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = GuestImage.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks the guest's source " + name);
      }
      return in.readAllBytes();
    }
  }

  private static String hash(byte[]... parts) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (byte[] part : parts) {
        digest.update(part);
      }
      return HexFormat.of().formatHex(digest.digest()).substring(0, HASH_HEX_CHARACTERS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** A cpio archive in the "newc" format the kernel unpacks as an initramfs. */
  static final class NewcArchive {
    private static final int MODE_DIR = 0040755;
    private static final int MODE_FILE = 0100644;
    private static final int MODE_EXEC = 0100755;
    private static final int MODE_CHAR = 0020600;
    private final OutputStream out;
    private int inode = 1;

    NewcArchive(OutputStream out) {
      this.out = out;
    }

    void directory(String name) throws IOException {
      entry(name, MODE_DIR, new byte[0], 0, 0);
    }

    void characterDevice(String name, int major, int minor) throws IOException {
      entry(name, MODE_CHAR, new byte[0], major, minor);
    }

    void file(String name, byte[] content, boolean executable) throws IOException {
      entry(name, executable ? MODE_EXEC : MODE_FILE, content, 0, 0);
    }

    void finish() throws IOException {
      entry("TRAILER!!!", 0, new byte[0], 0, 0);
    }

    private void entry(String name, int mode, byte[] content, int rdevMajor, int rdevMinor) throws IOException {
      byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.US_ASCII);
      ByteArrayOutputStream header = new ByteArrayOutputStream();
      header.write("070701".getBytes(StandardCharsets.US_ASCII));
      int[] fields = {inode++, mode, 0, 0, (mode & 0040000) != 0 ? 2 : 1, 0, content.length, 0, 0, rdevMajor, rdevMinor, nameBytes.length, 0};
      for (int f : fields) {
        header.write(String.format("%08x", f).getBytes(StandardCharsets.US_ASCII));
      }
      header.write(nameBytes);
      out.write(header.toByteArray());
      pad(header.size());
      out.write(content);
      pad(content.length);
    }

    private void pad(int length) throws IOException {
      out.write(new byte[(4 - length % 4) % 4]);
    }
  }
}
