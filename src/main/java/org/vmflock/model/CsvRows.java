package org.vmflock.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The rows of a CSV text (RFC 4180: cells separated by ',', a cell may be quoted with '"'), read by
 * jackson-dataformat-csv, each with its line number so that errors name it. Blank lines are skipped,
 * and so are comments: a line that is '#' alone or starts with '#' and a space. A line such as
 * {@code #vm1,...} is data (and a VM named {@code #vm1} is then refused for its name, not lost).
 */
public final class CsvRows {

  /** One row: the line it starts on (from 1) and its cells, each stripped of surrounding spaces. */
  public record Row(int line, List<String> cells) {
    public int size() {
      return cells.size();
    }

    public String cell(int i) {
      return cells.get(i);
    }
  }

  private static final CsvMapper MAPPER = CsvMapper.builder()
      .enable(CsvParser.Feature.WRAP_AS_ARRAY)
      .disable(CsvParser.Feature.ALLOW_TRAILING_COMMA)
      .disable(CsvParser.Feature.ALLOW_COMMENTS)
      .build();

  private CsvRows() {}

  /** Hands each row of {@code text} to {@code row} in order; {@code source} names the text in errors. */
  public static void forEach(String source, String text, Consumer<Row> row) {
    String body = blankComments(text);
    try (JsonParser p = MAPPER.getFactory().createParser(body)) {
      ((CsvParser) p).setSchema(CsvSchema.emptySchema());
      List<String> cells = new ArrayList<>();
      int depth = 0; // the whole text is one array (WRAP_AS_ARRAY), each row an array in it
      int line = 0;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.START_ARRAY) {
          depth++;
          cells = new ArrayList<>();
        } else if (t == JsonToken.END_ARRAY && depth-- == 2) {
          if (!(cells.size() == 1 && cells.get(0).isBlank())) {
            row.accept(new Row(line, List.copyOf(cells)));
          }
        } else if (t == JsonToken.VALUE_STRING) {
          if (cells.isEmpty()) {
            line = p.currentTokenLocation().getLineNr(); // a row's line is that of its first cell
          }
          cells.add(p.getText().strip());
        }
      }
    } catch (IOException e) {
      String message = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      int line = e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null ? j.getLocation().getLineNr() : 0;
      throw new InvalidInputException(source + (line > 0 ? ":" + line : ""), "malformed CSV: " + Limits.quoted(String.valueOf(message)));
    }
  }

  /** The rows of {@code text}, as {@link #forEach}. */
  public static List<Row> read(String source, String text) {
    List<Row> rows = new ArrayList<>();
    forEach(source, text, rows::add);
    return rows;
  }

  /** Whether {@code line} is a comment: '#' alone or followed by a space. */
  public static boolean isComment(String line) {
    String t = line.strip();
    return t.equals("#") || t.startsWith("# ") || t.startsWith("#\t");
  }

  /** The comment lines made empty (so that line numbers stay true). */
  private static String blankComments(String text) {
    if (text.indexOf('#') < 0) {
      return text;
    }
    StringBuilder blanked = new StringBuilder(text.length());
    int i = 0;
    while (i <= text.length()) {
      int end = text.indexOf('\n', i);
      String line = text.substring(i, end < 0 ? text.length() : end);
      blanked.append(isComment(line) ? "" : line);
      if (end < 0) {
        break;
      }
      blanked.append('\n');
      i = end + 1;
    }
    return blanked.toString();
  }
}
