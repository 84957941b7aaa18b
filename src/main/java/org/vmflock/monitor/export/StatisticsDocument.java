package org.vmflock.monitor.export;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.xml.XmlMapper;
import com.fasterxml.jackson.dataformat.xml.annotation.JacksonXmlElementWrapper;
import com.fasterxml.jackson.dataformat.xml.annotation.JacksonXmlProperty;
import com.fasterxml.jackson.dataformat.xml.annotation.JacksonXmlRootElement;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.monitor.stats.OtherTraffic;
import org.vmflock.monitor.stats.PeriodStatistics;
import org.vmflock.monitor.traffic.HostTraffic;

/**
 * The global statistics of every period as a document (M7): XML as the report's collector wrote
 * it, and the same content as JSON. Only non-zero VM pairs are listed.
 */
@JacksonXmlRootElement(localName = "statistics")
@JsonPropertyOrder({"generator", "periodMillis", "vms", "periods"})
public record StatisticsDocument(
    @JacksonXmlProperty(isAttribute = true) String generator,
    @JacksonXmlProperty(isAttribute = true) long periodMillis,
    @JacksonXmlElementWrapper(localName = "vms") @JacksonXmlProperty(localName = "vm") List<String> vms,
    @JacksonXmlElementWrapper(useWrapping = false) @JacksonXmlProperty(localName = "period") List<Period> periods) {

  @JsonPropertyOrder({"id", "start", "end", "complete", "missing", "extrapolated", "traffic", "other", "hosts"})
  public record Period(
      @JacksonXmlProperty(isAttribute = true) long id,
      @JacksonXmlProperty(isAttribute = true) String start,
      @JacksonXmlProperty(isAttribute = true) String end,
      @JacksonXmlProperty(isAttribute = true) boolean complete,
      @JacksonXmlElementWrapper(useWrapping = false) List<String> missing,
      @JacksonXmlElementWrapper(useWrapping = false) List<String> extrapolated,
      @JacksonXmlElementWrapper(useWrapping = false) @JacksonXmlProperty(localName = "traffic") List<Pair> traffic,
      @JacksonXmlElementWrapper(useWrapping = false) @JacksonXmlProperty(localName = "other") List<Other> other,
      @JacksonXmlElementWrapper(useWrapping = false) @JacksonXmlProperty(localName = "host") List<Host> hosts) {}

  @JsonPropertyOrder({"src", "dst", "packets", "bytes"})
  public record Pair(
      @JacksonXmlProperty(isAttribute = true) String src,
      @JacksonXmlProperty(isAttribute = true) String dst,
      @JacksonXmlProperty(isAttribute = true) long packets,
      @JacksonXmlProperty(isAttribute = true) long bytes) {}

  /** Traffic of a VM that is not between VMs; {@code partial} when its sensor saw only part of the period. */
  @JsonPropertyOrder({"vm", "fromOutsidePackets", "fromOutsideBytes", "toFileServersPackets", "toFileServersBytes", "nonIpFrames", "nonIpBytes", "lateFrames", "partial"})
  public record Other(
      @JacksonXmlProperty(isAttribute = true) String vm,
      @JacksonXmlProperty(isAttribute = true) long fromOutsidePackets,
      @JacksonXmlProperty(isAttribute = true) long fromOutsideBytes,
      @JacksonXmlProperty(isAttribute = true) long toFileServersPackets,
      @JacksonXmlProperty(isAttribute = true) long toFileServersBytes,
      @JacksonXmlProperty(isAttribute = true) long nonIpFrames,
      @JacksonXmlProperty(isAttribute = true) long nonIpBytes,
      @JacksonXmlProperty(isAttribute = true) long lateFrames,
      @JacksonXmlProperty(isAttribute = true) boolean partial) {}

  /** What a capture saw that belongs to no VM. */
  @JsonPropertyOrder({"name", "unknownDestinationFrames", "unknownDestinationBytes", "multicastFrames", "multicastBytes", "malformedFrames", "malformedBytes"})
  public record Host(
      @JacksonXmlProperty(isAttribute = true) String name,
      @JacksonXmlProperty(isAttribute = true) long unknownDestinationFrames,
      @JacksonXmlProperty(isAttribute = true) long unknownDestinationBytes,
      @JacksonXmlProperty(isAttribute = true) long multicastFrames,
      @JacksonXmlProperty(isAttribute = true) long multicastBytes,
      @JacksonXmlProperty(isAttribute = true) long malformedFrames,
      @JacksonXmlProperty(isAttribute = true) long malformedBytes) {}

  public static StatisticsDocument of(List<PeriodStatistics> periods, List<String> vms, long periodMillis) {
    return new StatisticsDocument("vmflock", periodMillis, vms, periods.stream().map(p -> period(p, vms)).toList());
  }

  private static Period period(PeriodStatistics p, List<String> vms) {
    TrafficMatrix m = p.matrix().reorder(vms);
    List<Pair> pairs = new ArrayList<>();
    for (int s = 0; s < m.size(); s++) {
      for (int d = 0; d < m.size(); d++) {
        if (m.packets(s, d) != 0 || m.bytes(s, d) != 0) {
          pairs.add(new Pair(vms.get(s), vms.get(d), (long) m.packets(s, d), (long) m.bytes(s, d)));
        }
      }
    }
    return new Period(
        p.period(),
        Instant.ofEpochMilli(p.startMillis()).toString(),
        Instant.ofEpochMilli(p.endMillis()).toString(),
        p.complete(),
        p.missing(),
        p.extrapolated(),
        pairs,
        p.other().stream().map(StatisticsDocument::other).toList(),
        p.hosts().stream().map(StatisticsDocument::host).toList());
  }

  private static Other other(OtherTraffic o) {
    return new Other(o.vm(), o.fromOutsidePackets(), o.fromOutsideBytes(), o.toFileServersPackets(), o.toFileServersBytes(),
        o.nonIpFrames(), o.nonIpBytes(), o.lateFrames(), o.partial());
  }

  private static Host host(HostTraffic h) {
    return new Host(h.host(), h.unknownDestinationFrames(), h.unknownDestinationBytes(), h.multicastFrames(), h.multicastBytes(),
        h.malformedFrames(), h.malformedBytes());
  }

  public static ObjectMapper json() {
    return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }

  public static XmlMapper xml() {
    XmlMapper m = new XmlMapper();
    m.enable(SerializationFeature.INDENT_OUTPUT);
    return m;
  }

  public void writeJson(Path file) throws IOException {
    json().writeValue(file.toFile(), this);
  }

  public void writeXml(Path file) throws IOException {
    xml().writeValue(file.toFile(), this);
  }
}
