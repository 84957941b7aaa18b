package org.vmflock.monitor.stats;

/**
 * A VM's traffic in one period that is not VM-to-VM: what it received from addresses of no known VM
 * (a launcher, a gateway), what it sent to the file servers, the non-IP frames it received, and the
 * frames that reached its sensor after the period was reported.
 */
public record OtherTraffic(
    String vm,
    long fromOutsidePackets,
    long fromOutsideBytes,
    long toFileServersPackets,
    long toFileServersBytes,
    long nonIpFrames,
    long nonIpBytes,
    long lateFrames,
    boolean partial) {}
