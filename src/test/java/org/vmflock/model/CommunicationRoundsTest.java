package org.vmflock.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.vmflock.model.CommunicationRounds.Hop;
import org.vmflock.model.CommunicationRounds.Kind;
import org.vmflock.model.CommunicationRounds.RoundClass;

/**
 * Rounds travel exact and small: an all-to-all as the VMs it is among, any other set of hops as a
 * flat list of numbers, in their order (a pipeline's order is its sweep's).
 */
class CommunicationRoundsTest {

  private final ObjectMapper cbor = new ObjectMapper(new CBORFactory());

  @Test
  void anAllToAllOf64VmsTravelsAsItsVmsAndComesBackTheSame() throws Exception {
    int[] vms = IntStream.range(0, 64).toArray();
    CommunicationRounds rounds = new CommunicationRounds(List.of(new RoundClass(Kind.EXCHANGE, 12.5, RoundClass.allPairs(vms))));
    byte[] bytes = cbor.writeValueAsBytes(rounds);
    assertEquals(rounds, cbor.readValue(bytes, CommunicationRounds.class));
    assertEquals(4032, rounds.classes().get(0).hops().size());
    assertTrue(bytes.length < 300, "64 VMs' all-to-all in " + bytes.length + " bytes");
  }

  @Test
  void otherHopsTravelAsPairsInTheirOrder() throws Exception {
    List<Hop> sweep = List.of(new Hop(3, 2), new Hop(2, 1), new Hop(1, 0), new Hop(0, 5));
    List<Hop> ring = IntStream.range(0, 200).mapToObj(i -> new Hop(i, (i + 1) % 200)).toList();
    CommunicationRounds rounds = new CommunicationRounds(List.of(new RoundClass(Kind.PIPELINE, 3, sweep), new RoundClass(Kind.EXCHANGE, 40, ring)));
    byte[] bytes = cbor.writeValueAsBytes(rounds);
    CommunicationRounds back = cbor.readValue(bytes, CommunicationRounds.class);
    assertEquals(rounds, back);
    assertEquals(sweep, back.classes().get(0).hops(), "a pipeline's hops keep their order");
    assertTrue(bytes.length < 4 * 2 * 204 + 100, "204 hops in " + bytes.length + " bytes");
    // all pairs, but not in the all-to-all's order: said as pairs, so the order comes back
    List<Hop> swapped = new java.util.ArrayList<>(RoundClass.allPairs(new int[] {0, 1, 2}));
    java.util.Collections.swap(swapped, 0, 1);
    RoundClass shuffled = new RoundClass(Kind.EXCHANGE, 1, swapped);
    assertEquals(shuffled, cbor.readValue(cbor.writeValueAsBytes(shuffled), RoundClass.class));
    assertFalse(new ObjectMapper().writeValueAsString(shuffled).contains("among"));
  }

  @Test
  void aMalformedRoundClassIsRefusedSayingWhy() {
    ObjectMapper json = new ObjectMapper();
    Exception both = assertThrows(ValueInstantiationException.class,
        () -> json.readValue("{\"kind\":\"EXCHANGE\",\"perWork\":1,\"among\":[0,1],\"pairs\":[0,1]}", RoundClass.class));
    assertTrue(both.getMessage().contains("'among' or as 'pairs'"), both.getMessage());
    Exception odd = assertThrows(ValueInstantiationException.class,
        () -> json.readValue("{\"kind\":\"EXCHANGE\",\"perWork\":1,\"pairs\":[0,1,2]}", RoundClass.class));
    assertTrue(odd.getMessage().contains("two by two"), odd.getMessage());
    Exception self = assertThrows(ValueInstantiationException.class,
        () -> json.readValue("{\"kind\":\"EXCHANGE\",\"perWork\":1,\"pairs\":[4,4]}", RoundClass.class));
    assertTrue(self.getMessage().contains("two different VMs"), self.getMessage());
  }
}
