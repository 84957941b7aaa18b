package org.vmflock.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import org.vmflock.model.InvalidInputException;

/**
 * Loads a node's configuration, highest priority first: explicit overrides (command-line options),
 * system properties, the user's file ({@code --config FILE}, else {@code conf/application.conf} of
 * the installation, else the classpath's application configuration), vmflock's Pekko settings
 * ({@code vmflock-base.conf}), and the libraries' {@code reference.conf}. The journal's database
 * settings are derived from {@code vmflock.journal}.
 */
public final class NodeConfig {

  private NodeConfig() {}

  public static Config load(Optional<Path> userFile, Map<String, ?> overrides) {
    Config user;
    if (userFile.isPresent()) {
      Path f = userFile.get();
      if (!Files.isRegularFile(f)) {
        throw new InvalidInputException(f.toString(), "no such configuration file");
      }
      user = parse(f);
    } else {
      user = installationConfig().map(NodeConfig::parse).orElseGet(ConfigFactory::defaultApplication);
    }
    Config layered = ConfigFactory.parseMap(overrides, "command-line options")
        .withFallback(ConfigFactory.defaultOverrides())
        .withFallback(user)
        .withFallback(ConfigFactory.parseResources("vmflock-base.conf"))
        .withFallback(ConfigFactory.defaultReferenceUnresolved());
    Config resolved;
    try {
      resolved = layered.resolve();
    } catch (ConfigException e) {
      throw new InvalidInputException(origin(e), e.getMessage());
    }
    SettingLimits.check(resolved);
    Config loaded = journal(resolved).withFallback(tlsPassword(resolved)).withFallback(layered).resolve();
    checkClusterTls(loaded);
    List<String> roles;
    Optional<List<String>> sites;
    try {
      roles = loaded.getStringList("pekko.cluster.roles");
    } catch (ConfigException e) {
      throw new InvalidInputException(origin(e), "pekko.cluster.roles: a list of roles: " + e.getMessage());
    }
    try {
      sites = loaded.hasPath("vmflock.node.sites") ? Optional.of(loaded.getStringList("vmflock.node.sites")) : Optional.empty();
    } catch (ConfigException e) {
      throw new InvalidInputException(origin(e), "vmflock.node.sites: a list of site names: " + e.getMessage());
    }
    org.vmflock.site.SitePlacement.checkRoles(roles, sites);
    return loaded;
  }

  /**
   * With the cluster's TLS on, the keystore and the trust store open with their passwords before the
   * node starts: Pekko would open them only at its first connection, and a node that cannot would
   * run alone, saying so only in its log.
   */
  private static void checkClusterTls(Config c) {
    if (!c.getString("pekko.remote.artery.transport").equals("tls-tcp")) {
      return;
    }
    String ssl = "pekko.remote.artery.ssl.config-ssl-engine.";
    for (String store : new String[] {"key-store", "trust-store"}) {
      String setting = "vmflock.tls." + store;
      String file = c.getString(ssl + store);
      if (file.isBlank()) {
        throw new InvalidInputException(setting, "the cluster's TLS is on (pekko.remote.artery.transport = tls-tcp): name the node's "
            + store.replace('-', ' ') + " (vmflock keys makes them)");
      }
      java.security.KeyStore ks;
      try {
        ks = org.vmflock.tls.ClusterKeys.load(Path.of(file), c.getString(ssl + store + "-password").toCharArray());
      } catch (InvalidInputException e) {
        throw new InvalidInputException(setting, e.getMessage());
      }
      try {
        if (store.equals("key-store") && java.util.Collections.list(ks.aliases()).stream().noneMatch(a -> isKey(ks, a))) {
          throw new InvalidInputException(setting, file + " holds no private key: the node needs its key and certificate");
        }
      } catch (java.security.KeyStoreException e) {
        throw new InvalidInputException(setting, file + ": " + e.getMessage());
      }
    }
  }

  private static boolean isKey(java.security.KeyStore ks, String alias) {
    try {
      return ks.isKeyEntry(alias);
    } catch (java.security.KeyStoreException e) {
      return false;
    }
  }

  /** The keystores' password from {@code vmflock.tls.password-file}, when set (it wins over the one in the configuration). */
  static Config tlsPassword(Config c) {
    String setting = "vmflock.tls.password-file";
    String file = c.getString(setting);
    if (file.isBlank()) {
      return ConfigFactory.empty();
    }
    Path f = Path.of(file).toAbsolutePath().normalize();
    String password;
    try {
      password = Files.readString(f).strip();
    } catch (java.nio.file.NoSuchFileException e) {
      throw new InvalidInputException(setting, "no password file " + f + " (vmflock keys writes one beside the keystores)");
    } catch (java.io.IOException e) {
      throw new InvalidInputException(setting, "cannot read the password file " + f + ": " + e.getMessage());
    }
    if (password.isEmpty() || password.contains("\n")) {
      throw new InvalidInputException(setting, f + " should hold the keystore's password alone, on one line");
    }
    return ConfigFactory.empty().withValue("vmflock.tls.key-store-password", ConfigValueFactory.fromAnyRef(password, setting + " " + f));
  }

