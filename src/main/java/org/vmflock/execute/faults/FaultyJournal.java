package org.vmflock.execute.faults;

import com.typesafe.config.Config;
import org.apache.pekko.dispatch.Futures;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.jdbc.journal.JdbcAsyncWriteJournal;
import scala.collection.Iterator;
import scala.collection.immutable.Seq;
import scala.concurrent.Future;
import scala.runtime.BoxedUnit;
import scala.util.Failure;
import scala.util.Try;

/**
 * The pekko-persistence-jdbc journal (the one a node runs on), with write failures injected as
 * {@link JournalFaults} say: a write fails before anything is stored (the database is down), or
 * after its events are stored (the acknowledgement is lost). A failed write makes the persistent
 * actor stop and, with {@code restartWithBackoff}, come back from what the journal holds.
 */
public final class FaultyJournal extends JdbcAsyncWriteJournal {

  /** What a failing write reports. */
  static final class InjectedJournalFailure extends RuntimeException {
    InjectedJournalFailure(String message) {
      super(message, null, false, false);
    }
  }

  private final JournalFaults faults;

  public FaultyJournal(Config config) {
    super(config);
    this.faults = JournalFaults.get(context().system());
  }

  @Override
  public Future<Seq<Try<BoxedUnit>>> asyncWriteMessages(Seq<AtomicWrite> messages) {
    RunPlan.JournalFault fault = RunPlan.JournalFault.NONE;
    String id = "";
    // one call holds the writes of one persistent actor
    Iterator<AtomicWrite> it = messages.iterator();
    while (it.hasNext()) {
      AtomicWrite w = it.next();
      RunPlan.JournalFault f = faults.nextWrite(w.persistenceId());
      if (fault == RunPlan.JournalFault.NONE && f != RunPlan.JournalFault.NONE) {
        fault = f;
        id = w.persistenceId() + " from " + w.lowestSequenceNr();
      }
    }
    if (fault == RunPlan.JournalFault.FAILS_BEFORE_WRITE) {
      return Futures.failed(new InjectedJournalFailure("injected journal failure: nothing written for " + id));
    }
    Future<Seq<Try<BoxedUnit>>> written = super.asyncWriteMessages(messages);
    if (fault == RunPlan.JournalFault.FAILS_AFTER_WRITE) {
      String what = id;
      return written.transform(t -> new Failure<>(new InjectedJournalFailure("injected journal failure: " + what + " written, reported failed")),
          ec());
    }
    return written;
  }
}
