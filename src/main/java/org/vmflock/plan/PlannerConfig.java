package org.vmflock.plan;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import org.vmflock.model.InvalidInputException;

/**
 * The {@code vmflock.planner} settings: the planner's own, the migration model's and the
 * estimator's calibration, and which grouping the planner moves as units.
 */
public record PlannerConfig(
    PlannerSettings planner,
    QemuPreCopyModel migration,
    double priorSigma,
    double smoothing,
    String grouping,
    PriceForecast prices) {

  public static PlannerConfig from(Config root) {
    try {
      Config c = root.getConfig("vmflock.planner");
      Config m = c.getConfig("migration");
      Config e = c.getConfig("estimator");
      String grouping = c.getString("grouping");
      String gainAt = c.getString("gain-at");
      if (!java.util.List.of("pessimistic", "centre").contains(gainAt)) {
        throw new InvalidInputException(c.getValue("gain-at").origin().description(),
            "vmflock.planner.gain-at must be pessimistic or centre, not '" + gainAt + "'");
      }
      if (!java.util.List.of("modularity", "report", "none").contains(grouping)) {
        throw new InvalidInputException(c.getValue("grouping").origin().description(),
            "vmflock.planner.grouping must be modularity, report or none, not '" + grouping + "'");
      }
      return new PlannerConfig(
          new PlannerSettings(
              c.getDouble("min-gain-fraction"),
              c.getDuration("min-gain-time").toNanos() / 1e9,
              c.getDouble("min-gain-cost"),
              c.getDuration("cooldown"),
              c.getLong("exhaustive-limit"),
              c.getInt("candidate-sites"),
              c.getInt("max-passes"),
              c.getInt("max-forced-moves"),
              c.getDuration("evacuation-lead"),
              gainAt.equals("pessimistic")),
          new QemuPreCopyModel(QemuPreCopyModel.Settings.from(m.getConfig("model")),
              new QemuPreCopyModel.Policy(m.getDouble("bandwidth-share"), m.getDuration("target-downtime"))),
          e.getDouble("prior-sigma"),
          e.getDouble("smoothing"),
          grouping,
          priceForecast(c.getConfig("price-forecast")));
    } catch (ConfigException ex) {
      throw new InvalidInputException(ex.origin() != null ? ex.origin().description() : "configuration", ex.getMessage());
    } catch (IllegalArgumentException ex) {
      throw new InvalidInputException("vmflock.planner", ex.getMessage());
    }
  }

  private static PriceForecast priceForecast(Config f) {
    String kind = f.getString("kind");
    if (!java.util.List.of("mean-reverting", "last").contains(kind)) {
      throw new InvalidInputException(f.getValue("kind").origin().description(),
          "vmflock.planner.price-forecast.kind must be mean-reverting or last, not '" + kind + "'");
    }
    return new PriceForecast(kind.equals("mean-reverting"), f.getDuration("lookback"), f.getInt("min-changes"), f.getDuration("reversion"));
  }

  /** These settings with the migration model calibrated by what past migrations took against their prediction. */
  public PlannerConfig withMigrations(CalibratedEstimator.Calibration observed) {
    return observed.observations() == 0 ? this
        : new PlannerConfig(planner, migration.calibrated(observed.factor()), priorSigma, smoothing, grouping, prices);
  }

  /** The model-based estimator, calibrated online. */
  public CalibratedEstimator estimator() {
    return new CalibratedEstimator(new BspExecutionModel(), priorSigma, smoothing);
  }

  public Planner planner(ExecutionTimeEstimator estimator) {
    return new Planner(planner, estimator, migration);
  }
}
