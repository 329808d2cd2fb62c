package dev.ember.transformers.feature;

import static dev.ember.transformers.feature.Fixtures.assertMessage;
import static dev.ember.transformers.feature.Fixtures.floats;
import static dev.ember.transformers.feature.Fixtures.rowError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.spark.InvalidRowException;
import dev.ember.spark.testing.SparkSessionExtension;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** ArrayToTensor: every input type, scaling and normalization, shapes, nulls, persistence. */
@ExtendWith(SparkSessionExtension.class)
class ArrayToTensorTest {
  private static final String[] COLUMNS = {"f", "d", "i", "l", "s", "b", "bin"};

  /** Row 0 of every column: 0, 2, ..., 10. Row 1: bytes above 127 in binary, negatives else. */
  private static Dataset<Row> numbers(SparkSession spark) {
    StructType schema = new StructType()
        .add("f", array(DataTypes.FloatType)).add("d", array(DataTypes.DoubleType))
        .add("i", array(DataTypes.IntegerType)).add("l", array(DataTypes.LongType))
        .add("s", array(DataTypes.ShortType)).add("b", array(DataTypes.ByteType))
        .add("bin", DataTypes.BinaryType).add("all", DataTypes.BinaryType);
    byte[] all = new byte[256];
    for (int k = 0; k < 256; k++) {
      all[k] = (byte) k;
    }
    Row even = RowFactory.create(List.of(0f, 2f, 4f, 6f, 8f, 10f),
        List.of(0.0, 2.0, 4.0, 6.0, 8.0, 10.0), List.of(0, 2, 4, 6, 8, 10),
        List.of(0L, 2L, 4L, 6L, 8L, 10L), shorts(0, 2, 4, 6, 8, 10), bytes(0, 2, 4, 6, 8, 10),
        new byte[] {0, 2, 4, 6, 8, 10}, all);
    Row signed = RowFactory.create(List.of(-1f, 0.25f, 3e5f, -7f, 1f, 9f),
        List.of(-1.0, 0.1, 3e5, -7.0, 1.0, 9.0), List.of(-1, -128, 3, -7, 1, 9),
        List.of(-1L, 1L << 40, 3L, -7L, 1L, 9L), shorts(-1, -128, 3, -7, 1, 9),
        bytes(-1, -128, 3, -7, 1, 9), new byte[] {-1, -128, 3, -7, 1, 9}, all);
    return spark.createDataFrame(List.of(even, signed), schema);
  }

  private static DataType array(DataType element) {
    return DataTypes.createArrayType(element, false);
  }

  private static List<Short> shorts(int... v) {
    List<Short> out = new ArrayList<>();
    for (int x : v) {
      out.add((short) x);
    }
    return out;
  }

  private static List<Byte> bytes(int... v) {
    List<Byte> out = new ArrayList<>();
    for (int x : v) {
      out.add((byte) x);
    }
    return out;
  }

  /** What a row's values should become: the formula of the class comment, in float32. */
  private static float[] expected(double[] x, double scale, float[] mean, float[] std) {
    float[] out = new float[x.length];
    int plane = x.length / mean.length;
    for (int k = 0; k < x.length; k++) {
      out[k] = ((float) (x[k] * scale) - mean[k / plane]) / std[k / plane];
    }
    return out;
  }

