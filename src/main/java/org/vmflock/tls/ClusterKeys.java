package org.vmflock.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.vmflock.clock.Clock;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.IpAddress;

/**
 * A cluster's keys in one directory: its own certificate authority and, for each node, a PKCS12
 * keystore with the node's key and certificate (signed by that CA) and the CA's certificate as a
 * trusted entry. Every node trusts the CA, never a node's certificate: any node the CA signed
 * joins, a node signed by another CA is refused.
 *
 * <pre>
 *   ca.p12          the CA's key and certificate (stays where the keys are made: it signs new nodes)
 *   ca.password     its password
 *   ca.crt          the CA's certificate (PEM), for HTTPS clients (curl --cacert ca.crt)
 *   truststore.p12  the CA's certificate alone: what a node trusts (vmflock.tls.trust-store)
 *   NAME.p12        node NAME's key and certificate chain, and the CA's certificate (vmflock.tls.key-store)
 *   password        the password of truststore.p12 and of every NAME.p12 (vmflock.tls.password-file)
 * </pre>
 *
 * Making them again is harmless: a CA, a password and a node keystore already there with the same
 * names are kept (a node added later is signed by the same CA). A node keystore that differs (other
 * names, another CA, unreadable) is replaced only when asked ({@code force}), else refused.
 */
public final class ClusterKeys {

  public static final String CA_STORE = "ca.p12";
  public static final String CA_PASSWORD = "ca.password";
  public static final String CA_CERTIFICATE = "ca.crt";
  public static final String TRUST_STORE = "truststore.p12";
  public static final String PASSWORD = "password";
  /** The alias of a node's key in its keystore, and of the CA's certificate as a trusted entry. */
  public static final String NODE_ALIAS = "vmflock";
  public static final String CA_ALIAS = "vmflock-ca";
  private static final String CA_KEY_ALIAS = "ca";
  private static final String CA_NAME = "vmflock cluster CA";
  private static final String STORE_TYPE = "PKCS12";
  /** A node's certificate is valid from this long before it is made: the sites' clocks differ a little. */
  private static final Duration CLOCK_SKEW = Duration.ofHours(1);
  private static final Duration CA_VALIDITY = Duration.ofDays(3650);
  private static final int PASSWORD_BYTES = 24;
  private static final int MAX_NAME_CHARS = 63;
  private static final int MAX_HOST_CHARS = 253;

  /** A node to make keys for: its name (the file's) and the DNS names and IP addresses it is reached at. */
  public record NodeRequest(String name, List<String> hosts) {

    /** {@code NAME} or {@code NAME=host1,host2,...}; NAME alone is reached as NAME. */
    public static NodeRequest parse(String text) {
      String where = "--node " + text;
      int eq = text.indexOf('=');
      String name = eq < 0 ? text : text.substring(0, eq);
      if (!name.matches("[A-Za-z0-9][A-Za-z0-9_-]*") || name.length() > MAX_NAME_CHARS) {
        throw new InvalidInputException(where, "a node's name is letters, digits, '-' and '_' (at most " + MAX_NAME_CHARS
            + "), not '" + name + "'");
      }
      List<String> hosts = new ArrayList<>();
      for (String h : (eq < 0 ? name : text.substring(eq + 1)).split(",", -1)) {
        String host = h.strip().toLowerCase(Locale.ROOT);
        checkHost(where, host);
        if (!hosts.contains(host)) {
          hosts.add(host);
        }
      }
      return new NodeRequest(name, List.copyOf(hosts));
    }

    private static void checkHost(String where, String host) {
      if (host.isEmpty()) {
        throw new InvalidInputException(where, "an empty host name (NAME=host1,host2: names separated by commas)");
      }
      if (Certificates.isIpLiteral(host)) {
        try {
          IpAddress.parse(host);
        } catch (IllegalArgumentException e) {
          throw new InvalidInputException(where, e.getMessage());
        }
        return;
      }
      boolean labels = host.length() <= MAX_HOST_CHARS
          && java.util.Arrays.stream(host.split("\\.", -1)).allMatch(l -> l.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"));
      if (!labels || host.matches(".*\\.[0-9]+$")) {
        throw new InvalidInputException(where, "'" + host + "' is neither a DNS name (labels of letters, digits and '-') nor an IP address");
      }
    }
  }

