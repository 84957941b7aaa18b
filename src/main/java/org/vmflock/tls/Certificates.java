package org.vmflock.tls;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.vmflock.model.IpAddress;

/**
 * X.509 certificates for a cluster's own CA and its nodes, made with the JDK alone: key pairs from
 * {@link KeyPairGenerator}, the certificate's DER written by {@link Der}, signed with
 * {@link Signature}, read back by the JDK's {@link CertificateFactory} (which checks the encoding).
 */
public final class Certificates {

  /** The kinds of key a certificate may hold: EC P-256 (small and fast) or RSA 3072. */
  public enum KeyType {
    EC("SHA256withECDSA", "1.2.840.10045.4.3.2", false),
    RSA("SHA256withRSA", "1.2.840.113549.1.1.11", true);

    private static final int RSA_BITS = 3072;

    final String signatureAlgorithm;
    final String signatureOid;
    final boolean nullParameters;

    KeyType(String signatureAlgorithm, String signatureOid, boolean nullParameters) {
      this.signatureAlgorithm = signatureAlgorithm;
      this.signatureOid = signatureOid;
      this.nullParameters = nullParameters;
    }

    public KeyPair generate(SecureRandom random) {
      try {
        KeyPairGenerator g = KeyPairGenerator.getInstance(name());
        if (this == EC) {
          g.initialize(new ECGenParameterSpec("secp256r1"), random);
        } else {
          g.initialize(RSA_BITS, random);
        }
        return g.generateKeyPair();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("this JDK cannot make " + name() + " keys", e);
      }
    }

    /** The key type of a key (its algorithm name). */
    static KeyType of(PrivateKey key) {
      return key.getAlgorithm().equals("EC") ? EC : RSA;
    }

    private byte[] algorithmIdentifier() {
      return nullParameters ? Der.sequence(Der.oid(signatureOid), Der.nul()) : Der.sequence(Der.oid(signatureOid));
    }
  }

  /** Who signs: the issuer's distinguished name (DER, as its certificate has it), its key and public key. */
  public record Issuer(byte[] name, PrivateKey key, PublicKey publicKey) {
    public static Issuer of(X509Certificate certificate, PrivateKey key) {
      return new Issuer(certificate.getSubjectX500Principal().getEncoded(), key, certificate.getPublicKey());
    }
  }

  private static final String ORGANIZATION = "vmflock";
  private static final String CN = "2.5.4.3";
  private static final String O = "2.5.4.10";
  private static final String BASIC_CONSTRAINTS = "2.5.29.19";
  private static final String KEY_USAGE = "2.5.29.15";
  private static final String EXTENDED_KEY_USAGE = "2.5.29.37";
  private static final String SUBJECT_ALT_NAME = "2.5.29.17";
  private static final String SUBJECT_KEY_ID = "2.5.29.14";
  private static final String AUTHORITY_KEY_ID = "2.5.29.35";
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final int DIGITAL_SIGNATURE = 0;
  private static final int KEY_ENCIPHERMENT = 2;
  private static final int KEY_CERT_SIGN = 5;
  private static final int CRL_SIGN = 6;
  private static final int DNS_NAME = 0x82;
  private static final int IP_ADDRESS = 0x87;
  private static final int SERIAL_BITS = 127;

  private Certificates() {}

  /** A self-signed CA certificate for {@code key}, valid from {@code from} to {@code until}. */
  public static X509Certificate authority(String commonName, KeyPair key, Instant from, Instant until, SecureRandom random) {
    Issuer self = new Issuer(name(commonName), key.getPrivate(), key.getPublic());
    List<byte[]> extensions = List.of(
        extension(BASIC_CONSTRAINTS, true, Der.sequence(Der.bool(true))),
        extension(KEY_USAGE, true, Der.namedBits(DIGITAL_SIGNATURE, KEY_CERT_SIGN, CRL_SIGN)),
        extension(SUBJECT_KEY_ID, false, Der.octets(keyId(key.getPublic()))));
    return sign(self, commonName, key.getPublic(), from, until, extensions, random);
  }

