package org.vmflock.simulate.report;

import java.time.Instant;

/**
 * A decision of a policy that changed something (an initial placement, migrations, a forced
 * evacuation by the platform), in one line, with what it predicted: the remaining time and cost of
 * the chosen placement and of staying put (negative where there was none).
 */
public record DecisionLine(Instant at, String application, String kind, int migrations, double predictedSeconds, double predictedCost,
    double staySeconds, double stayCost, String reason) {}
