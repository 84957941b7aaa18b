package org.vmflock.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link TrafficMatrix} in JSON and CBOR, sparse: its VMs, and the non-zero cells as one flat
 * list {@code [sender, receiver, packets, bytes, ...]}. Communication patterns are sparse (a rank
 * talks to a few neighbours), so a matrix of many VMs stays small; the values are exact. The dense
 * form ({@code packets} and {@code bytes} as rows), written by release 0.1, is read too.
 */
final class TrafficMatrixJson {

  private TrafficMatrixJson() {}

  static final class Writer extends JsonSerializer<TrafficMatrix> {
    @Override
    public void serialize(TrafficMatrix m, JsonGenerator g, SerializerProvider p) throws IOException {
      g.writeStartObject();
      g.writeArrayFieldStart("vms");
      for (String vm : m.vms()) {
        g.writeString(vm);
      }
      g.writeEndArray();
      g.writeArrayFieldStart("cells");
      int n = m.size();
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          double packets = m.packets(i, j);
          double bytes = m.bytes(i, j);
          if (packets != 0 || bytes != 0) {
            g.writeNumber(i);
            g.writeNumber(j);
            g.writeNumber(packets);
            g.writeNumber(bytes);
          }
        }
      }
      g.writeEndArray();
      g.writeEndObject();
    }
  }

  static final class Reader extends JsonDeserializer<TrafficMatrix> {
    @Override
    public TrafficMatrix deserialize(JsonParser parser, DeserializationContext ctx) throws IOException {
      JsonNode node = parser.getCodec().readTree(parser);
      JsonNode vmsNode = node.get("vms");
      if (vmsNode == null || !vmsNode.isArray()) {
        throw ctx.weirdStringException(String.valueOf(node), TrafficMatrix.class, "a traffic matrix names its VMs");
      }
      List<String> vms = new ArrayList<>();
      vmsNode.forEach(v -> vms.add(v.asText()));
      int n = vms.size();
      double[][] packets = new double[n][n];
      double[][] bytes = new double[n][n];
      if (node.has("cells")) {
        JsonNode cells = node.get("cells");
        if (cells.size() % 4 != 0) {
          throw ctx.weirdStringException(String.valueOf(cells.size()), TrafficMatrix.class, "cells come four numbers at a time");
        }
        for (int k = 0; k < cells.size(); k += 4) {
          int i = cells.get(k).asInt(-1);
          int j = cells.get(k + 1).asInt(-1);
          if (i < 0 || i >= n || j < 0 || j >= n) {
            throw ctx.weirdStringException(i + "," + j, TrafficMatrix.class, "a cell outside the " + n + "x" + n + " matrix");
          }
          packets[i][j] = cells.get(k + 2).asDouble();
          bytes[i][j] = cells.get(k + 3).asDouble();
        }
      } else {
        // release 0.1: dense rows
        read(node.get("packets"), packets, ctx);
        read(node.get("bytes"), bytes, ctx);
      }
      return new TrafficMatrix(vms, packets, bytes);
    }

    private static void read(JsonNode rows, double[][] into, DeserializationContext ctx) throws IOException {
      if (rows == null || rows.size() != into.length) {
        throw ctx.weirdStringException(String.valueOf(rows), TrafficMatrix.class, "dense rows of the matrix's size");
      }
      for (int i = 0; i < into.length; i++) {
        for (int j = 0; j < into.length; j++) {
          into[i][j] = rows.get(i).get(j).asDouble();
        }
      }
    }
  }
}
