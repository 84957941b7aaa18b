package org.vmflock.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A traffic matrix travels sparse and exact, and a large one splits into bounded parts that add up to it exactly. */
class TrafficMatrixTest {

  private static TrafficMatrix random(int n, double density, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<String> vms = IntStream.rangeClosed(1, n).mapToObj(i -> "app-vm" + i).toList();
    double[][] p = new double[n][n];
    double[][] b = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        if (i != j && r.nextDouble() < density) {
          p[i][j] = r.nextDouble() * 1e4;
          b[i][j] = r.nextDouble() * 1e9;
        }
      }
    }
    return new TrafficMatrix(vms, p, b);
  }

  @Test
  void partsAddUpToTheMatrixExactly() {
    TrafficMatrix m = random(64, 1.0, 1);
    List<TrafficMatrix> parts = m.parts(500);
    assertEquals((int) Math.ceil(64 * 63 / 500.0), parts.size());
    parts.forEach(p -> assertTrue(p.nonZeroCells() <= 500));
    TrafficMatrix sum = parts.get(0);
    for (TrafficMatrix p : parts.subList(1, parts.size())) {
      sum = sum.plus(p);
    }
    assertEquals(m, sum);
    assertEquals(List.of(TrafficMatrix.zero(m.vms())), TrafficMatrix.zero(m.vms()).parts(10), "an empty matrix is one part");
  }

  @Test
  void itTravelsSparseAndExactAndTheDenseFormOfRelease01IsRead() throws Exception {
    ObjectMapper cbor = new ObjectMapper(new CBORFactory());
    TrafficMatrix sparse = random(256, 0.02, 2);
    byte[] bytes = cbor.writeValueAsBytes(sparse);
    assertEquals(sparse, cbor.readValue(bytes, TrafficMatrix.class));
    // dense, 256 x 256 x 2 doubles would take about 1.2 MB
    assertTrue(bytes.length < 40 * sparse.nonZeroCells() + 4000, bytes.length + " bytes for " + sparse.nonZeroCells() + " cells");
    String dense = "{\"vms\":[\"a\",\"b\"],\"packets\":[[0,2.5],[1,0]],\"bytes\":[[0,100.0],[7,0]]}";
    TrafficMatrix old = new ObjectMapper().readValue(dense, TrafficMatrix.class);
    assertEquals(2.5, old.packets(0, 1));
    assertEquals(7, old.bytes(1, 0));
  }
}
