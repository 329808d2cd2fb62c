package dev.ember.transformers.feature;

import static dev.ember.transformers.feature.Fixtures.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.spark.testing.DataFrameAssertions;
import dev.ember.spark.testing.SparkSessionExtension;
import dev.ember.tensor.Tensor;
import dev.ember.testdata.FashionMnist;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The feature transformers inside a Pipeline that is saved, loaded, fitted, saved and loaded. */
@ExtendWith(SparkSessionExtension.class)
class FeaturePipelineTest {
  private static final int IMAGES = 8;
  private static final int SIZE = FashionMnist.SIZE * FashionMnist.SIZE;

  @Test
  void pipelineAndPipelineModelSaveLoadAndGiveTheSameTensors(
      SparkSession spark, @TempDir Path dir) throws IOException {
    float[] pixels;
    try (var scope = Tensor.scope()) {
      pixels = FashionMnist.trainSubset().images().narrow(0, 0, IMAGES).contiguous()
          .toFloatArray();
    }
    List<Row> rows = new ArrayList<>();
    for (int n = 0; n < IMAGES; n++) {
      byte[] bytes = new byte[SIZE];
      double[] values = new double[SIZE];
      for (int k = 0; k < SIZE; k++) {
        bytes[k] = (byte) Math.round(pixels[n * SIZE + k] * 255);
        values[k] = pixels[n * SIZE + k];
      }
      rows.add(RowFactory.create(n, bytes, Vectors.dense(values)));
    }
    StructType schema = new StructType().add("id", DataTypes.IntegerType)
        .add("pixels", DataTypes.BinaryType).add("features", SQLDataTypes.VectorType());
    Dataset<Row> df = spark.createDataFrame(rows, schema);

    float mean = 0.2860f;
    float std = 0.3530f;
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
      new ArrayToTensor().setInputCol("pixels").setOutputCol("x").setShape(1, 28, 28)
          .setScale(1.0 / 255).setMean(mean).setStd(std),
      new VectorToTensor().setInputCol("features").setOutputCol("y").setShape(1, 28, 28)
    });
    pipeline.save(dir.resolve("pipeline").toString());
    PipelineModel model = Pipeline.load(dir.resolve("pipeline").toString()).fit(df);
    model.save(dir.resolve("model").toString());
    PipelineModel loaded = PipelineModel.load(dir.resolve("model").toString());

    Dataset<Row> before = model.transform(df);
    Dataset<Row> after = loaded.transform(df);
    // Rows print binary values by identity, so the comparison leaves the pixels column out.
    DataFrameAssertions.assertSameRows(before.drop("pixels"), after.drop("pixels"));
    assertArrayEquals(new int[] {1, 28, 28}, TensorColumns.shapeOf(after.schema().apply("x")));
    assertArrayEquals(new int[] {1, 28, 28}, TensorColumns.shapeOf(after.schema().apply("y")));

    List<Row> out = after.collectAsList();
    assertEquals(IMAGES, out.size());
    for (Row row : out) {
      int n = row.getInt(0);
      float[] want = new float[SIZE];
      System.arraycopy(pixels, n * SIZE, want, 0, SIZE);
      assertArrayEquals(want, floats(row, "y"), "vector " + n);
      float[] normalized = new float[SIZE];
      for (int k = 0; k < SIZE; k++) {
        // The bytes over 255 are exactly the loader's x / 255 floats, then torchvision's Normalize.
        normalized[k] = (want[k] - mean) / std;
      }
      assertArrayEquals(normalized, floats(row, "x"), "pixels " + n);
    }
  }
}
