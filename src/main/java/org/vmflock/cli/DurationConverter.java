package org.vmflock.cli;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;
import picocli.CommandLine;

/** Durations as in the configuration files: {@code 30s}, {@code 500ms}, {@code 2 minutes}. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

  @Override
  public Duration convert(String text) {
    try {
      Duration d = ConfigFactory.empty().withValue("d", ConfigValueFactory.fromAnyRef(text)).getDuration("d");
      if (d.isNegative()) {
        throw new CommandLine.TypeConversionException("a duration must not be negative: '" + text + "'");
      }
      return d;
    } catch (ConfigException e) {
      throw new CommandLine.TypeConversionException("invalid duration '" + text + "' (e.g. 30s, 500ms, 2m)");
    }
  }

  /** 30s, 1.5s, 250ms. */
  public static String human(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms < 1000 ? ms + "ms" : (ms / 1000.0) + "s";
  }

  /** The same duration as text the configuration reads back exactly. */
  public static String toConfig(Duration d) {
    return d.toMillis() + "ms";
  }
}
