package dev.ember.transformers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * Writes the saved models kept under {@code src/test/resources/golden/} (STYLE item 10): one per
 * model class and Ember model format, from the fixed-weight networks of {@link TinyNets}, with
 * some params set so that loading them back checks params too. {@link GoldenModelTest} loads them
 * and checks their predictions against {@link TinyNets}' reference arithmetic.
 *
 * <p>Run once per new format version, from the module directory, with the test classpath (for
 * example {@code ./mvnw -pl transformers -am test-compile dependency:build-classpath
 * -Dmdep.outputFile=cp.txt}, then {@code java -cp target/test-classes:target/classes:$(cat cp.txt)
 * dev.ember.transformers.GoldenModels src/test/resources/golden}); never overwrite an existing
 * version: those are the files older releases wrote.
 */
public final class GoldenModels {
  /** The directory names of the saved models. */
  static final String CLASSIFIER_V1 = "classifier-v1";
  static final String REGRESSOR_V1 = "regressor-v1";
  /** Params set on the golden classifier before saving. */
  static final double[] THRESHOLDS = {1.0, 0.05, 0.5};
  static final int CLASSIFIER_BATCH_SIZE = 5;

  private GoldenModels() {}

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : "src/test/resources/golden");
    SparkSession spark = SparkSession.builder().master("local[1]").appName("golden")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      NeuralNetClassificationModel clf = TinyNets.classifier("NeuralNetClassificationModel_golden1")
          .setBatchSize(CLASSIFIER_BATCH_SIZE);
      clf.setThresholds(THRESHOLDS);
      clf.write().save(out.resolve(CLASSIFIER_V1).toString());
      NeuralNetRegressionModelTest.multi("NeuralNetRegressionModel_golden1")
          .write().save(out.resolve(REGRESSOR_V1).toString());
    } finally {
      spark.stop();
    }
    // Hadoop's local file system writes .crc checksum files; resources do without them.
    try (Stream<Path> files = Files.walk(out)) {
      for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".crc")).toList()) {
        Files.delete(p);
      }
    }
  }
}