  /** What happened to one file: made, kept as it was, or replaced. */
  public record Written(Path file, String what) {}

  private final Path dir;
  private final Clock clock;
  private final SecureRandom random;

  public ClusterKeys(Path dir, Clock clock, SecureRandom random) {
    this.dir = dir;
    this.clock = clock;
    this.random = random;
  }

  /**
   * Makes (or keeps) the CA, the trust store, the password and one keystore per node, each node's
   * certificate valid {@code validity} and naming its hosts; replaces a differing node keystore only
   * when {@code force}. Returns what it did, file by file.
   */
  public List<Written> write(Collection<NodeRequest> nodes, Certificates.KeyType keyType, Duration validity, boolean force) {
    Set<String> names = new HashSet<>();
    for (NodeRequest n : nodes) {
      if (!names.add(n.name())) {
        throw new InvalidInputException("--node " + n.name(), "named twice");
      }
      if (n.name().equals("ca") || n.name().equals("truststore")) {
        throw new InvalidInputException("--node " + n.name(), "'" + n.name() + "' is the name of a file of the CA; name the node otherwise");
      }
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new InvalidInputException("--out " + dir, "cannot make the directory: " + e.getMessage());
    }
    List<Written> done = new ArrayList<>();
    Authority ca = authority(keyType, done);
    char[] password = password(PASSWORD, done, force || !Files.exists(dir.resolve(TRUST_STORE)) && nodes.stream()
        .noneMatch(n -> Files.exists(nodeStore(n.name()))));
    trustStore(ca, password, force, done);
    for (NodeRequest n : nodes) {
      nodeStore(ca, n, keyType, validity, password, force, done);
    }
    return done;
  }

  public Path nodeStore(String node) {
    return dir.resolve(node + ".p12");
  }

  private record Authority(X509Certificate certificate, PrivateKey key) {}

  private Authority authority(Certificates.KeyType keyType, List<Written> done) {
    Path store = dir.resolve(CA_STORE);
    Path pem = dir.resolve(CA_CERTIFICATE);
    if (Files.exists(store)) {
      char[] password = readPassword(dir.resolve(CA_PASSWORD), CA_STORE);
      KeyStore ks = load(store, password);
      try {
        Authority ca = new Authority((X509Certificate) ks.getCertificate(CA_KEY_ALIAS), (PrivateKey) ks.getKey(CA_KEY_ALIAS, password));
        if (ca.certificate() == null || ca.key() == null) {
          throw new InvalidInputException(store.toString(), "holds no CA key '" + CA_KEY_ALIAS + "' (not made by vmflock keys?)");
        }
        done.add(new Written(store, "kept (the CA that signs the nodes)"));
        writeIfChanged(pem, pem(ca.certificate()), done);
        return ca;
      } catch (GeneralSecurityException e) {
        throw new InvalidInputException(store.toString(), "cannot read the CA's key: " + e.getMessage());
      }
    }
    char[] password = newPassword();
    KeyPair key = keyType.generate(random);
    Instant now = clock.now();
    // a name of its own: a node of another cluster's CA is then refused as signed by an unknown CA
    String name = CA_NAME + " " + java.util.HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(4).putInt(random.nextInt()).array());
    X509Certificate certificate = Certificates.authority(name, key, now.minus(CLOCK_SKEW), now.plus(CA_VALIDITY), random);
    writePrivate(dir.resolve(CA_PASSWORD), new String(password).getBytes(StandardCharsets.US_ASCII));
    KeyStore ks = empty();
    try {
      ks.setKeyEntry(CA_KEY_ALIAS, key.getPrivate(), password, new Certificate[] {certificate});
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    save(ks, store, password);
    done.add(new Written(store, "new CA (keep it here: it signs the nodes, new ones too; never copy it to a node)"));
    writeIfChanged(pem, pem(certificate), done);
    return new Authority(certificate, key.getPrivate());
  }

  private char[] password(String file, List<Written> done, boolean mayReplace) {
    Path f = dir.resolve(file);
    if (Files.exists(f)) {
      char[] password = readPassword(f, "the node keystores");
      done.add(new Written(f, "kept"));
      return password;
    }
    if (!mayReplace) {
      throw new InvalidInputException(f.toString(), "missing, and keystores made with it are here: put it back, or --force makes them anew");
    }
    char[] password = newPassword();
    writePrivate(f, new String(password).getBytes(StandardCharsets.US_ASCII));
    done.add(new Written(f, "new"));
    return password;
  }