  private static Config parse(Path f) {
    try {
      return ConfigFactory.parseFile(f.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (ConfigException e) {
      throw new InvalidInputException(f.toString(), e.getMessage());
    }
  }

  private static String origin(ConfigException e) {
    return e.origin() != null ? e.origin().description() : "configuration";
  }

  /** {@code $VMFLOCK_HOME/conf/application.conf}, as the launcher sets it. */
  private static Optional<Path> installationConfig() {
    String home = System.getProperty("vmflock.home");
    if (home == null) {
      return Optional.empty();
    }
    Path f = Path.of(home, "conf", "application.conf");
    return Files.isRegularFile(f) ? Optional.of(f) : Optional.empty();
  }

  /** The pekko-persistence-jdbc database matching {@code vmflock.journal}. */
  static Config journal(Config c) {
    String kind = c.getString("vmflock.journal.kind").toLowerCase(Locale.ROOT);
    int connections = c.getInt("vmflock.journal.max-connections");
    String profile;
    String driver;
    String url;
    String user = "";
    String password = "";
    switch (kind) {
      case "h2" -> {
        profile = "slick.jdbc.H2Profile$";
        driver = "org.h2.Driver";
        url = h2Url(c);
      }
      case "postgresql" -> {
        profile = "slick.jdbc.PostgresProfile$";
        driver = "org.postgresql.Driver";
        url = c.getString("vmflock.journal.postgresql.url");
        PostgresqlJournal.Target.of(url); // a URL that names no server or no database is refused here, with the setting
        user = c.getString("vmflock.journal.postgresql.user");
        password = c.getString("vmflock.journal.postgresql.password");
      }
      default -> throw new InvalidInputException("vmflock.journal.kind", "unknown journal kind '" + kind + "' (expected h2 or postgresql)");
    }
    String db = "pekko-persistence-jdbc.shared-databases.slick";
    Config journalDao = ConfigFactory.empty();
    if (kind.equals("h2")) {
      journalDao = h2Dao(c).map(dao -> ConfigFactory.empty().withValue("jdbc-journal.dao", ConfigValueFactory.fromAnyRef(dao))).orElse(journalDao);
    }
    return journalDao
        .withValue(db + ".profile", ConfigValueFactory.fromAnyRef(profile))
        .withValue(db + ".db.url", ConfigValueFactory.fromAnyRef(url))
        .withValue(db + ".db.driver", ConfigValueFactory.fromAnyRef(driver))
        .withValue(db + ".db.user", ConfigValueFactory.fromAnyRef(user))
        .withValue(db + ".db.password", ConfigValueFactory.fromAnyRef(password))
        .withValue(db + ".db.numThreads", ConfigValueFactory.fromAnyRef(connections))
        .withValue(db + ".db.maxConnections", ConfigValueFactory.fromAnyRef(connections))
        .withValue(db + ".db.minConnections", ConfigValueFactory.fromAnyRef(1))
        .withValue(db + ".db.connectionTimeout", ConfigValueFactory.fromAnyRef("30s"));
  }

  /** The H2 database file of a configuration's journal ({@code vmflock.mv.db} in {@code vmflock.journal.dir}). */
  public static Path h2File(Config c) {
    return h2Base(c).resolveSibling(H2_NAME + ".mv.db");
  }

  private static final String H2_NAME = "vmflock";

  private static Path h2Base(Config c) {
    return Path.of(c.getString("vmflock.journal.dir")).toAbsolutePath().normalize().resolve(H2_NAME);
  }

  /**
   * The H2 URL of a configuration's journal. Closed by the actor system, not by H2's own shutdown
   * hook, so that nothing is lost on exit. Writable: H2's background writer stores what is committed
   * and compacts the file every {@code vmflock.journal.h2.write-delay}; the journal's own writes are
   * stored before they are acknowledged ({@link DurableH2JournalDao}); what they supersede is kept
   * {@code vmflock.journal.h2.retention-time} before its room is reused. Read-only
   * ({@code vmflock.journal.read-only}, for queries): the file is only read and no trace file is
   * written beside it.
   */
  public static String h2Url(Config c) {
    String url = "jdbc:h2:file:" + h2Base(c) + ";DB_CLOSE_ON_EXIT=FALSE";
    if (readOnly(c)) {
      return url + ";IFEXISTS=TRUE;ACCESS_MODE_DATA=r;TRACE_LEVEL_FILE=0";
    }
    long delay = c.getDuration("vmflock.journal.h2.write-delay").toMillis();
    if (delay < 1 || delay > Integer.MAX_VALUE) {
      // 0 would stop H2's background writer, which compacts the file: it would grow without bound
      throw new InvalidInputException("vmflock.journal.h2.write-delay", "must be between 1 and " + Integer.MAX_VALUE + " ms, not " + delay);
    }
    long retention = c.getDuration("vmflock.journal.h2.retention-time").toMillis();
    if (retention < 0 || retention > Integer.MAX_VALUE) {
      throw new InvalidInputException("vmflock.journal.h2.retention-time", "must be between 0 and " + Integer.MAX_VALUE + " ms, not " + retention);
    }
    return url + ";WRITE_DELAY=" + delay + ";RETENTION_TIME=" + retention;
  }

  /** The journal DAO of {@code vmflock.journal.h2.durability}; none for {@code delayed} (the plugin's own). */
  private static Optional<String> h2Dao(Config c) {
    String durability = c.getString("vmflock.journal.h2.durability").toLowerCase(Locale.ROOT);
    return switch (durability) {
      case "written" -> Optional.of(DurableH2JournalDao.class.getName());
      case "synced" -> Optional.of(DurableH2JournalDao.Synced.class.getName());
      case "delayed" -> Optional.empty();
      default -> throw new InvalidInputException("vmflock.journal.h2.durability",
          "unknown durability '" + durability + "' (expected written, synced or delayed)");
    };
  }

  /** Whether a configuration opens its journal for reading only (queries). */
  public static boolean readOnly(Config c) {
    return c.getBoolean("vmflock.journal.read-only");
  }

  /** The H2 journal directory of a configuration, for commands that point at a journal. */
  public static Map<String, Object> h2JournalAt(Path dir) {
    return Map.of("vmflock.journal.kind", "h2", "vmflock.journal.dir", dir.toAbsolutePath().normalize().toString());
  }
}
