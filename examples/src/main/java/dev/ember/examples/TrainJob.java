package dev.ember.examples;

import dev.ember.estimators.NeuralNetClassifier;
import dev.ember.spark.EpochRecord;
import dev.ember.spec.Network;
import dev.ember.testdata.FashionMnist;
import dev.ember.transformers.NeuralNetClassificationModel;
import java.nio.file.Files;
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
 * The {@code spark-submit} job: trains a network on Fashion-MNIST IDX files through the Spark ML
 * stage on whatever cluster {@code spark-submit} names, prints the per-epoch progress and the
 * test accuracy, and saves the {@code PipelineModel}.
 *
 * <pre>
 * spark-submit --class dev.ember.examples.TrainJob examples/target/ember-examples-spark-submit.jar \
 *     --data DIR --epochs 5 --device auto --model-out URI [--network cnn|mlp|FILE.json]
 *     [--input-shape 1,28,28] [--partitions N]
 * </pre>
 *
 * {@code --data} is a directory with Fashion-MNIST's four gzipped IDX files, readable by the
 * driver ({@code subset} uses the bundled 6,000/1,000 subset); {@code --network} is {@code cnn}
 * (W2's, the default), {@code mlp} (W1's) or a JSON file written by {@code Network.toJson()};
 * {@code --input-shape 1,28,28} reshapes the 784 pixels per row (the default for {@code cnn};
 * flat otherwise); {@code --partitions} defaults to Spark's default parallelism.
 */
public final class TrainJob {
  private TrainJob() {}

  /** Runs the job; see the class comment for the arguments. */
  public static void main(String[] args) throws Exception {
    Args a = Args.parse(args, "--data", "--epochs", "--device", "--model-out", "--network",
        "--partitions", "--input-shape");
    String data = a.value("--data", "subset");
    int epochs = a.intValue("--epochs", 5);
    String device = a.value("--device", "auto");
    String out = a.value("--model-out", null);
    if (out == null) {
      throw new IllegalArgumentException("--model-out URI is required (where the PipelineModel"
          + " is saved)");
    }
    String networkArg = a.value("--network", "cnn");
    Network network = switch (networkArg) {
      case "cnn" -> FashionMnistJob.cnn();
      case "mlp" -> Network.sequential().linear(784, 256).relu().linear(256, 128).relu()
          .linear(128, 10);
      default -> Network.fromJson(Files.readString(Path.of(networkArg)));
    };
    SparkSession spark = SparkSession.builder().appName("Ember TrainJob").getOrCreate();
    int partitions = a.intValue("--partitions", spark.sparkContext().defaultParallelism());
    FashionMnist.Split trainSplit = data.equals("subset") ? FashionMnist.trainSubset()
        : FashionMnist.load(Path.of(data), true);
    FashionMnist.Split testSplit = data.equals("subset") ? FashionMnist.testSubset()
        : FashionMnist.load(Path.of(data), false);
    Dataset<Row> train = FashionMnistFrames.of(spark, trainSplit, partitions).cache();
    Dataset<Row> test = FashionMnistFrames.of(spark, testSplit, partitions).cache();

    NeuralNetClassifier clf = new NeuralNetClassifier()
        .setNetwork(network)
        .setBatchSize(networkArg.equals("mlp") ? 128 : 64)
        .setMaxEpochs(epochs)
        .setDevice(device)
        .setSeed(1);
    String shape = a.value("--input-shape", networkArg.equals("cnn") ? "1,28,28" : "");
    clf.setInputShape(shape.isEmpty() ? new int[0]
        : java.util.Arrays.stream(shape.split(",")).mapToInt(d -> Integer.parseInt(d.trim()))
            .toArray());
    PipelineModel model = new Pipeline().setStages(new PipelineStage[] {clf}).fit(train);
    NeuralNetClassificationModel fitted = (NeuralNetClassificationModel) model.stages()[0];
    for (EpochRecord e : fitted.summary().epochs()) {
      System.out.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f, %.0f samples/s, sync %d ms%n",
          e.epoch(), epochs, e.trainLoss(), e.samplesPerSecond(), e.syncMillis());
    }
    double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy")
        .evaluate(model.transform(test));
    System.out.printf(Locale.ROOT, "test accuracy: %.4f%n", accuracy);
    model.write().overwrite().save(out);
    System.out.println("saved the PipelineModel to " + out);
    spark.stop();
  }
}
