package org.vmflock.control;

import java.util.Optional;
import org.vmflock.CborSerializable;

/**
 * What a reader of the manager's status asks for (I2): one application in full, or a page of
 * applications (each summarised), the sites, the migrations in flight (a page), and the last
 * decisions and ended migrations. Every answer is bounded, however large the federation.
 *
 * @param application one application, with its placement and groups; empty: a page of all
 * @param offset the first application of the page (in name order), and of the migrations in flight
 * @param limit applications and migrations in flight per page (at most {@link #MAX_LIMIT})
 * @param recent decisions and ended migrations, the newest (at most {@link #MAX_RECENT})
 */
public record StatusQuery(Optional<String> application, int offset, int limit, int recent) implements CborSerializable {

  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 200;
  public static final int DEFAULT_RECENT = 50;
  public static final int MAX_RECENT = 100;

  public StatusQuery {
    if (offset < 0) {
      throw new IllegalArgumentException("offset is not negative: " + offset);
    }
    if (limit < 0 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit is in 0.." + MAX_LIMIT + ", not " + limit);
    }
    if (recent < 0 || recent > MAX_RECENT) {
      throw new IllegalArgumentException("recent is in 0.." + MAX_RECENT + ", not " + recent);
    }
  }

  /** The first page, with the defaults. */
  public static final StatusQuery FIRST_PAGE = new StatusQuery(Optional.empty(), 0, DEFAULT_LIMIT, DEFAULT_RECENT);

  /** The sites only (no application, no migration, no decision). */
  public static final StatusQuery SITES = new StatusQuery(Optional.empty(), 0, 0, 0);

  /** One application in full. */
  public static StatusQuery of(String application) {
    return new StatusQuery(Optional.of(application), 0, DEFAULT_LIMIT, DEFAULT_RECENT);
  }
}
