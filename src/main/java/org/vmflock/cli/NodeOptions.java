package org.vmflock.cli;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.vmflock.node.NodeConfig;
import picocli.CommandLine.Option;

/** Options every command that starts a node shares: the configuration file and single settings. */
public final class NodeOptions {

  @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (HOCON); default: conf/application.conf of the installation.")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides one setting, e.g. --set vmflock.collector.grace=5s (repeatable).")
  Map<String, String> settings = new LinkedHashMap<>();

  /** The configuration with {@code overrides} (the command's own options) above {@code --set}. */
  public Config load(Map<String, ?> overrides) {
    Map<String, Object> all = new HashMap<>(settings);
    all.putAll(overrides);
    return NodeConfig.load(Optional.ofNullable(config), all);
  }
}
