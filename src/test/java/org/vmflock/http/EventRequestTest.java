package org.vmflock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.site.EnvironmentChange;

/** Events posted to the node: instants relative to its now ("+2h") mean the same whenever they are typed. */
class EventRequestTest {

  private static final Instant NOW = Instant.parse("2026-06-01T13:17:00Z");
  private static final Infrastructure INFRA = new Infrastructure(List.of(new Site("lyon", new Capacity(8, 32, 64L << 30), 1.0,
      PriceSchedule.flat(0.05), 0, Map.of(), new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), List.of())), List.of(), Optional.empty());

  private static EnvironmentChange parse(String body) {
    return ((EventRequest.SiteChange) EventRequest.parse(body, NOW, INFRA, Optional.empty())).change();
  }

  @Test
  void anAvailabilityUntilTwoHoursFromNowEndsTwoHoursAfterTheNodesNow() {
    EnvironmentChange c = parse("{\"type\":\"availability\",\"site\":\"lyon\",\"windows\":[{\"from\":\"+0s\",\"until\":\"+2h\"}]}");
    assertEquals(new EnvironmentChange.Availability(List.of(new AvailabilityWindow(NOW, NOW.plus(Duration.ofHours(2))))), c);
  }

  @Test
  void aPriceFromNinetyMinutesAheadStartsThen() {
    EnvironmentChange c = parse("{\"type\":\"price\",\"site\":\"lyon\",\"perVmHour\":0.2,\"from\":\"+90m\"}");
    assertTrue(c.toString().contains(NOW.plus(Duration.ofMinutes(90)).toString()), c.toString());
  }

  @Test
  void aBadRelativeInstantIsRefusedNamingTheField() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> parse("{\"type\":\"availability\",\"site\":\"lyon\",\"windows\":[{\"until\":\"+two hours\"}]}"));
    assertTrue(e.getMessage().contains("event.windows[0].until") && e.getMessage().contains("+DURATION"), e.getMessage());
    InvalidInputException far = assertThrows(InvalidInputException.class,
        () -> parse("{\"type\":\"availability\",\"site\":\"lyon\",\"windows\":[{\"until\":\"+100000d\"}]}"));
    assertTrue(far.getMessage().contains("at most"), far.getMessage());
  }

  @Test
  void anApplicationThatArrivesInTwoHoursIsAnAnnouncement() {
    EventRequest.Submit now = (EventRequest.Submit) EventRequest.parse(
        "{\"type\":\"submit\",\"application\":{\"name\":\"cg\",\"vms\":2,\"work\":\"1h\"}}", NOW, INFRA, Optional.empty());
    assertEquals(Optional.empty(), now.arrives());
    EventRequest.Submit later = (EventRequest.Submit) EventRequest.parse(
        "{\"type\":\"submit\",\"arrives\":\"+2h\",\"application\":{\"name\":\"cg\",\"vms\":2,\"work\":\"1h\"}}", NOW, INFRA,
        Optional.empty());
    assertEquals(Optional.of(NOW.plus(Duration.ofHours(2))), later.arrives());
    assertEquals("cg", later.application().app().name());
  }

  @Test
  void anAnnouncementInThePastOrWithAPlacementIsRefusedNamingTheField() {
    InvalidInputException past = assertThrows(InvalidInputException.class, () -> EventRequest.parse(
        "{\"type\":\"submit\",\"arrives\":\"2026-06-01T12:00:00Z\",\"application\":{\"name\":\"cg\",\"vms\":2,\"work\":\"1h\"}}", NOW,
        INFRA, Optional.empty()));
    assertTrue(past.getMessage().contains("event.arrives") && past.getMessage().contains("not after now"), past.getMessage());
    InvalidInputException bad = assertThrows(InvalidInputException.class, () -> EventRequest.parse(
        "{\"type\":\"submit\",\"arrives\":\"tomorrow\",\"application\":{\"name\":\"cg\",\"vms\":2,\"work\":\"1h\"}}", NOW,
        INFRA, Optional.empty()));
    assertTrue(bad.getMessage().contains("event.arrives"), bad.getMessage());
    InvalidInputException placed = assertThrows(InvalidInputException.class, () -> EventRequest.parse(
        "{\"type\":\"submit\",\"arrives\":\"+1h\",\"application\":{\"name\":\"cg\",\"vms\":2,\"work\":\"1h\",\"placement\":\"lyon\"}}",
        NOW, INFRA, Optional.empty()));
    assertTrue(placed.getMessage().contains("event.application.placement") && placed.getMessage().contains("runs nowhere yet"), placed.getMessage());
  }
}
