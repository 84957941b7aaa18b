package org.vmflock.simulate.report;

import java.util.List;

/**
 * A table a caller adds to index.html after the summary (an emulation's measured migrations, for
 * one): a heading, the column names, the rows as text, and a note under it.
 *
 * @param numeric which columns are figures (aligned right)
 */
public record ReportSection(String title, List<String> header, boolean[] numeric, List<List<String>> rows, String note) {

  public ReportSection {
    int columns = header.size();
    if (numeric.length != columns || rows.stream().anyMatch(r -> r.size() != columns)) {
      throw new IllegalArgumentException("section " + title + ": every row and the alignment have the header's " + columns + " columns");
    }
    header = List.copyOf(header);
    rows = rows.stream().map(List::copyOf).toList();
    numeric = numeric.clone();
  }
}
