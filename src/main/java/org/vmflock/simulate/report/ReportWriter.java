package org.vmflock.simulate.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmflock.simulate.report.ReportCharts.Figure;

/**
 * Writes what {@code vmflock simulate} found (S2) into a directory: results.csv (one row per policy
 * and application), results.json (the same with each policy's stats and totals), timeline.csv (one
 * row per timeline point), decisions.csv (each decision that changed something, with its reason
 * and predictions), the PNG figures (placement per policy, cumulative cost, completion, cost
 * split, traffic per profile), and index.html, a page showing them all in interactive charts drawn by
 * echarts, the library and the charts' data written beside it ({@link ReportInteractive}: it opens
 * from file://, offline). The CSV, JSON, script and HTML files are byte-identical for an identical
 * report: fixed orders, no locale, no time of writing, "\n" line ends, UTF-8.
 */
public final class ReportWriter {

  public static final String RESULTS_CSV = "results.csv";
  public static final String RESULTS_JSON = "results.json";
  public static final String TIMELINE_CSV = "timeline.csv";
  public static final String DECISIONS_CSV = "decisions.csv";
  public static final String INDEX_HTML = "index.html";
  public static final String SEEDS_CSV = "seeds.csv";

  private ReportWriter() {}

  /** Writes every file into {@code dir} (created if missing); returns their names, index.html last. */
  public static List<String> write(SimulationReport report, Path dir) throws IOException {
    return write(report, dir, List.of(), List.of());
  }

  /**
   * As {@link #write(SimulationReport, Path)}, index.html also showing {@code sections} after the
   * summary and linking {@code otherDataFiles} (which the caller writes into {@code dir}).
   */
  public static List<String> write(SimulationReport report, Path dir, List<ReportSection> sections, List<String> otherDataFiles) throws IOException {
    return write(report, Optional.empty(), dir, sections, otherDataFiles);
  }

  /**
   * As {@link #write(SimulationReport, Path, List, List)}, with the experiment's figures over several
   * seeds when it ran several: in results.json ("seeds"), seeds.csv and a section of index.html.
   */
  public static List<String> write(SimulationReport report, Optional<SeedSummary> seeds, Path dir, List<ReportSection> sections,
      List<String> otherDataFiles) throws IOException {
    Files.createDirectories(dir);
    List<String> data = new ArrayList<>(List.of(RESULTS_CSV, RESULTS_JSON, TIMELINE_CSV, DECISIONS_CSV));
    Optional<ReportSection> estimator = EstimatorCheck.section(report);
    if (estimator.isPresent()) {
      List<ReportSection> withEstimator = new ArrayList<>(sections);
      withEstimator.add(estimator.get());
      sections = withEstimator;
    }
    if (seeds.isPresent()) {
      data.add(SEEDS_CSV);
      Files.writeString(dir.resolve(SEEDS_CSV), seeds.get().csv(), StandardCharsets.UTF_8);
      List<ReportSection> withSeeds = new ArrayList<>();
      withSeeds.add(seeds.get().section(report.currency()));
      withSeeds.addAll(sections);
      sections = withSeeds;
    }
    Files.writeString(dir.resolve(RESULTS_CSV), ReportCsv.results(report), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve(RESULTS_JSON), ReportJson.json(report, seeds), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve(TIMELINE_CSV), ReportCsv.timeline(report), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve(DECISIONS_CSV), ReportCsv.decisions(report), StandardCharsets.UTF_8);
    List<Figure> figures = ReportCharts.write(report, dir);
    List<ReportInteractive.Chart> charts = ReportInteractive.charts(report);
    if (!charts.isEmpty()) {
      ReportInteractive.write(charts, dir);
    }
    List<String> linked = new ArrayList<>(data);
    linked.addAll(otherDataFiles);
    Files.writeString(dir.resolve(INDEX_HTML), ReportPage.html(report, figures, charts, linked, sections), StandardCharsets.UTF_8);
    List<String> written = new ArrayList<>(data);
    figures.forEach(f -> written.add(f.file()));
    if (!charts.isEmpty()) {
      written.addAll(ReportInteractive.FILES);
    }
    written.add(INDEX_HTML);
    return List.copyOf(written);
  }

  /**
   * The per-policy summary (applications finished, mean and worst completion, cost and its split,
   * migrations, bytes moved, deadlines, invariant checks, forced evacuations) as aligned text, then
   * which policy is cheapest and fastest per profile and per objective; ends with a line break.
   */
  public static String summaryTable(SimulationReport report) {
    return SummaryTable.text(report);
  }

  /** results.csv's text. */
  public static String resultsCsv(SimulationReport report) {
    return ReportCsv.results(report);
  }

  /** timeline.csv's text. */
  public static String timelineCsv(SimulationReport report) {
    return ReportCsv.timeline(report);
  }

  /** decisions.csv's text. */
  public static String decisionsCsv(SimulationReport report) {
    return ReportCsv.decisions(report);
  }

  /** results.json's text. */
  public static String resultsJson(SimulationReport report) {
    return ReportJson.json(report);
  }
}
