package dev.ember.transformers.feature;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.spark.InvalidRowException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.function.Executable;

/** Helpers shared by the feature transformer tests. */
final class Fixtures {
  private Fixtures() {}

  /** The floats of array column {@code column} of {@code row}. */
  static float[] floats(Row row, String column) {
    List<Float> list = row.getList(row.fieldIndex(column));
    float[] out = new float[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = list.get(i);
    }
    return out;
  }

  /** Asserts {@code call} throws an IllegalArgumentException whose message has {@code fragment}. */
  static void assertMessage(Executable call, String fragment) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().contains(fragment), () -> "'" + fragment + "' not in: "
        + e.getMessage());
  }

  /** The metadata JSON line of a stage saved at {@code path}. */
  static String savedMetadata(String path) throws IOException {
    try (Stream<Path> files = Files.list(Path.of(path, "metadata"))) {
      Path part = files.filter(f -> f.getFileName().toString().startsWith("part-")).findFirst()
          .orElseThrow(() -> new IOException("no part file under " + path + "/metadata"));
      return Files.readString(part);
    }
  }

  /**
   * Runs {@code job}, which must fail, and returns the {@link InvalidRowException} that Spark's
   * exception wraps.
   */
  static InvalidRowException rowError(Executable job) {
    Throwable t = assertThrows(Exception.class, job);
    Throwable cause = t;
    while (cause != null && !(cause instanceof InvalidRowException)) {
      cause = cause.getCause();
    }
    assertNotNull(cause, () -> "no InvalidRowException in the cause chain of " + t);
    return (InvalidRowException) cause;
  }
}
