package org.vmflock.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The shape of the code, checked: the packages form no cycle, and the pure core (the model, the
 * analysis, the planning, the knowledge, the manager's core, the scenarios, the simulator, the
 * emulation lab and its MPI programs) knows nothing of actors: only the adapters at the edges (monitor, site, manager,
 * execute's saga actor, node, http, cli, and the saga fault harness) import Pekko.
 */
@AnalyzeClasses(packages = "org.vmflock", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {

  @ArchTest
  static final ArchRule noPackageCycles = slices().matching("org.vmflock.(*)..").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule thePureCoreImportsNoPekko = noClasses()
      .that().resideInAnyPackage("org.vmflock.model..", "org.vmflock.analyze..", "org.vmflock.plan..", "org.vmflock.knowledge..",
          "org.vmflock.control..", "org.vmflock.scenario..", "org.vmflock.simulate..", "org.vmflock.clock..",
          "org.vmflock.emulate", "org.vmflock.emulate.lab..", "org.vmflock.emulate.apps..", "org.vmflock.emulate.qemu..",
          "org.vmflock.emulate.hypervisors..",
          "org.vmflock.web..", "org.vmflock.tls..")
      .should().dependOnClassesThat().resideInAnyPackage("org.apache.pekko..", "akka..")
      .because("the core runs unchanged in the simulator and in plain JUnit tests");

  @ArchTest
  static final ArchRule onlyTheSagaActorOfExecuteImportsPekko = noClasses()
      .that().resideInAPackage("org.vmflock.execute..").and().haveNameNotMatching("org\\.vmflock\\.execute\\.SagaActor(\\$.*)?")
      .and().resideOutsideOfPackage("org.vmflock.execute.faults..")
      .should().dependOnClassesThat().resideInAnyPackage("org.apache.pekko..")
      .because("the migration protocol, the actuators and the simulated world are plain Java; the saga actor adapts them (and the fault"
          + " harness, execute.faults, runs it with site actors and a journal)");
}
