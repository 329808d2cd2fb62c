package dev.ember.examples;

import dev.ember.estimators.NeuralNetClassifier;
import dev.ember.spark.EpochRecord;
import dev.ember.spec.Network;
import dev.ember.testdata.FashionMnist;
import dev.ember.transformers.NeuralNetClassificationModel;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The main job: trains W2's CNN on the bundled Fashion-MNIST subset (6,000 training images,
 * 1,000 test images) through the Spark ML stage on an embedded {@code local[2]} Spark, prints the
 * per-epoch progress and the test accuracy, saves the {@code PipelineModel}, loads it back and
 * classifies test rows through the SQL UDF.
 *
 * <pre>
 * ./mvnw -q install -DskipTests
 * java -jar examples/target/ember-examples.jar [--epochs N] [--model-out DIR]
 * </pre>
 */
public final class FashionMnistJob {
  private FashionMnistJob() {}

  /** W2's network: two 3x3 convolutions with max pooling, then two linear layers. */
  public static Network cnn() {
    return Network.sequential()
        .conv2d(1, 32, 3, 1, 1).relu().maxPool2d(2)
        .conv2d(32, 64, 3, 1, 1).relu().maxPool2d(2)
        .flatten().linear(64 * 7 * 7, 128).relu().linear(128, 10);
  }

  /** Runs the job; see the class comment for the arguments. */
  public static void main(String[] args) throws Exception {
    JvmFlags.relaunchWithVectorModuleIfMissing(FashionMnistJob.class, args);
    Args a = Args.parse(args, "--epochs", "--model-out");
    int epochs = a.intValue("--epochs", 3);
    Path out = Path.of(a.value("--model-out", "target/fashion-mnist-model")).toAbsolutePath();
    SparkSession spark = SparkSession.builder()
        .appName("Ember Fashion-MNIST")
        .master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try {
      run(spark, epochs, out);
    } finally {
      spark.stop();
    }
  }

  static double run(SparkSession spark, int epochs, Path out) throws java.io.IOException {
    Dataset<Row> train = FashionMnistFrames.of(spark, FashionMnist.trainSubset(), 2).cache();
    Dataset<Row> test = FashionMnistFrames.of(spark, FashionMnist.testSubset(), 2).cache();
    System.out.printf(Locale.ROOT, "Fashion-MNIST subset: %d training rows, %d test rows,"
        + " 2 partitions%n", train.count(), test.count());

    NeuralNetClassifier cnn = new NeuralNetClassifier()
        .setNetwork(cnn())
        .setInputShape(1, 28, 28)
        .setBatchSize(64)
        .setMaxEpochs(epochs)
        .setLearningRate(1e-3)
        .setSeed(1);
    PipelineModel model = new Pipeline().setStages(new PipelineStage[] {cnn}).fit(train);

    NeuralNetClassificationModel fitted = (NeuralNetClassificationModel) model.stages()[0];
    for (EpochRecord e : fitted.summary().epochs()) {
      System.out.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f, %.0f samples/s, sync %d ms%n",
          e.epoch(), epochs, e.trainLoss(), e.samplesPerSecond(), e.syncMillis());
    }
    double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy")
        .evaluate(model.transform(test));
    System.out.printf(Locale.ROOT, "test accuracy: %.4f%n", accuracy);

    model.write().overwrite().save(out.toString());
    System.out.println("saved the PipelineModel to " + out);
    PipelineModel loaded = PipelineModel.load(out.toString());
    NeuralNetClassificationModel classifier = (NeuralNetClassificationModel) loaded.stages()[0];
    spark.udf().register("classify", classifier.udf());
    test.createOrReplaceTempView("fashion_test");
    System.out.println("loaded it back; SELECT label, classify(features) FROM fashion_test:");
    spark.sql("SELECT label, classify(features) AS predicted FROM fashion_test LIMIT 10").show();
    return accuracy;
  }
}
