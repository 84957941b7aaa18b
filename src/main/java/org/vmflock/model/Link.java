package org.vmflock.model;

/** A network path between two sites, the same both ways. */
public record Link(String siteA, String siteB, NetworkPath path) {

  public Link {
    if (siteA.equals(siteB)) {
      throw new IllegalArgumentException("a link joins two different sites, not " + siteA + " to itself");
    }
  }

  public boolean joins(String a, String b) {
    return (siteA.equals(a) && siteB.equals(b)) || (siteA.equals(b) && siteB.equals(a));
  }
}
