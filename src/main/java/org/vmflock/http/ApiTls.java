package org.vmflock.http;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;
import org.vmflock.model.InvalidInputException;

/**
 * HTTPS for the node's endpoint, optional ({@code vmflock.http.tls.enabled}): its key and
 * certificate from the node's keystore, {@code vmflock.tls} (the keystore the cluster's TLS takes
 * too). A keystore that cannot be read is an {@link InvalidInputException} naming the setting and
 * the file, before the node starts.
 */
public final class ApiTls {

  static final String SECTION = "vmflock.tls";

  private ApiTls() {}

  /** The server's TLS context if {@code vmflock.http.tls.enabled}; none otherwise. */
  public static Optional<HttpsConnectionContext> server(Config config) {
    if (!config.getBoolean("vmflock.http.tls.enabled")) {
      return Optional.empty();
    }
    String where = SECTION + ".key-store";
    String file = config.getString(where);
    if (file.isBlank()) {
      throw new InvalidInputException(where, "vmflock.http.tls.enabled is on: name the keystore (" + SECTION + ".key-store-type "
          + config.getString(SECTION + ".key-store-type") + ") that holds the node's key and certificate");
    }
    Path path = Path.of(file).toAbsolutePath().normalize();
    if (!Files.isRegularFile(path)) {
      throw new InvalidInputException(where, "no keystore file " + path);
    }
    char[] storePassword = config.getString(SECTION + ".key-store-password").toCharArray();
    String keyPassword = config.getString(SECTION + ".key-password");
    String type = config.getString(SECTION + ".key-store-type");
    KeyStore store;
    try {
      store = KeyStore.getInstance(type);
    } catch (GeneralSecurityException e) {
      throw new InvalidInputException(SECTION + ".key-store-type", "no keystore type " + type + " (PKCS12 or JKS)");
    }
    try (InputStream in = Files.newInputStream(path)) {
      store.load(in, storePassword);
    } catch (IOException | GeneralSecurityException e) {
      throw new InvalidInputException(where, "cannot read the " + type + " keystore " + path + " with " + SECTION
          + ".key-store-password: " + e.getMessage());
    }
    try {
      if (!java.util.Collections.list(store.aliases()).stream().anyMatch(a -> isKey(store, a))) {
        throw new InvalidInputException(where, path + " holds no private key (only certificates): the node needs its key and certificate");
      }
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, keyPassword.toCharArray());
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(keys.getKeyManagers(), null, new SecureRandom());
      return Optional.of(ConnectionContext.httpsServer(tls));
    } catch (GeneralSecurityException e) {
      throw new InvalidInputException(SECTION + ".key-password", "cannot take the key out of " + path + ": " + e.getMessage());
    }
  }

  private static boolean isKey(KeyStore store, String alias) {
    try {
      return store.isKeyEntry(alias);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
