package org.vmflock.monitor.traffic;

/**
 * What a VM's sensor sends its site's collector at the end of a period (M1, M2): the VM's traffic,
 * the frames that arrived for periods already reported ({@code lateFrames}, normally zero), and
 * whether the sensor observed only part of the period (it started or stopped inside it).
 */
public record SensorReport(String site, String host, VmTraffic traffic, long lateFrames, long lateBytes, boolean partial) {

  public String vm() {
    return traffic.vm();
  }

  public long period() {
    return traffic.period();
  }
}
