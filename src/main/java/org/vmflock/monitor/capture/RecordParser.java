package org.vmflock.monitor.capture;

import java.io.IOException;

/** Turns the records of one capture format into frames; one implementation per format. */
interface RecordParser {
  /** Delivers up to {@code maxFrames} frames; returns how many, 0 at the end of the file. */
  long read(FrameSink sink, long maxFrames) throws IOException, CaptureFormatException;

  long framesRead();

  int snapLength();

  boolean nanosecondResolution();
}
