package dev.ember.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTest {
  @TempDir Path dir;

  private static Tensor read(String text, Csv.Options o) throws IOException {
    return Csv.read(new StringReader(text), o);
  }

  @Test
  void readsARectangleOfNumbers() throws IOException {
    Tensor t = read("1,2.5,-3\n4e2, .5 ,+6\n", Csv.Options.DEFAULT);
    assertEquals(DType.FLOAT32, t.dtype());
    assertArrayEquals(new int[] {2, 3}, t.shape());
    assertArrayEquals(new float[] {1, 2.5f, -3, 400, 0.5f, 6}, t.toFloatArray(), 0);
  }

  @Test
  void headerCommentsBlankLinesQuotesAndCrlf() throws IOException {
    String text = "\uFEFF# made by hand\r\nx;y\r\n\r\n1;\"2\"  # trailing comment\r\n  # indented comment\r\n"
        + "3 ; 4\r\n";
    Csv.Options o = Csv.Options.DEFAULT.withDelimiter(';').withHeader(true);
    Tensor t = read(text, o);
    assertArrayEquals(new int[] {2, 2}, t.shape());
    assertArrayEquals(new float[] {1, 2, 3, 4}, t.toFloatArray(), 0);
    // Without comment handling, '#' lines are data and fail to parse.
    FormatException e = assertThrows(FormatException.class,
        () -> read("1,2\n#3,4\n", Csv.Options.DEFAULT.withComment(null)));
    assertTrue(e.getMessage().contains("line 2, column 1"), e.getMessage());
  }

  @Test
  void tabsAndSpecialValues() throws IOException {
    Tensor t = read("nan\tInf\t-inf\n-Infinity\t+NaN\t0\n", Csv.Options.DEFAULT.withDelimiter('\t'));
    float[] v = t.toFloatArray();
    assertTrue(Float.isNaN(v[0]) && Float.isNaN(v[4]));
    assertEquals(Float.POSITIVE_INFINITY, v[1]);
    assertEquals(Float.NEGATIVE_INFINITY, v[2]);
    assertEquals(Float.NEGATIVE_INFINITY, v[3]);
  }

  @Test
  void float32IsParsedDirectlyAndFloat64KeepsAllDigits() throws IOException {
    // Through double first, this decimal would round twice, to 1.0000002f.
    String x = "1.00000017881393432617187499";
    assertEquals(Float.parseFloat(x), read(x, Csv.Options.DEFAULT).toFloatArray()[0], 0);
    Tensor d = read("0.1,1e300\n", Csv.Options.DEFAULT.withDType(DType.FLOAT64));
    assertEquals(DType.FLOAT64, d.dtype());
    assertArrayEquals(new double[] {0.1, 1e300}, d.toDoubleArray(), 0);
  }

  @Test
  void badValuesNameTheLineColumnAndText() {
    String[][] cases = {
        {"1,2\n3,abc\n", "line 2, column 2: cannot parse \"abc\" as a number"},
        {"1,2\n3,1.5f\n", "line 2, column 2: cannot parse \"1.5f\""},
        {"1,2\n0x10,1\n", "line 2, column 1: cannot parse \"0x10\""},
        {"1,2\n3,1e\n", "line 2, column 2: cannot parse \"1e\""},
        {"1,,2\n", "line 1, column 2: empty value"},
    };
    for (String[] c : cases) {
      FormatException e = assertThrows(FormatException.class, () -> read(c[0], Csv.Options.DEFAULT));
      assertTrue(e.getMessage().contains(c[1]), e.getMessage());
    }
  }

  @Test
  void raggedRowsNameTheRow() {
    FormatException shorter = assertThrows(FormatException.class,
        () -> read("# c\n1,2,3\n4,5,6\n7,8\n", Csv.Options.DEFAULT));
    assertTrue(shorter.getMessage().contains(
        "line 4 (data row 3) has 2 columns, expected 3 as on line 2"), shorter.getMessage());
    FormatException longer = assertThrows(FormatException.class,
        () -> read("1,2\n3,4,5,6\n", Csv.Options.DEFAULT));
    assertTrue(longer.getMessage().contains("line 2 (data row 2) has 4 columns, expected 2"),
        longer.getMessage());
  }

  @Test
  void fileErrorsNameTheFile() throws IOException {
    Path p = dir.resolve("data.csv");
    Files.writeString(p, "1,2\n3,x\n", StandardCharsets.UTF_8);
    FormatException e = assertThrows(FormatException.class, () -> Csv.read(p));
    assertTrue(e.getMessage().startsWith(p + ": line 2, column 2"), e.getMessage());
  }

  @Test
  void noDataRowsGiveAnEmptyMatrix() throws IOException {
    Tensor t = read("a,b\n# nothing\n", Csv.Options.DEFAULT.withHeader(true));
    assertArrayEquals(new int[] {0, 0}, t.shape());
  }

  @Test
  void manyRowsGrowTheBuffer() throws IOException {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      b.append(i).append(',').append(-i).append('\n');
    }
    Tensor t = read(b.toString(), Csv.Options.DEFAULT.withDType(DType.FLOAT64));
    assertArrayEquals(new int[] {5000, 2}, t.shape());
    assertEquals(-4999, t.select(0, 4999).select(0, 1).item(), 0);
  }

  @Test
  void badOptionsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> Csv.Options.DEFAULT.withDType(DType.INT64));
    assertThrows(IllegalArgumentException.class, () -> Csv.Options.DEFAULT.withDelimiter('"'));
    assertThrows(IllegalArgumentException.class, () -> Csv.Options.DEFAULT.withDelimiter('#'));
  }
}
