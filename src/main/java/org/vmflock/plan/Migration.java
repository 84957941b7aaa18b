package org.vmflock.plan;

/** A live migration of one VM between two sites, with what it is predicted to take and cost. */
public record Migration(String application, String vm, String from, String to, MigrationEstimate estimate, double cost) {}
