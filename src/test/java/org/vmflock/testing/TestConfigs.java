package org.vmflock.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.vmflock.monitor.MonitorSettings;
import org.vmflock.node.NodeConfig;

/** Configurations the tests share. */
public final class TestConfigs {

  private TestConfigs() {}

  /** A local (non-cluster) test system with the persistence test kit's in-memory journal. */
  public static Config localWithInMemoryJournal() {
    return EventSourcedBehaviorTestKit.config()
        .withFallback(ConfigFactory.parseString("pekko.actor.provider = local"))
        .withFallback(ConfigFactory.load());
  }

  /** vmflock's settings with some overridden, as a node would load them. */
  public static MonitorSettings settings(Map<String, ?> overrides) {
    return MonitorSettings.from(NodeConfig.load(Optional.empty(), overrides));
  }

  /** A node's configuration on an embedded H2 journal in {@code dir}, on a free port. */
  public static Config node(Path dir, Map<String, ?> overrides) {
    Map<String, Object> o = new HashMap<>(NodeConfig.h2JournalAt(dir));
    o.put("pekko.remote.artery.canonical.port", 0);
    o.putAll(overrides);
    return NodeConfig.load(Optional.empty(), o);
  }
}
