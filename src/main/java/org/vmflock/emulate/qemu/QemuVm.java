package org.vmflock.emulate.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.model.IpAddress;
import org.vmflock.model.MacAddress;
import org.vmflock.monitor.capture.NetworkNamespace;

/**
 * A QEMU guest on a site of an {@link EmulatedFederation}: the QEMU process runs on the site's host
 * (its namespace), its NIC an e1000 on a tap of the site's bridge (in a VXLAN federation, its
 * cluster's), so the guest is on the federation's subnet like the lab's namespace VMs. Driven over QMP. A migration's destination is
 * the same machine started with {@code -incoming tcp:SITE_ADDRESS:PORT} on the destination site
 * (and {@code -S}: it stays paused until {@link #resume}); the source sends to that site's address,
 * so the stream crosses the WAN link between the two sites with its delay and rate.
 *
 * <p>TCG (any machine); KVM when {@code /dev/kvm} can be opened.
 */
public final class QemuVm implements AutoCloseable {

  private static final Duration QMP_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration QUIT_TIMEOUT = Duration.ofSeconds(10);
  private static final int GUEST_IO_TIMEOUT_MILLIS = 10_000;
  /** A TCG guest on a loaded machine may take more than Linux's first SYN retry (1 s) to accept. */
  private static final int GUEST_CONNECT_TIMEOUT_MILLIS = 3_000;
  private static final long GUEST_POLL_MILLIS = 200;

  private final EmulatedFederation lab;
  private final String name;
  private final String site;
  private final String tap;
  private final String cluster;
  private final GuestConfig guest;
  private final Process process;
  private final Qmp qmp;
  private final Path serialLog;

  private QemuVm(EmulatedFederation lab, String name, String site, String tap, String cluster, GuestConfig guest, Process process, Qmp qmp,
      Path serialLog) {
    this.lab = lab;
    this.name = name;
    this.site = site;
    this.tap = tap;
    this.cluster = cluster;
    this.guest = guest;
    this.process = process;
    this.qmp = qmp;
    this.serialLog = serialLog;
  }

  /** Boots guest {@code guest} as {@code name} on {@code site} (returns once QEMU answers QMP; see {@link #awaitGuest}). */
  public static QemuVm boot(EmulatedFederation lab, String name, String site, String tap, GuestConfig guest, Path runDirectory) throws IOException {
    return boot(lab, name, site, tap, EmulatedFederation.DEFAULT_CLUSTER, guest, runDirectory);
  }

  /** As {@link #boot(EmulatedFederation, String, String, String, GuestConfig, Path)}, the guest in virtual cluster {@code cluster} (its VXLAN segment). */
  public static QemuVm boot(EmulatedFederation lab, String name, String site, String tap, String cluster, GuestConfig guest, Path runDirectory)
      throws IOException {
    return start(lab, name, site, tap, cluster, guest, runDirectory, List.of());
  }

  /** Starts {@code name}'s migration destination on {@code site}: paused, waiting for a stream on {@code port} of the site's address. */
  public static QemuVm incoming(EmulatedFederation lab, String name, String site, String tap, GuestConfig guest, Path runDirectory, int port)
      throws IOException {
    return incoming(lab, name, site, tap, EmulatedFederation.DEFAULT_CLUSTER, guest, runDirectory, port);
  }

  /** As {@link #incoming(EmulatedFederation, String, String, String, GuestConfig, Path, int)}, for a guest of virtual cluster {@code cluster}. */
  public static QemuVm incoming(EmulatedFederation lab, String name, String site, String tap, String cluster, GuestConfig guest, Path runDirectory,
      int port) throws IOException {
    return start(lab, name, site, tap, cluster, guest, runDirectory, List.of("-S", "-incoming", "tcp:" + lab.siteAddress(site) + ":" + port));
  }

  /** The NIC the lab puts on its tap: the guest's cluster, MAC and address. */
  static EmulatedFederation.GuestNic nic(String cluster, GuestConfig guest) {
    return new EmulatedFederation.GuestNic(cluster, MacAddress.parse(guest.mac()), IpAddress.parse(guest.ip()));
  }

