package dev.ember.io;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads a CSV file of numbers into a 2-D tensor {@code [rows, columns]}, like NumPy's {@code
 * loadtxt}.
 *
 * <p>Rules: fields are separated by {@link Options#delimiter()} and trimmed of spaces and tabs; a
 * field may be enclosed in double quotes; text from {@link Options#comment()} to the end of a line
 * is ignored, and lines left blank are skipped; with {@link Options#header()} the first line that
 * is not blank or a comment is skipped. Values are decimal numbers ({@code 1}, {@code -2.5}, {@code
 * 3e-4}, {@code .5}) or {@code nan}, {@code inf}, {@code -inf}, {@code infinity} in any case. A
 * float32 value is parsed directly to the nearest float (not through double). A file without data
 * rows gives shape {@code [0, 0]}.
 */
public final class Csv {
  private Csv() {}

  /**
   * How to read a CSV file.
   *
   * @param delimiter the field separator (',' by default; e.g. ';' or '\t')
   * @param header whether the first non-comment line is a header to skip (false by default)
   * @param comment the prefix that starts a comment, or null or empty for none ("#" by default)
   * @param dtype float32 (default) or float64
   */
  public record Options(char delimiter, boolean header, String comment, DType dtype) {
    /** Comma-separated, no header, "#" comments, float32. */
    public static final Options DEFAULT = new Options(',', false, "#", DType.FLOAT32);

    /**
     * Checks the options.
     *
     * @throws IllegalArgumentException if dtype is not floating point, or the delimiter is a
     *     double quote, a line break, or the start of the comment prefix
     */
    public Options {
      if (dtype == null || !dtype.isFloatingPoint()) {
        throw new IllegalArgumentException("CSV reads into float32 or float64, not " + dtype);
      }
      if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
        throw new IllegalArgumentException("bad CSV delimiter '" + delimiter + "'");
      }
      if (comment != null && !comment.isEmpty() && comment.charAt(0) == delimiter) {
        throw new IllegalArgumentException("comment prefix '" + comment
            + "' starts with the delimiter '" + delimiter + "'");
      }
    }

    /** These options with another delimiter. */
    public Options withDelimiter(char d) {
      return new Options(d, header, comment, dtype);
    }

    /** These options with or without a header line. */
    public Options withHeader(boolean h) {
      return new Options(delimiter, h, comment, dtype);
    }

    /** These options with another comment prefix (null or empty: no comments). */
    public Options withComment(String prefix) {
      return new Options(delimiter, header, prefix, dtype);
    }

    /** These options reading into another dtype (float32 or float64). */
    public Options withDType(DType d) {
      return new Options(delimiter, header, comment, d);
    }
  }

  /** Reads a comma-separated file of numbers into float32 ({@link Options#DEFAULT} rules). */
  public static Tensor read(Path path) throws IOException {
    return read(path, Options.DEFAULT);
  }

  /**
   * Reads a CSV file of numbers (UTF-8) into a 2-D tensor.
   *
   * @throws FormatException naming the line and column of a value that is not a number or is
   *     empty, or the line of a row with a different number of columns than the first
   * @throws IOException if the file cannot be read
   */
  public static Tensor read(Path path, Options options) throws IOException {
    try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      return read(r, options, path.toString());
    }
  }

  /** Reads CSV text from a reader (not closed); see {@link #read(Path, Options)}. */
  public static Tensor read(Reader reader, Options options) throws IOException {
    return read(reader, options, "CSV");
  }

  private static Tensor read(Reader reader, Options o, String what) throws IOException {
    BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
    boolean f32 = o.dtype() == DType.FLOAT32;
    float[] fs = f32 ? new float[1024] : null;
    double[] ds = f32 ? null : new double[1024];
    int n = 0;
    int cols = -1;
    int rows = 0;
    int firstDataLine = 0;
    boolean headerPending = o.header();
    String comment = o.comment() == null || o.comment().isEmpty() ? null : o.comment();
    int lineNo = 0;
    String line;
    while ((line = in.readLine()) != null) {
      lineNo++;
      if (lineNo == 1 && line.startsWith("\uFEFF")) {
        line = line.substring(1); // a UTF-8 byte order mark
      }
      if (comment != null) {
        int c = line.indexOf(comment);
        if (c >= 0) {
          line = line.substring(0, c);
        }
      }
      if (line.isBlank()) {
        continue;
      }
      if (headerPending) {
        headerPending = false;
        continue;
      }
      int count = 0;
      int start = 0;
      while (true) {
        int end = line.indexOf(o.delimiter(), start);
        String field = line.substring(start, end < 0 ? line.length() : end);
        count++;
        if (cols >= 0 && count > cols) {
          throw ragged(what, lineNo, rows, countFields(line, o.delimiter()), cols, firstDataLine);
        }
        if (f32) {
          if (n == fs.length) {
            fs = Arrays.copyOf(fs, grow(n, what));
          }
          fs[n++] = (float) parse(field, true, what, lineNo, count);
        } else {
          if (n == ds.length) {
            ds = Arrays.copyOf(ds, grow(n, what));
          }
          ds[n++] = parse(field, false, what, lineNo, count);
        }
        if (end < 0) {
          break;
        }
        start = end + 1;
      }
      if (cols < 0) {
        cols = count;
        firstDataLine = lineNo;
      } else if (count != cols) {
        throw ragged(what, lineNo, rows, count, cols, firstDataLine);
      }
      rows++;
    }
    if (rows == 0) {
      return f32 ? Tensor.of(new float[0], 0, 0) : Tensor.of(new double[0], 0, 0);
    }
    return f32 ? Tensor.of(Arrays.copyOf(fs, n), rows, cols)
        : Tensor.of(Arrays.copyOf(ds, n), rows, cols);
  }

  private static int grow(int n, String what) throws FormatException {
    if (n >= Integer.MAX_VALUE - 8) {
      throw new FormatException(what + ": more than 2^31 - 1 values, the most a tensor holds");
    }
    return (int) Math.min(Integer.MAX_VALUE - 8, 2L * n);
  }

  private static int countFields(String line, char delimiter) {
    int c = 1;
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) == delimiter) {
        c++;
      }
    }
    return c;
  }

  private static FormatException ragged(String what, int lineNo, int row, int count, int cols,
      int firstDataLine) {
    return new FormatException(what + ": line " + lineNo + " (data row " + (row + 1) + ") has "
        + count + " columns, expected " + cols + " as on line " + firstDataLine
        + " (the first data row)");
  }

  /** Parses one field; the result is exactly a float's value when {@code f32}. */
  private static double parse(String raw, boolean f32, String what, int lineNo, int col)
      throws FormatException {
    String s = strip(raw);
    if (s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"') {
      s = strip(s.substring(1, s.length() - 1));
    }
    if (s.isEmpty()) {
      throw new FormatException(what + ": line " + lineNo + ", column " + col + ": empty value");
    }
    // Java's parsers also take hex floats and a trailing 'f'/'d' suffix; CSV numbers are plain
    // decimals, so anything else is rejected before parsing.
    boolean plain = true;
    for (int i = 0; i < s.length() && plain; i++) {
      plain = "0123456789+-.eE".indexOf(s.charAt(i)) >= 0;
    }
    if (!plain) {
      String lower = s.toLowerCase(Locale.ROOT);
      String body = lower.startsWith("-") || lower.startsWith("+") ? lower.substring(1) : lower;
      if (body.equals("nan")) {
        return Double.NaN;
      }
      if (body.equals("inf") || body.equals("infinity")) {
        return lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
      }
      throw notANumber(what, lineNo, col, raw);
    }
    try {
      return f32 ? Float.parseFloat(s) : Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw notANumber(what, lineNo, col, raw);
    }
  }

  private static FormatException notANumber(String what, int lineNo, int col, String raw) {
    return new FormatException(what + ": line " + lineNo + ", column " + col + ": cannot parse \""
        + raw.strip() + "\" as a number");
  }

  private static String strip(String s) {
    int a = 0;
    int b = s.length();
    while (a < b && (s.charAt(a) == ' ' || s.charAt(a) == '\t')) {
      a++;
    }
    while (b > a && (s.charAt(b - 1) == ' ' || s.charAt(b - 1) == '\t')) {
      b--;
    }
    return s.substring(a, b);
  }
}
