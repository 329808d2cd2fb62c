package dev.ember.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.spark.testing.SparkSessionExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The README's main job, one epoch, on the shared session. */
@ExtendWith(SparkSessionExtension.class)
class FashionMnistJobTest {
  @Test
  void trainsSavesLoadsAndClassifiesThroughSql(SparkSession spark, @TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("model");
    double accuracy = FashionMnistJob.run(spark, 1, out);
    assertTrue(accuracy > 0.5, "test accuracy after one epoch " + accuracy);
    assertTrue(Files.isDirectory(out.resolve("stages")));
    assertEquals(1, PipelineModel.load(out.toString()).stages().length);
    assertEquals(1000L, spark.sql("SELECT classify(features) FROM fashion_test").count());
  }

  @Test
  void argumentsAreChecked() {
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> Args.parse(new String[] {"--epoch", "3"}, "--epochs", "--model-out"));
    assertEquals("unknown argument '--epoch'; accepted: --epochs --model-out (each followed by a"
        + " value)", unknown.getMessage());
    IllegalArgumentException number = assertThrows(IllegalArgumentException.class,
        () -> Args.parse(new String[] {"--epochs", "three"}, "--epochs").intValue("--epochs", 1));
    assertEquals("--epochs takes a whole number; got 'three'", number.getMessage());
  }
}