  private static QemuVm start(EmulatedFederation lab, String name, String site, String tap, String cluster, GuestConfig guest, Path runDirectory,
      List<String> extra) throws IOException {
    GuestImage image = GuestImage.get();
    Files.createDirectories(runDirectory);
    String tag = name + "-" + site;
    Path socket = socketPath(runDirectory, tag + ".qmp");
    Path serial = runDirectory.resolve(tag + ".console");
    Files.deleteIfExists(socket);
    lab.addTap(site, tap, nic(cluster, guest));
    List<String> command = new ArrayList<>(List.of("qemu-system-x86_64", "-name", tag, "-accel", accelerator(), "-machine", "pc",
        "-m", "size=" + guest.memoryKiB() + "k", "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
        "-kernel", image.kernel().toString(), "-initrd", image.initramfs().toString(), "-append", guest.kernelArguments(),
        "-netdev", "tap,id=n0,ifname=" + tap + ",script=no,downscript=no", "-device", "e1000,netdev=n0,mac=" + guest.mac(),
        "-serial", "file:" + serial, "-qmp", "unix:" + socket + ",server=on,wait=off"));
    command.addAll(extra);
    Process process = lab.siteProcessBuilder(site, command).redirectErrorStream(true)
        .redirectOutput(runDirectory.resolve(tag + ".log").toFile()).start();
    try {
      Qmp qmp = Qmp.connect(socket, QMP_TIMEOUT);
      return new QemuVm(lab, name, site, tap, cluster, guest, process, qmp, serial);
    } catch (IOException e) {
      process.destroyForcibly();
      lab.removeTap(site, tap);
      String log = Files.exists(runDirectory.resolve(tag + ".log")) ? Files.readString(runDirectory.resolve(tag + ".log")).strip() : "";
      throw new IOException("QEMU " + tag + " did not start: " + e.getMessage() + (log.isEmpty() ? "" : " (" + log + ")"), e);
    }
  }

