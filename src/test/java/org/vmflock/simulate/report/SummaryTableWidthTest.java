package org.vmflock.simulate.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * index.html's summary table fits a 1,400 px window: its narrowest layout (a browser's min-content
 * width: headers broken at spaces, figures never, as the page's CSS says) is no wider than the
 * page's column (max-width 1300 px, 1332 px with its padding), measured with the font a Debian browser gives system-ui and
 * sans-serif (DejaVu Sans), at the table's 0.9 em of 16 px, headers in bold.
 */
class SummaryTableWidthTest {

  /** The page's column at a 1,400 px window: body max-width. */
  private static final double PAGE_COLUMN_PX = 1300;
  private static final float FONT_PX = 16 * 0.9f;
  /** Cell padding .5em on each side plus a 1 px border. */
  private static final double CELL_EXTRA_PX = 2 * 0.5 * FONT_PX + 1;

  @Test
  void theSummaryOfFourPoliciesFitsA1400PixelWindow() {
    String page = ReportPage.html(SampleReports.big(300, 20, 7), List.of(), List.of(), List.of(), List.of());
    assertTrue(page.contains("max-width:1300px;padding:0 1em") && page.contains("th,td{border:1px solid #ddd;padding:.25em .5em}"),
        "the column and the padding this test assumes");
    String table = page.substring(page.indexOf("<h2>Summary per policy</h2>"));
    table = table.substring(0, table.indexOf("</table>"));
    List<List<String[]>> rows = new ArrayList<>(); // per row, per cell: {tag, class, text}
    for (String tr : table.split("<tr>")) {
      List<String[]> cells = new ArrayList<>();
      Matcher m = Pattern.compile("<(th|td)( class=\"n\")?>(.*?)</(th|td)>").matcher(tr);
      while (m.find()) {
        cells.add(new String[] {m.group(1), m.group(2) == null ? "" : "n", m.group(3).replace("&amp;", "&")});
      }
      if (!cells.isEmpty()) {
        rows.add(cells);
      }
    }
    FontMetrics plain = metrics(Font.PLAIN);
    FontMetrics bold = metrics(Font.BOLD);
    int columns = rows.get(0).size();
    double width = 1;
    StringBuilder detail = new StringBuilder();
    for (int c = 0; c < columns; c++) {
      double widest = 0;
      for (List<String[]> row : rows) {
        String[] cell = row.get(c);
        FontMetrics fm = cell[0].equals("th") ? bold : plain;
        // a figure does not wrap (white-space:nowrap); text breaks at spaces
        String[] pieces = cell[1].equals("n") ? new String[] {cell[2]} : cell[2].split(" ");
        for (String piece : pieces) {
          widest = Math.max(widest, fm.getStringBounds(piece, null).getWidth());
        }
      }
      width += widest + CELL_EXTRA_PX;
      detail.append(rows.get(0).get(c)[2]).append(' ').append(Math.round(widest + CELL_EXTRA_PX)).append("; ");
    }
    assertTrue(width <= PAGE_COLUMN_PX, "the summary is at least " + Math.round(width) + " px wide: " + detail);
  }

  private static FontMetrics metrics(int style) {
    Font font = new Font("DejaVu Sans", style, 16).deriveFont(FONT_PX);
    assertTrue(font.getFamily().startsWith("DejaVu"), "DejaVu Sans is installed (fonts-dejavu-core): " + font.getFamily());
    Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
    try {
      return g.getFontMetrics(font);
    } finally {
      g.dispose();
    }
  }
}
