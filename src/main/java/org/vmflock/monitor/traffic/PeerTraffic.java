package org.vmflock.monitor.traffic;

/** What a VM exchanged with one peer address in one period: frames and bytes on the wire. */
public record PeerTraffic(String address, long packets, long bytes) {}
