package org.vmflock.simulate.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * An experiment repeated over several seeds (S1, S2): per policy, the mean over the seeds of its
 * mean completion time, total cost, unfinished applications and migrations, each with its 95 %
 * confidence interval (Student's t over the seeds); and per policy other than the first, its paired
 * difference with the first (same seed, same arrivals and noise), which says whether a policy is
 * ahead beyond the seeds' spread. Deterministic: the same runs give the same text.
 *
 * @param seeds the seeds, in the order run
 * @param policies per policy (in the experiment's order), the summaries of its runs, one per seed
 */
public record SeedSummary(List<Long> seeds, Map<String, List<PolicySummary>> policies) {

  /** The figures summed up, each with how it is read from a run's summary. */
  private static final List<String> FIGURES = List.of("mean_completion_h", "total_cost", "unfinished", "migrations");
  private static final int DECIMALS = 6;
  private static final List<ToDoubleFunction<PolicySummary>> READ = List.of(s -> s.meanCompletionSeconds() / 3600, PolicySummary::totalCost,
      PolicySummary::unfinished, s -> s.migrations());

  public SeedSummary {
    seeds = List.copyOf(seeds);
    Map<String, List<PolicySummary>> copy = new LinkedHashMap<>();
    for (Map.Entry<String, List<PolicySummary>> e : policies.entrySet()) {
      if (e.getValue().size() != seeds.size()) {
        throw new IllegalArgumentException("policy " + e.getKey() + " has " + e.getValue().size() + " runs for " + seeds.size() + " seeds");
      }
      copy.put(e.getKey(), List.copyOf(e.getValue()));
    }
    if (seeds.isEmpty() || copy.isEmpty()) {
      throw new IllegalArgumentException("a summary over seeds needs a seed and a policy");
    }
    policies = java.util.Collections.unmodifiableMap(copy);
  }

  /**
   * A mean over the seeds and its 95 % confidence interval's half width (NaN with one seed).
   *
   * @param mean the mean of the values
   * @param halfWidth t(0.975, n - 1) x sd / sqrt(n)
   */
  public record Estimate(double mean, double halfWidth) {

    public static Estimate of(double[] values) {
      int n = values.length;
      double mean = 0;
      for (double v : values) {
        mean += v / n;
      }
      if (n < 2) {
        return new Estimate(mean, Double.NaN);
      }
      double ss = 0;
      for (double v : values) {
        ss += (v - mean) * (v - mean);
      }
      double sd = Math.sqrt(ss / (n - 1));
      double t = new TDistribution(null, n - 1).inverseCumulativeProbability(0.975);
      return new Estimate(mean, t * sd / Math.sqrt(n));
    }

    public double low() {
      return mean - halfWidth;
    }

    public double high() {
      return mean + halfWidth;
    }

    /** Whether the interval holds 0 (a difference not told apart from none). */
    public boolean holdsZero() {
      return !(low() > 0 || high() < 0);
    }

    /** {@code 12.34 ± 0.56}, or the mean alone with one seed. */
    public String text(String format) {
      return Double.isNaN(halfWidth) ? String.format(Locale.ROOT, format, mean)
          : String.format(Locale.ROOT, format + " ± " + format.replace("+", ""), mean, halfWidth);
    }
  }

  /** The reference of the paired differences: the first policy. */
  public String reference() {
    return policies.keySet().iterator().next();
  }

  /** Figure {@code figure} (index in {@link #FIGURES}) of {@code policy} over the seeds. */
  public Estimate estimate(String policy, int figure) {
    return Estimate.of(values(policy, figure));
  }

  /** Figure {@code figure} of {@code policy} minus the reference's, seed by seed. */
  public Estimate difference(String policy, int figure) {
    double[] a = values(policy, figure);
    double[] b = values(reference(), figure);
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i] - b[i];
    }
    return Estimate.of(d);
  }

  private double[] values(String policy, int figure) {
    return policies.get(policy).stream().mapToDouble(READ.get(figure)).toArray();
  }

  /** seeds.csv: one row per policy and seed. */
  public String csv() {
    StringBuilder out = new StringBuilder("policy,seed,").append(String.join(",", FIGURES)).append('\n');
    policies.forEach((p, runs) -> {
      for (int i = 0; i < runs.size(); i++) {
        PolicySummary s = runs.get(i);
        out.append(p).append(',').append(seeds.get(i));
        for (ToDoubleFunction<PolicySummary> r : READ) {
          out.append(',').append(ReportFormat.fixed(r.applyAsDouble(s), DECIMALS));
        }
        out.append('\n');
      }
    });
    return out.toString();
  }

  /** Fills {@code out}, results.json's "seeds": the seeds, and per policy each figure's mean, interval and difference with the reference. */
  void json(ObjectNode out) {
    seeds.forEach(out.putArray("seeds")::add);
    out.put("confidence", 0.95);
    out.put("reference", reference());
    ObjectNode byPolicy = out.putObject("policies");
    for (String p : policies.keySet()) {
      ObjectNode figures = byPolicy.putObject(p);
      for (int f = 0; f < FIGURES.size(); f++) {
        ObjectNode one = figures.putObject(FIGURES.get(f));
        interval(one, "", estimate(p, f));
        if (!p.equals(reference())) {
          interval(one, "minus_reference_", difference(p, f));
        }
      }
    }
  }

  private static void interval(ObjectNode o, String prefix, Estimate e) {
    o.put(prefix + "mean", ReportFormat.decimal(e.mean(), DECIMALS));
    if (Double.isNaN(e.halfWidth())) {
      o.putNull(prefix + "ci95");
    } else {
      o.putArray(prefix + "ci95").add(ReportFormat.decimal(e.low(), DECIMALS)).add(ReportFormat.decimal(e.high(), DECIMALS));
    }
  }

  private static final String[] COLUMNS = {"policy", "mean completion (h)", "vs %s (h)", "cost %s", "vs %s", "unfinished", "migrations"};

  /** The rows of the table: per policy its figures and differences, as text. */
  private List<List<String>> rows() {
    List<List<String>> rows = new ArrayList<>();
    for (String p : policies.keySet()) {
      boolean ref = p.equals(reference());
      rows.add(List.of(p, estimate(p, 0).text("%.2f"), ref ? "" : difference(p, 0).text("%+.2f") + verdict(difference(p, 0)),
          estimate(p, 1).text("%.2f"), ref ? "" : difference(p, 1).text("%+.2f") + verdict(difference(p, 1)), estimate(p, 2).text("%.1f"),
          estimate(p, 3).text("%.1f")));
    }
    return rows;
  }

  private static String verdict(Estimate d) {
    return Double.isNaN(d.halfWidth()) ? "" : d.holdsZero() ? " (=)" : d.mean() < 0 ? " (less)" : " (more)";
  }

  private List<String> header(String currency) {
    List<String> h = new ArrayList<>();
    for (String c : COLUMNS) {
      h.add(c.contains("%s") ? String.format(Locale.ROOT, c, c.startsWith("cost") ? currency : reference()) : c);
    }
    return h;
  }

  private String note() {
    return String.format(Locale.ROOT, "Over %d seeds (%s): mean ± half width of the 95 %% confidence interval (Student's t, %d degrees of"
        + " freedom). \"vs %s\": the paired difference with %s on the same seed; (=) when its interval holds 0, (less) or (more)"
        + " otherwise. The other files of this report are of seed %d.", seeds.size(), seedList(), seeds.size() - 1, reference(), reference(),
        seeds.get(0));
  }

  private String seedList() {
    return seeds.size() <= 3 ? seeds.toString() : seeds.get(0) + ".." + seeds.get(seeds.size() - 1);
  }

  /** The section index.html shows. */
  public ReportSection section(String currency) {
    return new ReportSection("Across seeds", header(currency), new boolean[] {false, true, true, true, true, true, true}, rows(), note());
  }

  /** The same as aligned text, for the terminal; ends with a line break. */
  public String table(String currency) {
    List<String> header = header(currency);
    List<List<String>> rows = rows();
    int[] width = new int[header.size()];
    for (int c = 0; c < width.length; c++) {
      width[c] = header.get(c).length();
      for (List<String> r : rows) {
        width[c] = Math.max(width[c], r.get(c).length());
      }
    }
    StringBuilder out = new StringBuilder("\nAcross seeds\n");
    line(out, header, width);
    List<String> rule = new ArrayList<>();
    for (int w : width) {
      rule.add("-".repeat(w));
    }
    line(out, rule, width);
    rows.forEach(r -> line(out, r, width));
    out.append('(').append(note()).append(")\n");
    return out.toString();
  }

  private static void line(StringBuilder out, List<String> cells, int[] width) {
    for (int c = 0; c < cells.size(); c++) {
      String cell = cells.get(c);
      out.append(c == 0 ? String.format("%-" + width[c] + "s", cell) : "  " + String.format("%" + width[c] + "s", cell));
    }
    out.append('\n');
  }
}
