package org.vmflock.knowledge;

import java.util.List;
import java.util.Locale;

/** A decision's migrations, once all ended: what was predicted and what was observed, summed. */
public record MigrationAudit(int migrations, double predictedSeconds, double observedSeconds, double predictedDowntimeSeconds,
    double observedDowntimeSeconds, double predictedBytes, double movedBytes) {

  /** The sums over {@code ended}. */
  public static MigrationAudit of(List<MigrationRecord> ended) {
    double pt = 0, ot = 0, pd = 0, od = 0, pb = 0, ob = 0;
    for (MigrationRecord m : ended) {
      pt += m.order().predicted().totalSeconds();
      pd += m.order().predicted().downtimeSeconds();
      pb += m.order().predicted().bytesMoved();
      if (m.observed().isPresent()) {
        ot += m.observed().get().totalSeconds();
        od += m.observed().get().downtimeSeconds();
        ob += m.observed().get().bytesMoved();
      }
    }
    return new MigrationAudit(ended.size(), pt, ot, pd, od, pb, ob);
  }

  /** In one line, for people. */
  public String describe() {
    return String.format(Locale.ROOT,
        "%d migration(s): time predicted %.1f s, observed %.1f s; downtime predicted %.0f ms, observed %.0f ms; %.0f MB predicted, %.0f MB moved",
        migrations, predictedSeconds, observedSeconds, predictedDowntimeSeconds * 1000, observedDowntimeSeconds * 1000, predictedBytes / 1e6,
        movedBytes / 1e6);
  }
}
