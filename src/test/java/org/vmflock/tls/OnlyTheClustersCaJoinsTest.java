package org.vmflock.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.cli.ExitCode;
import org.vmflock.node.NodeConfig;
import org.vmflock.testing.Cli;

/**
 * The cluster's TLS (Pekko artery {@code tls-tcp}) with keys made by {@code vmflock keys}: real actor
 * systems on 127.0.0.1, each configured as a node is ({@link NodeConfig}: vmflock.tls wired into
 * artery). Two nodes signed by the cluster's CA form a cluster; a node whose keystore another CA
 * signed never gets in, not even as joining, while a good node joins meanwhile; a node the cluster's
 * CA signed for another host name never becomes Up (hostname verification is on).
 */
class OnlyTheClustersCaJoinsTest {

  private static final Duration JOIN = Duration.ofSeconds(30);
  /** How long a refused node is watched after a good node joined in less: it retries its join every few seconds. */
  private static final Duration REFUSED_FOR = Duration.ofSeconds(8);

  @TempDir Path dir;
  private final List<ActorSystem<Void>> systems = new ArrayList<>();

  @AfterEach
  void stop() {
    systems.forEach(ActorSystem::terminate);
    systems.forEach(s -> await().atMost(Duration.ofSeconds(20)).until(() -> s.whenTerminated().isCompleted()));
  }

  private ActorSystem<Void> node(Path keys, String name) {
    Config config = NodeConfig.load(Optional.empty(), Map.of(
        "pekko.remote.artery.transport", "tls-tcp",
        "pekko.remote.artery.canonical.hostname", "127.0.0.1",
        "pekko.remote.artery.canonical.port", 0,
        "pekko.cluster.jmx.enabled", "off",
        "vmflock.data-dir", dir.resolve("data-" + name).toString(),
        "vmflock.tls.key-store", keys.resolve(name + ".p12").toString(),
        "vmflock.tls.trust-store", keys.resolve(ClusterKeys.TRUST_STORE).toString(),
        "vmflock.tls.password-file", keys.resolve(ClusterKeys.PASSWORD).toString()));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "vmflock", config);
    systems.add(system);
    return system;
  }

  private static Address address(ActorSystem<?> s) {
    return Cluster.get(s).selfMember().address();
  }

  private static Set<Address> up(ActorSystem<?> s) {
    return StreamSupport.stream(Cluster.get(s).state().getMembers().spliterator(), false)
        .filter(m -> m.status().equals(MemberStatus.up())).map(Member::address).collect(Collectors.toSet());
  }

  private static Set<Address> members(ActorSystem<?> s) {
    return StreamSupport.stream(Cluster.get(s).state().getMembers().spliterator(), false).map(Member::address).collect(Collectors.toSet());
  }

  @Test
  void nodesOfTheClustersCaFormAClusterAndNoOtherNodeGetsIn() {
    Path cluster = dir.resolve("keys");
    Path other = dir.resolve("other-ca");
    Cli.Run made = Cli.run("keys", "--out", cluster, "--node", "one=127.0.0.1", "--node", "two=127.0.0.1,localhost",
        "--node", "misnamed=misnamed.invalid");
    assertEquals(ExitCode.OK, made.exitCode(), made.err());
    Cli.Run stranger = Cli.run("keys", "--out", other, "--node", "stranger=127.0.0.1");
    assertEquals(ExitCode.OK, stranger.exitCode(), stranger.err());

    ActorSystem<Void> one = node(cluster, "one");
    Cluster.get(one).manager().tell(Join.create(address(one)));
    await("node one up").atMost(JOIN).until(() -> up(one).contains(address(one)));

    // the stranger asks first, the good node after: the good one is in before the stranger is given up
    ActorSystem<Void> strange = node(other, "stranger");
    Cluster.get(strange).manager().tell(Join.create(address(one)));
    ActorSystem<Void> two = node(cluster, "two");
    Cluster.get(two).manager().tell(Join.create(address(one)));
    await("node two up, seen by both").atMost(JOIN).until(() -> up(one).equals(Set.of(address(one), address(two)))
        && up(two).equals(Set.of(address(one), address(two))));

    await("the stranger kept out").during(REFUSED_FOR).atMost(REFUSED_FOR.plusSeconds(5)).until(() ->
        !members(one).contains(address(strange)) && !members(two).contains(address(strange))
            && Cluster.get(strange).selfMember().status() != MemberStatus.up());

    // signed by the cluster's CA, but for another host: its peers cannot verify whom they reach
    ActorSystem<Void> misnamed = node(cluster, "misnamed");
    Cluster.get(misnamed).manager().tell(Join.create(address(one)));
    await("the misnamed node never up").during(REFUSED_FOR).atMost(REFUSED_FOR.plusSeconds(5)).until(() ->
        !up(one).contains(address(misnamed)) && Cluster.get(misnamed).selfMember().status() != MemberStatus.up());
    assertEquals(Set.of(address(one), address(two)), up(one));
  }
}
