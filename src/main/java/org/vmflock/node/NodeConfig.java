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
    return journal(resolved).withFallback(layered).resolve();
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
        Path dir = Path.of(c.getString("vmflock.journal.dir")).toAbsolutePath().normalize();
        profile = "slick.jdbc.H2Profile$";
        driver = "org.h2.Driver";
        // closed by the actor system, not by H2's own shutdown hook, so nothing is lost on exit
        url = "jdbc:h2:file:" + dir.resolve("vmflock") + ";DB_CLOSE_ON_EXIT=FALSE";
      }
      case "postgresql" -> {
        profile = "slick.jdbc.PostgresProfile$";
        driver = "org.postgresql.Driver";
        url = c.getString("vmflock.journal.postgresql.url");
        user = c.getString("vmflock.journal.postgresql.user");
        password = c.getString("vmflock.journal.postgresql.password");
      }
      default -> throw new InvalidInputException("vmflock.journal.kind", "unknown journal kind '" + kind + "' (expected h2 or postgresql)");
    }
    String db = "pekko-persistence-jdbc.shared-databases.slick";
    return ConfigFactory.empty()
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

  /** The H2 journal directory of a configuration, for commands that point at a journal. */
  public static Map<String, Object> h2JournalAt(Path dir) {
    return Map.of("vmflock.journal.kind", "h2", "vmflock.journal.dir", dir.toAbsolutePath().normalize().toString());
  }
}