  @Test
  void everyInputTypeIsScaledAndNormalizedPerChannel(SparkSession spark) {
    Dataset<Row> result = numbers(spark);
    for (String c : COLUMNS) {
      result = new ArrayToTensor().setInputCol(c).setOutputCol(c + "_t").setShape(2, 3)
          .setScale(0.5).setMean(1, 2).setStd(2, 4).transform(result);
    }
    ArrayToTensor pixels = new ArrayToTensor().setInputCol("all").setOutputCol("all_t")
        .setShape(1, 16, 16).setScale(1.0 / 255);
    result = pixels.transform(result);
    for (String c : COLUMNS) {
      assertArrayEquals(new int[] {2, 3}, TensorColumns.shapeOf(result.schema().apply(c + "_t")));
    }
    assertArrayEquals(new int[] {1, 16, 16}, TensorColumns.shapeOf(result.schema().apply("all_t")));

    List<Row> rows = result.collectAsList();
    assertEquals(2, rows.size());
    for (Row row : rows) {
      boolean even = ((Number) row.getList(row.fieldIndex("i")).get(0)).intValue() == 0;
      for (String c : COLUMNS) {
        float[] got = floats(row, c + "_t");
        if (even) {
          // Channel 0 holds 0, 2, 4 -> 0, 1, 2 -> (v - 1) / 2; channel 1 holds 6, 8, 10 ->
          // 3, 4, 5 -> (v - 2) / 4.
          assertArrayEquals(new float[] {-0.5f, 0f, 0.5f, 0.25f, 0.5f, 0.75f}, got, c);
        } else {
          double[] x = switch (c) {
            case "f" -> new double[] {-1f, 0.25f, 3e5f, -7f, 1f, 9f};
            case "d" -> new double[] {-1.0, 0.1, 3e5, -7.0, 1.0, 9.0};
            case "l" -> new double[] {-1, 1L << 40, 3, -7, 1, 9};
            // Binary bytes are unsigned pixels; tinyint elements are Spark's signed numbers.
            case "bin" -> new double[] {255, 128, 3, 249, 1, 9};
            default -> new double[] {-1, -128, 3, -7, 1, 9};
          };
          assertArrayEquals(expected(x, 0.5, new float[] {1, 2}, new float[] {2, 4}), got, c);
        }
      }
      float[] all = floats(row, "all_t");
      for (int k = 0; k < 256; k++) {
        assertEquals(k / 255f, all[k], "byte " + k + " / 255 as torchvision's ToTensor");
      }
    }
  }

