package org.vmflock.simulate.report;

import java.time.Instant;
import java.util.Optional;

/**
 * A decision of a policy that changed something (an initial placement, migrations, a forced
 * evacuation by the platform), in one line, with what it predicted: the remaining time and cost of
 * the chosen placement and of staying put (absent where there was none).
 */
public record DecisionLine(Instant at, String application, String kind, int migrations, Optional<Double> predictedSeconds,
    Optional<Double> predictedCost, Optional<Double> staySeconds, Optional<Double> stayCost, String reason) {}
