package org.vmflock.emulate.qemu;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One answer of QEMU's {@code query-migrate} on the source.
 *
 * @param status setup, active, pre-switchover, device, completed, failed, cancelling, cancelled, ...
 * @param rounds dirty-sync-count: memory passes so far (the first full pass included)
 * @param transferredBytes bytes sent on the stream so far
 * @param remainingBytes dirty memory left to send
 * @param normalBytes non-zero pages sent, in bytes
 * @param duplicatePages zero pages (sent as a marker only)
 * @param dirtyPagesPerSecond the rate the guest dirties memory at, in pages per second
 * @param pageSize the guest's page size in bytes
 * @param totalMillis the migration's time so far (or in all, once completed)
 * @param downtimeMillis the guest's pause (once completed), or -1
 * @param error QEMU's error description when it failed, else empty
 */
public record MigrationStatus(String status, int rounds, long transferredBytes, long remainingBytes, long normalBytes, long duplicatePages,
    long dirtyPagesPerSecond, long pageSize, long totalMillis, long downtimeMillis, String error) {

  static MigrationStatus of(JsonNode r) {
    JsonNode ram = r.path("ram");
    return new MigrationStatus(r.path("status").asText("none"), ram.path("dirty-sync-count").asInt(0), ram.path("transferred").asLong(0),
        ram.path("remaining").asLong(0), ram.path("normal-bytes").asLong(0), ram.path("duplicate").asLong(0),
        ram.path("dirty-pages-rate").asLong(0), ram.path("page-size").asLong(4096), r.path("total-time").asLong(0),
        r.path("downtime").asLong(-1), r.path("error-desc").asText(""));
  }

  public double dirtyBytesPerSecond() {
    return (double) dirtyPagesPerSecond * pageSize;
  }

  public boolean active() {
    return switch (status) {
      case "setup", "active", "pre-switchover", "device", "cancelling", "wait-unplug" -> true;
      default -> false;
    };
  }

  public boolean completed() {
    return status.equals("completed");
  }
}