  private void trustStore(Authority ca, char[] password, boolean force, List<Written> done) {
    Path store = dir.resolve(TRUST_STORE);
    if (Files.exists(store)) {
      try {
        KeyStore ks = load(store, password);
        if (ks.size() == 1 && ca.certificate().equals(ks.getCertificate(CA_ALIAS))) {
          done.add(new Written(store, "kept"));
          return;
        }
      } catch (InvalidInputException | GeneralSecurityException e) {
        // refused or replaced below
      }
      if (!force) {
        throw new InvalidInputException(store.toString(), "exists and does not hold this directory's CA alone; --force replaces it");
      }
    }
    KeyStore ks = empty();
    try {
      ks.setCertificateEntry(CA_ALIAS, ca.certificate());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    save(ks, store, password);
    done.add(new Written(store, "the CA's certificate, trusted"));
  }

  private void nodeStore(Authority ca, NodeRequest node, Certificates.KeyType keyType, Duration validity, char[] password, boolean force,
      List<Written> done) {
    Path store = nodeStore(node.name());
    boolean existed = Files.exists(store);
    if (existed) {
      String difference = differs(store, ca, node, password);
      if (difference.isEmpty()) {
        done.add(new Written(store, "kept (" + String.join(", ", node.hosts()) + ")"));
        return;
      }
      if (!force) {
        throw new InvalidInputException(store.toString(), "exists " + difference + "; --force replaces it");
      }
    }
    KeyPair key = keyType.generate(random);
    Instant now = clock.now();
    Instant until = now.plus(validity);
    if (until.isAfter(ca.certificate().getNotAfter().toInstant())) {
      throw new InvalidInputException("--validity-days", "node " + node.name() + "'s certificate would outlive the CA's (valid until "
          + ca.certificate().getNotAfter().toInstant() + ")");
    }
    X509Certificate certificate = Certificates.node(Certificates.Issuer.of(ca.certificate(), ca.key()), node.name(), key.getPublic(),
        node.hosts(), now.minus(CLOCK_SKEW), until, random);
    KeyStore ks = empty();
    try {
      ks.setKeyEntry(NODE_ALIAS, key.getPrivate(), password, new Certificate[] {certificate, ca.certificate()});
      ks.setCertificateEntry(CA_ALIAS, ca.certificate());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    save(ks, store, password);
    done.add(new Written(store, (existed ? "replaced" : "new") + ": node " + node.name() + " (" + String.join(", ", node.hosts()) + ")"));
  }

  /** Empty when {@code store} is this node's keystore as asked (signed by this CA, these names); else how it differs. */
  private static String differs(Path store, Authority ca, NodeRequest node, char[] password) {
    try {
      KeyStore ks = load(store, password);
      Certificate[] chain = ks.getCertificateChain(NODE_ALIAS);
      if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) {
        return "without the key '" + NODE_ALIAS + "'";
      }
      try {
        cert.verify(ca.certificate().getPublicKey());
      } catch (GeneralSecurityException e) {
        return "signed by another CA";
      }
      Set<String> had = subjectNames(cert);
      if (!had.equals(new LinkedHashSet<>(node.hosts()))) {
        return "for other names (" + String.join(", ", had) + ")";
      }
      return "";
    } catch (InvalidInputException e) {
      return "and cannot be read with the password here (" + e.getMessage() + ")";
    } catch (GeneralSecurityException e) {
      return "and cannot be read (" + e.getMessage() + ")";
    }
  }

  /** A certificate's subject alternative names (DNS names and IP addresses), as given to {@link NodeRequest}. */
  public static Set<String> subjectNames(X509Certificate cert) {
    Set<String> names = new LinkedHashSet<>();
    try {
      if (cert.getSubjectAlternativeNames() != null) {
        for (List<?> san : cert.getSubjectAlternativeNames()) {
          String value = String.valueOf(san.get(1));
          names.add(Certificates.isIpLiteral(value) ? IpAddress.parse(value).toString() : value);
        }
      }
    } catch (CertificateParsingException e) {
      throw new IllegalStateException(e);
    }
    return names;
  }

  private char[] newPassword() {
    byte[] bytes = new byte[PASSWORD_BYTES];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).toCharArray();
  }