  /** The longest Unix socket path Linux takes (sun_path is 108 bytes with its terminating zero), with a margin. */
  private static final int MAX_SOCKET_PATH = 100;
  /** For each run directory too deep for a socket, the short private directory its sockets go to instead. */
  private static final java.util.concurrent.ConcurrentHashMap<Path, Path> SHORT_SOCKET_DIRS = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Where the socket {@code file} of a guest of {@code runDirectory} goes: in it, unless that path
   * is too long for a Unix socket (a deep temporary directory; QEMU then fails with "Unix domain
   * path too long"), in which case in a short private directory of this run directory's own,
   * {@code /tmp/vmfl-qmp-*} (0700, removed when the JVM exits).
   */
  static Path socketPath(Path runDirectory, String file) throws IOException {
    Path beside = runDirectory.toAbsolutePath().resolve(file);
    if (beside.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_SOCKET_PATH) {
      return beside;
    }
    try {
      Path dir = SHORT_SOCKET_DIRS.computeIfAbsent(runDirectory.toAbsolutePath(), d -> {
        try {
          Path made = Files.createTempDirectory(Path.of("/tmp"), "vmfl-qmp-",
              java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
          made.toFile().deleteOnExit();
          return made;
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      return dir.resolve(file);
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** {@code kvm} when this machine's {@code /dev/kvm} opens, else {@code tcg}. */
  static String accelerator() {
    Path kvm = Path.of("/dev/kvm");
    if (Files.isReadable(kvm) && Files.isWritable(kvm)) {
      try (var channel = java.nio.channels.FileChannel.open(kvm, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
        return "kvm";
      } catch (IOException e) {
        return "tcg";
      }
    }
    return "tcg";
  }

  public String name() {
    return name;
  }

  public String site() {
    return site;
  }

  public GuestConfig guest() {
    return guest;
  }

  /** The tap of its NIC on its site's bridge. */
  public String tap() {
    return tap;
  }

  /** Its virtual cluster: in a VXLAN federation, the segment its tap is on. */
  public String cluster() {
    return cluster;
  }

  /** Its NIC's MAC. */
  public MacAddress mac() {
    return MacAddress.parse(guest.mac());
  }

  public Qmp qmp() {
    return qmp;
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** QEMU's run state: running, paused, inmigrate, postmigrate, finish-migrate, ... */
  public String runState() throws IOException {
    return qmp.execute("query-status").path("status").asText();
  }

  /** Lets a paused guest run ({@code cont}). */
  public void resume() throws IOException {
    qmp.execute("cont");
  }

  /** Waits until the guest's workload answers on its port, from the site's host; its answer to {@code ping}. */
  public String awaitGuest(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    IOException last = null;
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        throw new IOException("QEMU " + name + " at " + site + " exited: " + consoleTail());
      }
      try {
        return ask("ping");
      } catch (IOException e) {
        last = e;
      }
      try {
        Thread.sleep(GUEST_POLL_MILLIS); // the guest boots for seconds under TCG
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for guest " + name, e);
      }
    }
    throw new IOException("guest " + name + " at " + site + " did not answer within " + timeout + " (" + (last == null ? "" : last.getMessage())
        + "); console: " + consoleTail());
  }

  /** Sends one line to the guest's workload from this VM's site host and returns its one-line answer. */
  public String ask(String line) throws IOException {
    return askFrom(lab.siteNamespace(site), guest, line);
  }

  /** Sends {@code line} to the guest's workload from namespace {@code namespace}; its answer. */
  static String askFrom(String namespace, GuestConfig guest, String line) throws IOException {
    try {
      return NetworkNamespace.call(namespace, () -> {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(guest.ip(), guest.port()), GUEST_CONNECT_TIMEOUT_MILLIS);
          s.setSoTimeout(GUEST_IO_TIMEOUT_MILLIS);
          OutputStream out = s.getOutputStream();
          out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
          out.flush();
          String answer = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
          if (answer == null) {
            throw new IOException("the guest closed the connection");
          }
          return answer;
        }
      });
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /** The guest's self-check (dirtying paused meanwhile): {@code ok fill=HEX ws=N bad=N written=N rate=R}. */
  public Map<String, String> check() throws IOException {
    String answer = ask("check");
    if (!answer.startsWith("ok ")) {
      throw new IOException("guest " + name + " answered check with: " + answer);
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (String word : answer.substring(3).split(" ")) {
      int eq = word.indexOf('=');
      fields.put(word.substring(0, eq), word.substring(eq + 1));
    }
    return fields;
  }

  // ---------------------------------------------------------------- migration (source side)

  /** Sets the migration's bandwidth cap (bytes/s), downtime limit, and its capabilities. */
  public void configureMigration(long maxBandwidthBytesPerSecond, Duration downtimeLimit, boolean pauseBeforeSwitchover, boolean autoConverge)
      throws IOException {
    List<Map<String, Object>> caps = List.of(
        Map.of("capability", "pause-before-switchover", "state", pauseBeforeSwitchover),
        Map.of("capability", "auto-converge", "state", autoConverge),
        Map.of("capability", "events", "state", true));
    qmp.execute("migrate-set-capabilities", Map.of("capabilities", caps));
    qmp.execute("migrate-set-parameters", Map.of("max-bandwidth", maxBandwidthBytesPerSecond, "downtime-limit", downtimeLimit.toMillis()));
  }

  /** Starts sending this guest to {@code destination} (which runs {@link #incoming}). */
  public void migrateTo(QemuVm destination, int port) throws IOException {
    qmp.execute("migrate", Map.of("uri", "tcp:" + lab.siteAddress(destination.site()) + ":" + port));
  }

  public MigrationStatus migrationStatus() throws IOException {
    return MigrationStatus.of(qmp.execute("query-migrate"));
  }

  /** Lets a migration paused before its switch-over (pre-switchover) send its last pages. */
  public void continueMigration() throws IOException {
    qmp.execute("migrate-continue", Map.of("state", "pre-switchover"));
  }

  public void cancelMigration() throws IOException {
    qmp.execute("migrate_cancel");
  }

  /** Asks QEMU to announce the guest's MAC (RARP) so that the bridges learn where it is. */
  public void announce() throws IOException {
    qmp.execute("announce-self", Map.of("initial", 50, "max", 150, "rounds", 3, "step", 50));
  }

  private String consoleTail() {
    try {
      String text = Files.exists(serialLog) ? Files.readString(serialLog, StandardCharsets.ISO_8859_1) : "";
      return text.length() > 400 ? text.substring(text.length() - 400) : text;
    } catch (IOException e) {
      return "(no console: " + e.getMessage() + ")";
    }
  }

  /** Quits QEMU (the guest is gone) and removes its tap. Idempotent. */
  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        qmp.execute("quit");
      } catch (IOException e) {
        // QEMU quits as it answers, or is already gone: destroyed below if not
      }
      try {
        if (!process.waitFor(QUIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly().waitFor(QUIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
    try {
      qmp.close();
    } catch (IOException e) {
      // closing a socket QEMU closed
    }
    lab.removeTap(site, tap);
  }

  @Override
  public String toString() {
    return "QemuVm[" + name + " at " + site + ", " + guest.ipWithPrefix() + "]";
  }

  JsonNode raw(String command) throws IOException {
    return qmp.execute(command);
  }
}
