package org.vmflock.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.vmflock.clock.Clock;
import org.vmflock.model.InvalidInputException;
import org.vmflock.tls.Certificates;
import org.vmflock.tls.ClusterKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = {
      "Makes a cluster's TLS keys (a CA of its own, a keystore per node).",
      "Per node, a PKCS12 keystore with the node's key and certificate signed by that CA (naming the node's DNS names and IP",
      "addresses) and the CA's certificate; truststore.p12 (the CA alone, what every node",
      "trusts) and the password of both in DIR/password. Run again, it keeps what is there",
      "(a node added later is signed by the same CA); a node keystore made for other names",
      "is replaced only with --force.",
      "Each node gets DIR/NAME.p12, DIR/truststore.p12 and DIR/password; DIR/ca.p12 and",
      "DIR/ca.password stay where the keys are made."
    })
public final class KeysCommand implements Callable<Integer> {

  private static final int MAX_VALIDITY_DAYS = 3650;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory of the keys (made if missing).")
  Path out;

  @Option(names = "--node", required = true, paramLabel = "NAME[=HOST,...]",
      description = "A node and the DNS names and IP addresses it is reached at (repeatable); NAME alone: reached as NAME.")
  List<String> nodes;

  @Option(names = "--key-type", paramLabel = "ec|rsa", defaultValue = "ec",
      description = "Keys of a new CA and of new nodes: ec (P-256, default) or rsa (3072 bits).")
  String keyType;

  @Option(names = "--validity-days", paramLabel = "DAYS", defaultValue = "365", description = "How long a node's certificate is valid (default 365).")
  int validityDays;

  @Option(names = "--force", description = "Replaces a node keystore (or trust store) that differs from what is asked.")
  boolean force;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Certificates.KeyType type = switch (keyType.toLowerCase(Locale.ROOT)) {
      case "ec" -> Certificates.KeyType.EC;
      case "rsa" -> Certificates.KeyType.RSA;
      default -> throw new InvalidInputException("--key-type", "'" + keyType + "' is not ec or rsa");
    };
    if (validityDays < 1 || validityDays > MAX_VALIDITY_DAYS) {
      throw new InvalidInputException("--validity-days", "between 1 and " + MAX_VALIDITY_DAYS + ", not " + validityDays);
    }
    List<ClusterKeys.NodeRequest> requests = nodes.stream().map(ClusterKeys.NodeRequest::parse).toList();
    List<ClusterKeys.Written> written = new ClusterKeys(out, Clock.system(), new SecureRandom())
        .write(requests, type, Duration.ofDays(validityDays), force);
    PrintWriter w = spec.commandLine().getOut();
    for (ClusterKeys.Written f : written) {
      w.println(f.file() + ": " + f.what());
    }
    w.println("to each node NAME copy " + out.resolve("NAME.p12") + ", " + out.resolve(ClusterKeys.TRUST_STORE) + " and "
        + out.resolve(ClusterKeys.PASSWORD) + " (vmflock.tls.key-store, trust-store, password-file)");
    w.flush();
    return ExitCode.OK;
  }
}
