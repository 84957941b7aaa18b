package org.vmflock.knowledge;

/**
 * The one place migration ids are made: {@code d<decision>-<position>-<vm>}, unique among all
 * migrations ever ordered (decision ids never repeat). Nothing parses them back: a migration's
 * decision and position travel as fields of its {@link MigrationRecord}.
 */
public final class MigrationIds {

  private MigrationIds() {}

  /** The id of the {@code position}-th migration (from 1) of decision {@code decision}, moving {@code vm}. */
  public static String of(long decision, int position, String vm) {
    return "d" + decision + "-" + position + "-" + vm;
  }
}
