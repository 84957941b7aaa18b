package org.vmflock.fuzz;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * One way input enters vmflock (a parser, a boundary), with a generator of inputs for it: mostly
 * well-formed inputs with some values wrong, some bytes changed, some parts cut or repeated, so that
 * the parser's every branch is reached, not only its first check.
 *
 * @param <I> what one input is (bytes of a file, a JSON text, command-line arguments)
 */
public interface FuzzTarget<I> {

  /** A short name for reports ({@code vms-csv}, {@code scenario}). */
  String name();

  /** One input drawn from {@code random}: the same draws give the same input. */
  I generate(SplittableRandom random);

  /**
   * Feeds {@code input} to the parser. Returns normally when it is accepted; throws the parser's
   * refusal ({@link org.vmflock.model.InvalidInputException}, or a
   * {@link org.vmflock.monitor.capture.CaptureFormatException} for captures) when it is refused;
   * anything else it throws is a defect. {@code scratch} is a directory of this try's own, for files.
   */
  void feed(I input, Path scratch) throws Exception;

  /** The bytes of a text file, as text in a line, for a report of a failure. */
  static String text(byte[] file) {
    return org.vmflock.model.Limits.quoted(new String(file, java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The input in a line, for a report of a failure. */
  default String describe(I input) {
    return org.vmflock.model.Limits.quoted(String.valueOf(input));
  }
}
