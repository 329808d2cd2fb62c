package dev.ember.transformers.feature;

import static dev.ember.transformers.feature.Fixtures.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.spark.testing.SparkSessionExtension;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Stages saved by an earlier release still load with the same params and give the same output.
 *
 * <p>{@code saved-v1/} (test resources, this package) holds the stages below as formatVersion 1
 * wrote them; {@link #writeSavedStages} made it, run once with {@code -Dember.writeSavedStages=true}
 * from the transformers module. A later release adds {@code saved-v2/} beside it and keeps this.
 */
@ExtendWith(SparkSessionExtension.class)
class SavedStagesTest {
  private static final String RESOURCE = "saved-v1";

  static ImageToTensor imageToTensor() {
    return new ImageToTensor("imageToTensor_v1").setOutputCol("t").setHeight(32).setWidth(24)
        .setOutputChannels(3).setMean(0.485, 0.456, 0.406).setStd(0.229, 0.224, 0.225)
        .setHandleInvalid("skip");
  }

  static ArrayToTensor arrayToTensor() {
    return new ArrayToTensor("arrayToTensor_v1").setInputCol("a").setOutputCol("t")
        .setShape(2, 3).setScale(0.5).setMean(1, 2).setStd(2, 4);
  }

  static VectorToTensor vectorToTensor() {
    return new VectorToTensor("vectorToTensor_v1").setInputCol("v").setShape(3, 2)
        .setScale(2);
  }

  @Test
  @EnabledIfSystemProperty(named = "ember.writeSavedStages", matches = "true")
  void writeSavedStages(SparkSession spark) throws IOException {
    Path root = Path.of("src/test/resources/dev/ember/transformers/feature", RESOURCE);
    imageToTensor().write().overwrite().save(root.resolve("image-to-tensor").toString());
    arrayToTensor().write().overwrite().save(root.resolve("array-to-tensor").toString());
    vectorToTensor().write().overwrite().save(root.resolve("vector-to-tensor").toString());
    // Hadoop's checksum files only guard a local copy; they would go stale in version control.
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".crc")).toList()) {
        Files.delete(f);
      }
    }
  }

  private static String saved(String name) throws URISyntaxException {
    return Path.of(SavedStagesTest.class.getResource(RESOURCE + "/" + name).toURI()).toString();
  }

  @Test
  void imageToTensorLoadsWithItsParams() throws URISyntaxException {
    ImageToTensor want = imageToTensor();
    ImageToTensor got = ImageToTensor.load(saved("image-to-tensor"));
    assertEquals(want.uid(), got.uid());
    assertEquals(want.getInputCol(), got.getInputCol());
    assertEquals(want.getOutputCol(), got.getOutputCol());
    assertEquals(want.getHeight(), got.getHeight());
    assertEquals(want.getWidth(), got.getWidth());
    assertEquals(want.getOutputChannels(), got.getOutputChannels());
    assertArrayEquals(want.getMean(), got.getMean());
    assertArrayEquals(want.getStd(), got.getStd());
    assertEquals(want.getHandleInvalid(), got.getHandleInvalid());
    StructType schema = new StructType().add("image", ImageSchema.columnSchema());
    assertEquals(want.transformSchema(schema), got.transformSchema(schema));
  }

  @Test
  void arrayAndVectorToTensorLoadAndGiveTheSameOutput(SparkSession spark)
      throws URISyntaxException {
    ArrayToTensor array = ArrayToTensor.load(saved("array-to-tensor"));
    VectorToTensor vector = VectorToTensor.load(saved("vector-to-tensor"));
    assertEquals("arrayToTensor_v1", array.uid());
    assertEquals("vectorToTensor_v1", vector.uid());
    assertEquals("vectorToTensor_v1__output", vector.getOutputCol());

    StructType schema = new StructType()
        .add("a", DataTypes.createArrayType(DataTypes.IntegerType, false))
        .add("v", SQLDataTypes.VectorType());
    Dataset<Row> df = spark.createDataFrame(List.of(
        RowFactory.create(List.of(0, 2, 4, 6, 8, 10), Vectors.dense(1, 2, 3, 4, 5, 6))), schema);
    Row row = vector.transform(array.transform(df)).collectAsList().get(0);
    assertArrayEquals(new float[] {-0.5f, 0f, 0.5f, 0.25f, 0.5f, 0.75f}, floats(row, "t"));
    assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12},
        floats(row, "vectorToTensor_v1__output"));
  }
}