  /**
   * A node's certificate, signed by {@code ca}: for TLS servers and clients both (the cluster's TLS
   * is mutual), naming {@code hosts} (DNS names and IP addresses) as its subject alternative names.
   */
  public static X509Certificate node(Issuer ca, String commonName, PublicKey key, List<String> hosts, Instant from, Instant until,
      SecureRandom random) {
    List<byte[]> names = new ArrayList<>();
    for (String host : hosts) {
      names.add(isIpLiteral(host) ? Der.tagged(IP_ADDRESS, ipBytes(host)) : Der.tagged(DNS_NAME, host.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }
    int[] usage = key.getAlgorithm().equals("RSA") ? new int[] {DIGITAL_SIGNATURE, KEY_ENCIPHERMENT} : new int[] {DIGITAL_SIGNATURE};
    List<byte[]> extensions = List.of(
        extension(BASIC_CONSTRAINTS, true, Der.sequence()),
        extension(KEY_USAGE, true, Der.namedBits(usage)),
        extension(EXTENDED_KEY_USAGE, false, Der.sequence(Der.oid(SERVER_AUTH), Der.oid(CLIENT_AUTH))),
        extension(SUBJECT_ALT_NAME, false, Der.sequence(names.toArray(byte[][]::new))),
        extension(SUBJECT_KEY_ID, false, Der.octets(keyId(key))),
        extension(AUTHORITY_KEY_ID, false, Der.sequence(Der.tagged(0x80, keyId(ca.publicKey())))));
    return sign(ca, commonName, key, from, until, extensions, random);
  }

  /** Whether a host as given is an IP address literal (IPv4 dotted quad, or IPv6 with colons). */
  public static boolean isIpLiteral(String host) {
    return host.indexOf(':') >= 0 || host.matches("[0-9.]+");
  }

  private static byte[] ipBytes(String host) {
    IpAddress ip = IpAddress.parse(host);
    byte[] sixteen = java.nio.ByteBuffer.allocate(16).putLong(ip.high()).putLong(ip.low()).array();
    return ip.isIpv4() ? java.util.Arrays.copyOfRange(sixteen, 12, 16) : sixteen;
  }

  private static X509Certificate sign(Issuer issuer, String subject, PublicKey subjectKey, Instant from, Instant until,
      List<byte[]> extensions, SecureRandom random) {
    KeyType type = KeyType.of(issuer.key());
    byte[] tbs = Der.sequence(
        Der.tagged(0xa0, Der.integer(BigInteger.TWO)), // version 3
        Der.integer(new BigInteger(SERIAL_BITS, random).add(BigInteger.ONE)),
        type.algorithmIdentifier(),
        issuer.name(),
        Der.sequence(Der.time(from.atZone(ZoneOffset.UTC)), Der.time(until.atZone(ZoneOffset.UTC))),
        name(subject),
        subjectKey.getEncoded(),
        Der.tagged(0xa3, Der.sequence(extensions.toArray(byte[][]::new))));
    try {
      Signature s = Signature.getInstance(type.signatureAlgorithm);
      s.initSign(issuer.key(), random);
      s.update(tbs);
      byte[] certificate = Der.sequence(tbs, type.algorithmIdentifier(), Der.bits(s.sign()));
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(certificate));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a certificate for " + subject + ": " + e.getMessage(), e);
    }
  }

  private static byte[] name(String commonName) {
    return Der.sequence(
        Der.set(Der.sequence(Der.oid(O), Der.utf8(ORGANIZATION))),
        Der.set(Der.sequence(Der.oid(CN), Der.utf8(commonName))));
  }

  private static byte[] extension(String oid, boolean critical, byte[] value) {
    return critical ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octets(value)) : Der.sequence(Der.oid(oid), Der.octets(value));
  }

  /** A key's identifier: the SHA-1 of its encoding (RFC 5280 allows any method that is unique). */
  private static byte[] keyId(PublicKey key) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(key.getEncoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