  @Test
  void aRowOfAnotherSizeIsAnErrorNamingColumnCountAndShape(SparkSession spark) {
    StructType schema = new StructType().add("x", array(DataTypes.DoubleType));
    Dataset<Row> df = spark.createDataFrame(List.of(
        RowFactory.create(List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0)),
        RowFactory.create(List.of(1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5))), schema);
    InvalidRowException e = rowError(() -> new ArrayToTensor().setInputCol("x").setShape(2, 3)
        .transform(df).collectAsList());
    assertEquals("x", e.column());
    assertTrue(e.getMessage().contains("a row has 7 values (starting 1.5, 2.5, 3.5, 4.5, 5.5,"
        + " ...); shape [2, 3] needs 6"), e.getMessage());
    // Skipping is for invalid rows; a wrong size is a wrong shape, so it stays an error.
    rowError(() -> new ArrayToTensor().setInputCol("x").setShape(2, 3).setHandleInvalid("skip")
        .transform(df).collectAsList());
  }

  @Test
  void nullRowsAndElementsAreErrorsOrSkipped(SparkSession spark) {
    StructType schema = new StructType()
        .add("x", DataTypes.createArrayType(DataTypes.FloatType, true), true);
    Dataset<Row> df = spark.createDataFrame(List.of(
        RowFactory.create(List.of(1f, 2f)), RowFactory.create((Object) null),
        RowFactory.create(Arrays.asList(3f, null))), schema);
    ArrayToTensor stage = new ArrayToTensor().setInputCol("x").setOutputCol("t").setShape(2);
    InvalidRowException e = rowError(() -> stage.transform(df).collectAsList());
    assertTrue(e.getMessage().contains("null"), e.getMessage());
    ArrayToTensor skipping = stage.copy(new ParamMap()).setHandleInvalid("skip");
    assertEquals("error", stage.getHandleInvalid(), "a copy has its own params");
    assertEquals(stage.uid(), skipping.uid());
    List<Row> kept = skipping.transform(df).collectAsList();
    assertEquals(1, kept.size());
    assertArrayEquals(new float[] {1f, 2f}, floats(kept.get(0), "t"));

    Dataset<Row> nullElement = df.where(df.col("x").isNotNull()).where("x[0] = 3");
    InvalidRowException n = rowError(() -> stage.transform(nullElement).collectAsList());
    assertTrue(n.getMessage().contains("null element at index 1"), n.getMessage());
  }

  @Test
  void transformSchemaChecksTheColumnAndParams() {
    StructType schema = new StructType().add("x", array(DataTypes.FloatType))
        .add("name", DataTypes.StringType).add("names", array(DataTypes.StringType));
    assertMessage(() -> new ArrayToTensor().setShape(3).transformSchema(schema), "set inputCol");
    assertMessage(() -> new ArrayToTensor().setInputCol("x").transformSchema(schema),
        "set shape");
    assertMessage(() -> new ArrayToTensor().setInputCol("name").setShape(3)
        .transformSchema(schema), "input column 'name' has type string");
    assertMessage(() -> new ArrayToTensor().setInputCol("names").setShape(3)
        .transformSchema(schema), "input column 'names' has type array<string>");
    assertMessage(() -> new ArrayToTensor().setInputCol("x").setShape(2, 3).setMean(0, 0, 0)
        .setStd(1).transformSchema(schema), "mean has 3 values; expected 1 or one per channel"
        + " (2)");
    assertMessage(() -> new ArrayToTensor().setInputCol("x").setShape(2, 3).setStd(1)
        .transformSchema(schema), "set both mean and std");

    assertEquals(List.of("handleInvalid", "inputCol", "mean", "outputCol", "scale", "shape",
        "std"), Arrays.stream(new ArrayToTensor().params()).map(Param::name).toList());
    assertThrows(IllegalArgumentException.class, () -> new ArrayToTensor().setShape());
    assertThrows(IllegalArgumentException.class, () -> new ArrayToTensor().setShape(3, 0));
    assertThrows(IllegalArgumentException.class,
        () -> new ArrayToTensor().setShape(65536, 65536));
    assertThrows(IllegalArgumentException.class,
        () -> new ArrayToTensor().setScale(Double.POSITIVE_INFINITY));

    StructType out = new ArrayToTensor().setInputCol("x").setOutputCol("t").setShape(1, 2, 3)
        .transformSchema(schema);
    assertEquals(TensorTransformer.OUTPUT_TYPE, out.apply("t").dataType());
    assertArrayEquals(new int[] {1, 2, 3}, TensorColumns.shapeOf(out.apply("t")));
  }

  @Test
  void savedAndLoadedGivesTheSameParamsAndOutput(SparkSession spark, @TempDir Path dir)
      throws IOException {
    ArrayToTensor stage = new ArrayToTensor().setInputCol("bin").setOutputCol("t")
        .setShape(3, 2).setScale(1.0 / 255).setMean(0.5, 0.25, 0.125).setStd(0.5)
        .setHandleInvalid("skip");
    String path = dir.resolve("array-to-tensor").toString();
    stage.write().save(path);
    assertTrue(Fixtures.savedMetadata(path).contains("\"formatVersion\":1"));
    ArrayToTensor loaded = ArrayToTensor.load(path);
    assertEquals(stage.uid(), loaded.uid());
    assertEquals("bin", loaded.getInputCol());
    assertEquals("t", loaded.getOutputCol());
    assertArrayEquals(new int[] {3, 2}, loaded.getShape());
    assertEquals(1.0 / 255, loaded.getScale());
    assertArrayEquals(new double[] {0.5, 0.25, 0.125}, loaded.getMean());
    assertArrayEquals(new double[] {0.5}, loaded.getStd());
    assertEquals("skip", loaded.getHandleInvalid());

    Dataset<Row> df = numbers(spark).select("bin");
    assertEquals(stage.transform(df).collectAsList(), loaded.transform(df).collectAsList());
  }
}