  private static char[] readPassword(Path f, String of) {
    if (!Files.isRegularFile(f)) {
      throw new InvalidInputException(f.toString(), "missing: the password of " + of + " beside it");
    }
    try {
      String p = Files.readString(f, StandardCharsets.UTF_8).strip();
      if (p.isEmpty()) {
        throw new InvalidInputException(f.toString(), "empty: it should hold the password of " + of);
      }
      return p.toCharArray();
    } catch (IOException e) {
      throw new InvalidInputException(f.toString(), "cannot read: " + e.getMessage());
    }
  }

  /** Reads a keystore; a wrong password or a damaged file is an {@link InvalidInputException} naming it. */
  public static KeyStore load(Path store, char[] password) {
    try (InputStream in = Files.newInputStream(store)) {
      KeyStore ks = KeyStore.getInstance(STORE_TYPE);
      ks.load(in, password);
      return ks;
    } catch (IOException | GeneralSecurityException e) {
      throw new InvalidInputException(store.toString(), "cannot read it as a " + STORE_TYPE + " keystore with its password: " + e.getMessage());
    }
  }

  private static KeyStore empty() {
    try {
      KeyStore ks = KeyStore.getInstance(STORE_TYPE);
      ks.load(null, null);
      return ks;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void save(KeyStore ks, Path store, char[] password) {
    Path tmp = temporary(store);
    try {
      try (OutputStream out = Files.newOutputStream(tmp)) {
        ks.store(out, password);
      }
      Files.move(tmp, store, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | GeneralSecurityException e) {
      deleteQuietly(tmp);
      throw new UncheckedIOException(new IOException("cannot write " + store + ": " + e.getMessage(), e));
    }
  }

  private static void writePrivate(Path f, byte[] content) {
    Path tmp = temporary(f);
    try {
      Files.write(tmp, content);
      Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw new UncheckedIOException("cannot write " + f, e);
    }
  }

  private static void writeIfChanged(Path f, String content, List<Written> done) {
    try {
      if (Files.exists(f) && Files.readString(f, StandardCharsets.US_ASCII).equals(content)) {
        return;
      }
      Path tmp = f.resolveSibling("." + f.getFileName() + ".tmp");
      Files.writeString(tmp, content, StandardCharsets.US_ASCII);
      Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      done.add(new Written(f, "the CA's certificate (PEM)"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + f, e);
    }
  }

  /** A new file beside {@code f}, readable by its owner only, from its creation on. */
  private static Path temporary(Path f) {
    Path tmp = f.resolveSibling("." + f.getFileName() + ".tmp");
    try {
      Files.deleteIfExists(tmp);
      return Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException e) {
      throw new UncheckedIOException("another vmflock keys writes " + f + " now", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write beside " + f, e);
    }
  }

  private static void deleteQuietly(Path f) {
    try {
      Files.deleteIfExists(f);
    } catch (IOException e) {
      // a stray temporary file, replaced by the next run
    }
  }

  /** A TLS context trusting the certificates of a PEM file (a cluster's ca.crt); {@code option} names it in a refusal. */
  public static javax.net.ssl.SSLContext trusting(Path pem, String option) {
    String where = option + " " + pem;
    Collection<? extends Certificate> certificates;
    try (InputStream in = Files.newInputStream(pem)) {
      certificates = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (IOException e) {
      throw new InvalidInputException(where, "cannot read it: " + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw new InvalidInputException(where, "not a PEM certificate: " + e.getMessage());
    }
    if (certificates.isEmpty()) {
      throw new InvalidInputException(where, "holds no certificate");
    }
    try {
      KeyStore ks = empty();
      int n = 0;
      for (Certificate c : certificates) {
        ks.setCertificateEntry("ca-" + n++, c);
      }
      javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      trust.init(ks);
      javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
      tls.init(null, trust.getTrustManagers(), null);
      return tls;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String pem(X509Certificate certificate) {
    try {
      return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
          .encodeToString(certificate.getEncoded()) + "\n-----END CERTIFICATE-----\n";
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
