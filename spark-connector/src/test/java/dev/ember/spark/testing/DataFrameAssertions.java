package dev.ember.spark.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Assertions on DataFrames, compared after collecting to the driver. */
public final class DataFrameAssertions {
  private DataFrameAssertions() {}

  /** Asserts both frames have the same schema and the same rows, in any order. */
  public static void assertSameRows(Dataset<Row> expected, Dataset<Row> actual) {
    assertEquals(expected.schema(), actual.schema(), "schema");
    assertEquals(sorted(expected), sorted(actual), "rows");
  }

  private static List<String> sorted(Dataset<Row> frame) {
    List<String> rows = new ArrayList<>();
    for (Row r : frame.collectAsList()) {
      rows.add(r.toString());
    }
    rows.sort(Comparator.naturalOrder());
    return rows;
  }
}
