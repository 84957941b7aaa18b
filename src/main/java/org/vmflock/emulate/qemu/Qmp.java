package org.vmflock.emulate.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A client of the QEMU Machine Protocol: JSON lines over QEMU's unix socket
 * ({@code -qmp unix:PATH,server=on,wait=off}). Synchronous: {@link #execute} sends a command and
 * returns its {@code return} value; the asynchronous events that arrive meanwhile are kept
 * ({@link #events}). One caller at a time.
 */
public final class Qmp implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final SocketChannel channel;
  private final BufferedReader in;
  private final OutputStream out;
  private final List<JsonNode> events = new ArrayList<>();
  private long nextId = 1;

  private Qmp(SocketChannel channel) {
    this.channel = channel;
    this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
    this.out = Channels.newOutputStream(channel);
  }

  /** Connects to QEMU's socket {@code socket}, retrying until {@code timeout} (QEMU may still be starting), and negotiates capabilities. */
  public static Qmp connect(Path socket, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        channel.connect(UnixDomainSocketAddress.of(socket));
        Qmp qmp = new Qmp(channel);
        JsonNode greeting = qmp.read();
        if (!greeting.has("QMP")) {
          throw new QmpException("not a QMP greeting on " + socket + ": " + greeting);
        }
        qmp.execute("qmp_capabilities", Map.of());
        return qmp;
      } catch (IOException e) {
        channel.close();
        if (System.nanoTime() - deadline >= 0) {
          throw new IOException("cannot reach QEMU's QMP socket " + socket + " within " + timeout + ": " + e.getMessage(), e);
        }
        try {
          Thread.sleep(CONNECT_RETRY_MILLIS);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while connecting to " + socket, ie);
        }
      }
    }
  }

  private static final long CONNECT_RETRY_MILLIS = 20;

  /** Runs {@code command} with {@code arguments}; its {@code return} value, or a {@link QmpException} with QEMU's error. */
  public synchronized JsonNode execute(String command, Map<String, ?> arguments) throws IOException {
    ObjectNode request = JSON.createObjectNode();
    request.put("execute", command);
    if (!arguments.isEmpty()) {
      request.set("arguments", JSON.valueToTree(arguments));
    }
    long id = nextId++;
    request.put("id", id);
    out.write((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    while (true) {
      JsonNode reply = read();
      if (reply.has("event")) {
        events.add(reply);
        continue;
      }
      if (reply.path("id").asLong(-1) != id) {
        continue; // an answer to an earlier command whose caller gave up
      }
      if (reply.has("error")) {
        JsonNode error = reply.get("error");
        throw new QmpException(command + ": " + error.path("class").asText() + ": " + error.path("desc").asText());
      }
      return reply.path("return");
    }
  }

  public JsonNode execute(String command) throws IOException {
    return execute(command, Map.of());
  }

  /** The events received so far, oldest first, and forgets them. */
  public synchronized List<JsonNode> events() {
    List<JsonNode> all = List.copyOf(events);
    events.clear();
    return all;
  }

  private JsonNode read() throws IOException {
    String line = in.readLine();
    if (line == null) {
      throw new IOException("QEMU closed its QMP socket");
    }
    return JSON.readTree(line);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /** QEMU refused a command. */
  public static final class QmpException extends IOException {
    public QmpException(String message) {
      super(message);
    }
  }
}
