package org.vmflock.execute.faults;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.vmflock.site.SiteActor;

/**
 * The way between a saga and one site actor, with faults: each message the saga sends the site (a
 * reservation, a placement, a removal, a release) is delivered, lost, delivered twice (at once, or
 * late: after the next one), or its answer is lost or repeated, or the saga actor is crashed while it
 * waits for the answer, as the run's {@link RunPlan} says for that message's rank. Other messages
 * pass untouched.
 */
final class SiteLink {

  /** Delivers the copies still held back (late duplicates), then answers. */
  record Flush(ActorRef<Boolean> replyTo) implements NoSerializationVerificationNeeded {}

  private SiteLink() {}

  static Behavior<Object> create(ActorRef<SiteActor.Command> site, String siteName, RunPlan plan, Injected injected, Runnable crashSaga) {
    return Behaviors.setup(ctx -> new Link(ctx, site, siteName, plan, injected, crashSaga).behavior());
  }

  private static final class Link {
    private final ActorContext<Object> ctx;
    private final ActorRef<SiteActor.Command> site;
    private final String siteName;
    private final RunPlan plan;
    private final Injected injected;
    private final Runnable crashSaga;
    private final List<SiteActor.Command> held = new ArrayList<>();
    private int sent;

    Link(ActorContext<Object> ctx, ActorRef<SiteActor.Command> site, String siteName, RunPlan plan, Injected injected, Runnable crashSaga) {
      this.ctx = ctx;
      this.site = site;
      this.siteName = siteName;
      this.plan = plan;
      this.injected = injected;
      this.crashSaga = crashSaga;
    }

    Behavior<Object> behavior() {
      return Behaviors.receive(Object.class)
          .onMessage(Flush.class, f -> {
            flushHeld();
            f.replyTo().tell(true);
            return Behaviors.same();
          })
          .onMessage(SiteActor.Command.class, c -> {
            pass(c);
            return Behaviors.same();
          })
          .build();
    }

    private void pass(SiteActor.Command c) {
      if (!(c instanceof SiteActor.Reserve || c instanceof SiteActor.Place || c instanceof SiteActor.Remove
          || c instanceof SiteActor.ReleaseReservation)) {
        site.tell(c);
        return;
      }
      List<SiteActor.Command> late = List.copyOf(held);
      held.clear();
      switch (plan.message(siteName, sent++, injected.crashes.get())) {
        case DELIVERED -> site.tell(c);
        case REQUEST_LOST -> injected.messagesLost.incrementAndGet();
        case REPLY_LOST -> {
          injected.messagesLost.incrementAndGet();
          site.tell(withReplyTo(c, ctx.getSystem().ignoreRef()));
        }
        case DUPLICATED -> {
          injected.messagesDuplicated.incrementAndGet();
          site.tell(c);
          site.tell(c);
        }
        case DUPLICATED_LATE -> {
          injected.messagesDuplicated.incrementAndGet();
          site.tell(c);
          held.add(c);
        }
        case REPLY_DUPLICATED -> {
          injected.messagesDuplicated.incrementAndGet();
          ActorRef<SiteActor.Reply> to = replyTo(c);
          site.tell(withReplyTo(c, ctx.spawnAnonymous(Behaviors.receive(SiteActor.Reply.class).onAnyMessage(r -> {
            to.tell(r);
            to.tell(r);
            return Behaviors.same();
          }).build())));
        }
        case SAGA_CRASHES_WAITING -> {
          injected.crashes.incrementAndGet();
          site.tell(withReplyTo(c, ctx.getSystem().ignoreRef()));
          crashSaga.run();
        }
      }
      late.forEach(site::tell);
    }

    private void flushHeld() {
      held.forEach(site::tell);
      held.clear();
    }
  }

  private static ActorRef<SiteActor.Reply> replyTo(SiteActor.Command c) {
    if (c instanceof SiteActor.Reserve r) {
      return r.replyTo();
    }
    if (c instanceof SiteActor.Place p) {
      return p.replyTo();
    }
    if (c instanceof SiteActor.Remove r) {
      return r.replyTo();
    }
    return ((SiteActor.ReleaseReservation) c).replyTo();
  }

  private static SiteActor.Command withReplyTo(SiteActor.Command c, ActorRef<SiteActor.Reply> to) {
    if (c instanceof SiteActor.Reserve r) {
      return new SiteActor.Reserve(r.reservationId(), r.vm(), r.demand(), r.lease(), to);
    }
    if (c instanceof SiteActor.Place p) {
      return new SiteActor.Place(p.vm(), p.demand(), p.reservationId(), to);
    }
    if (c instanceof SiteActor.Remove r) {
      return new SiteActor.Remove(r.vm(), to);
    }
    SiteActor.ReleaseReservation r = (SiteActor.ReleaseReservation) c;
    return new SiteActor.ReleaseReservation(r.reservationId(), r.why(), to);
  }
}
