package org.vmflock.control;

import java.util.Optional;
import org.vmflock.CborSerializable;

/**
 * A page of one kind of what the manager knows, as the HTTP API's resources ask for it (I2):
 * filtered, from {@code offset}, at most {@code limit} items. Every answer is bounded, however large
 * the federation.
 *
 * @param kind what is listed
 * @param application only this application's
 * @param site only those at this site (a migration: from or to it; an application or a group: with a VM there)
 * @param state an application's or a migration's status, or a decision's kind (lower case, as the API shows them)
 */
public record ResourceQuery(Kind kind, Optional<String> application, Optional<String> site, Optional<String> state, int offset, int limit)
    implements CborSerializable {

  public enum Kind { APPLICATIONS, VMS, GROUPS, MIGRATIONS, DECISIONS }

  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 500;

  public ResourceQuery {
    if (offset < 0) {
      throw new IllegalArgumentException("offset is not negative: " + offset);
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit is in 1.." + MAX_LIMIT + ", not " + limit);
    }
  }
}
