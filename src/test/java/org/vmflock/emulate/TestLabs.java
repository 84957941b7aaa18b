package org.vmflock.emulate;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.FederationSpec;

/** Labs for the tests: built when the machine can host one, the test skipped with the reason otherwise. */
final class TestLabs {

  private TestLabs() {}

  static EmulatedFederation create(FederationSpec spec) {
    String problem = EmulatedFederation.unavailableReason();
    assumeTrue(problem.isEmpty(), problem);
    return EmulatedFederation.create(spec);
  }
}
