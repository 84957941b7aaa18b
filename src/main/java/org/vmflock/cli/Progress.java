package org.vmflock.cli;

import java.io.PrintStream;
import java.util.Locale;
import org.vmflock.node.Replay;

/** Progress lines on stderr, so that stdout stays for results. */
final class Progress {

  private final boolean quiet;
  private final PrintStream err = System.err;

  Progress(boolean quiet) {
    this.quiet = quiet;
  }

  void replay(Replay.Progress p) {
    if (quiet || p.done()) {
      return;
    }
    err.printf(Locale.ROOT, "replay: %,d frames, %d periods handed over, %.2f M frames/s, %.1f s%n",
        p.frames(), p.periodsClosed(), p.framesPerSecond() / 1e6, p.elapsed().toMillis() / 1000.0);
  }

  void line(String text) {
    if (!quiet) {
      err.println(text);
    }
  }

  /** Redraws the current line (a terminal's progress bar). */
  void inPlace(String text) {
    if (!quiet) {
      err.print("\r" + text + "\033[K");
      err.flush();
    }
  }

  /** The final line, printed even when quiet. */
  void done(String text) {
    err.println(text);
  }

  void warn(String text) {
    err.println("warning: " + text);
  }
}
