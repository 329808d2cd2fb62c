package dev.ember.transformers;

import dev.ember.spark.FeatureColumn;
import dev.ember.spark.TrainingSummary;
import dev.ember.spec.Network;
import dev.ember.tensor.Tensor;
import dev.ember.transformers.params.NeuralNetClassifierParams;
import dev.ember.transformers.params.PendingUid;
import java.util.Arrays;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fitted neural-network classifier: a Spark ML {@code ProbabilisticClassificationModel} whose
 * {@code rawPrediction} is the network's output (the logits), {@code probability} their softmax
 * and {@code prediction} the class, honouring {@code thresholds} exactly as Spark's classifiers
 * do.
 *
 * <p>Features: a {@code featuresCol} of Spark ML Vectors (dense or sparse), {@code array<float>}
 * or {@code array<double>}, each row {@code numFeatures()} values, reshaped to {@code (batch,
 * inputShape...)} for the network (flat {@code (batch, numFeatures)} when {@code inputShape} is
 * empty).
 *
 * <table>
 *   <caption>Columns appended by {@link #transform} (each skipped if its name param is empty)</caption>
 *   <tr><th>param</th><th>type</th><th>value</th></tr>
 *   <tr><td>rawPredictionCol</td><td>Vector of numClasses</td><td>network output (logits)</td></tr>
 *   <tr><td>probabilityCol</td><td>Vector of numClasses</td><td>softmax of the logits</td></tr>
 *   <tr><td>predictionCol</td><td>double</td><td>class index; with thresholds {@code t},
 *       argmax of {@code p[k] / t[k]}</td></tr>
 * </table>
 *
 * <p>{@code transform} runs on the executors in batches of {@code batchSize} rows, one forward
 * pass per batch, keeping every input column; the weights travel once per executor in a broadcast
 * and the network is built at most once per concurrent task per executor JVM. A row with null,
 * NaN or infinite features or the wrong length fails the job with {@link
 * dev.ember.spark.InvalidRowException} naming the column and value; with {@code
 * handleInvalid=skip} such rows are dropped from the output instead (as Spark's feature models
 * with a {@code handleInvalid} param do) and counted in the executor log.
 *
 * <p>Inference runs on the CPU for now; the {@code device} param is not yet honoured here.
 */
public class NeuralNetClassificationModel
    extends ProbabilisticClassificationModel<Vector, NeuralNetClassificationModel>
    implements NeuralNetClassifierParams, MLWritable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(NeuralNetClassificationModel.class);

  private final String uid;
  private final int numClasses;
  private final NetworkCore core;

  /**
   * A model of {@code network} with the given weights.
   *
   * @param weightsSafetensors the state dict in safetensors form (keys as {@code
   *     network.build().stateDict()}: {@code 0.weight}, ...)
   * @param numClasses the network's per-sample output size
   * @param inputShape the per-sample shape features are reshaped to; empty for flat features
   *     (their count is then the first sized layer's input size)
   * @throws IllegalArgumentException if the weights do not decode or fit the network, or the
   *     network's output for {@code inputShape} is not {@code [numClasses]} (the message says
   *     which)
   */
  public NeuralNetClassificationModel(String uid, Network network, byte[] weightsSafetensors,
      int numClasses, int[] inputShape) {
    this(PendingUid.of(uid), network, weightsSafetensors, numClasses, inputShape);
  }

  private NeuralNetClassificationModel(PendingUid pending, Network network, byte[] weights,
      int numClasses, int[] inputShape) {
    this(pending, checked(pending, network, weights, numClasses, inputShape), numClasses);
  }

  /** Shares {@code core}: copies need not check and build the network again. */
  private NeuralNetClassificationModel(PendingUid pending, NetworkCore core, int numClasses) {
    this.uid = pending.take();
    this.numClasses = numClasses;
    this.core = core;
    NeuralNetClassifierParams.setDefaults(this);
    set(network(), core.network().toJson());
    set(inputShape(), core.inputShape());
  }

  private static NetworkCore checked(PendingUid pending, Network network, byte[] weights,
      int numClasses, int[] inputShape) {
    String name = "NeuralNetClassificationModel " + PendingUid.current();
    if (numClasses < 2) {
      throw new IllegalArgumentException(name + ": a classifier needs at least 2 classes, got "
          + numClasses);
    }
    return new NetworkCore(name, network, weights, inputShape, numClasses);
  }

  @Override
  public String uid() {
    return uid != null ? uid : PendingUid.current();
  }

  /**
   * The network spec. (Named so because {@code network()} is the param holding its JSON, shared
   * with the estimator.)
   */
  public Network networkSpec() {
    return core.network();
  }

  /** The weights by state-dict key ({@code 0.weight}, ...), as new tensors. */
  public Map<String, Tensor> stateDict() {
    return core.stateDict();
  }

  /** The weights in safetensors form (a copy). */
  public byte[] weightsSafetensors() {
    return core.weights();
  }

  @Override
  public int numClasses() {
    return numClasses;
  }

  /** Values per feature row: the product of {@code inputShape}, or the network's input size. */
  @Override
  public int numFeatures() {
    return core.numFeatures();
  }

  // ---------------------------------------------------------------------------------------------
  // Setters (returning this type; Spark's base classes add featuresCol, predictionCol,
  // rawPredictionCol, probabilityCol and thresholds)

  /** Sets {@link #batchSize()}: rows per forward pass in {@link #transform}. */
  public NeuralNetClassificationModel setBatchSize(int value) {
    set(batchSize(), value);
    return this;
  }

  /** Sets {@link #handleInvalid()}: {@code error} or {@code skip} rows with invalid features. */
  public NeuralNetClassificationModel setHandleInvalid(String value) {
    set(handleInvalid(), value);
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Single rows

  /**
   * The logits for one feature vector. Thread-safe: concurrent callers each use their own built
   * network.
   *
   * @throws dev.ember.spark.InvalidRowException if the vector has another length than {@link
   *     #numFeatures()} or a non-finite value
   */
  @Override
  public Vector predictRaw(Vector features) {
    float[] x = RowFunction.vector(features, numFeatures(), getFeaturesCol());
    return new DenseVector(RowOutputs.raw(core.local().onDevice(getDevice()).forward(x, 1), 0, numClasses));
  }

  @Override
  public Vector raw2probabilityInPlace(Vector rawPrediction) {
    if (!(rawPrediction instanceof DenseVector dense)) {
      throw new IllegalArgumentException("raw predictions are dense vectors, got "
          + rawPrediction.getClass().getSimpleName());
    }
    RowOutputs.softmaxInPlace(dense.values());
    return dense;
  }

  // ---------------------------------------------------------------------------------------------
  // DataFrames

  /**
   * Checks the features column (a Vector, {@code array<float>} or {@code array<double>}) and
   * {@code thresholds} (one per class), and appends the output columns with Spark ML's attribute
   * metadata.
   *
   * @throws IllegalArgumentException naming the column and its type, a clashing output column,
   *     or the thresholds' length
   */
  @Override
  public StructType transformSchema(StructType schema) {
    Schemas.features(schema, getFeaturesCol());
    if (isDefined(thresholds()) && getThresholds().length != numClasses) {
      throw new IllegalArgumentException(uid + ": thresholds has " + getThresholds().length
          + " values " + Arrays.toString(getThresholds()) + " but the model has " + numClasses
          + " classes");
    }
    StructType out = schema;
    if (!getRawPredictionCol().isEmpty()) {
      out = Schemas.append(out, Schemas.vector(getRawPredictionCol(), numClasses));
    }
    if (!getProbabilityCol().isEmpty()) {
      out = Schemas.append(out, Schemas.vector(getProbabilityCol(), numClasses));
    }
    if (!getPredictionCol().isEmpty()) {
      out = Schemas.append(out, Schemas.classIndex(getPredictionCol(), numClasses));
    }
    return out;
  }

  /**
   * Appends the output columns, scoring the rows in batches on the executors (see the class
   * doc).
   */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType outSchema = transformSchema(dataset.schema());
    Dataset<Row> df = dataset.toDF();
    RowOutputs outputs = RowOutputs.classification(numClasses, !getRawPredictionCol().isEmpty(),
        !getProbabilityCol().isEmpty(), !getPredictionCol().isEmpty(), thresholdsOrNull());
    if (outputs.count() == 0) {
      LOG.warn("{}: transform does nothing because no output columns were set", uid);
      return df;
    }
    SparkSession spark = df.sparkSession();
    Inference inference = core.local().onDevice(getDevice()).with(Inference.broadcast(
        JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(core.weights())));
    BatchScorer scorer = new BatchScorer(inference, FeatureColumn.of(df.schema(),
        getFeaturesCol()), df.schema().fieldIndex(getFeaturesCol()), getBatchSize(),
        getHandleInvalid().equals("skip"), outputs);
    return Schemas.withMetadata(df.mapPartitions(scorer, Encoders.row(outSchema)), outSchema);
  }

  private double[] thresholdsOrNull() {
    return isDefined(thresholds()) ? getThresholds() : null;
  }

  /**
   * A SQL function of one features argument (Vector, {@code array<float>} or {@code
   * array<double>}) returning the predicted class as a double, with {@code thresholds} as in
   * {@link #transform}. Register it with {@code spark.udf().register("classify", model.udf())}.
   *
   * <p>Spark calls a Java UDF once per row, so each call is a forward pass on one row through a
   * network built once per concurrent task per JVM (never per row); {@link #transform} is the
   * batched path. Invalid features throw, or give null with {@code handleInvalid=skip}. Needs an
   * active SparkSession (the weights are broadcast).
   */
  public UserDefinedFunction udf() {
    SparkSession spark = SparkSession.active();
    Inference inference = core.local().onDevice(getDevice()).with(Inference.broadcast(
        JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(core.weights())));
    return RowFunction.udf(inference, getHandleInvalid().equals("skip"),
        RowOutputs.classification(numClasses, false, false, true, thresholdsOrNull()),
        org.apache.spark.sql.types.DataTypes.DoubleType);
  }

  // ---------------------------------------------------------------------------------------------
  // Copies and persistence

  @Override
  public NeuralNetClassificationModel copy(ParamMap extra) {
    NeuralNetClassificationModel copy =
        new NeuralNetClassificationModel(PendingUid.of(uid), core, numClasses);
    copy.summary = summary;
    return copyValues(copy, extra).setParent(parent());
  }

  /** Saves in Spark ML's layout; see {@link #read()}. */
  @Override
  public MLWriter write() {
    return new MLWriter() {
      @Override
      public void saveImpl(String path) {
        ModelPersistence.write(NeuralNetClassificationModel.this, core,
            Map.of("numClasses", numClasses), path, sparkSession());
      }
    };
  }

  /**
   * A reader for models saved by {@link #write()}: {@code metadata/} (Spark's params JSON with
   * Ember's {@code formatVersion}), {@code network.json} and {@code weights.safetensors}, through
   * the Hadoop FileSystem of the path.
   */
  public static MLReader<NeuralNetClassificationModel> read() {
    return new MLReader<>() {
      @Override
      public NeuralNetClassificationModel load(String path) {
        ModelPersistence.Saved saved = ModelPersistence.read(path,
            NeuralNetClassificationModel.class.getName(), sparkSession());
        NeuralNetClassificationModel model = ModelPersistence.construct(saved,
            () -> new NeuralNetClassificationModel(saved.uid(), saved.network(),
                saved.weights(), saved.intField("numClasses"), saved.intsField("inputShape")));
        ModelPersistence.setParams(model, saved);
        return model;
      }
    };
  }

  /**
   * Loads a model saved by {@link #write()} from any Hadoop FileSystem URI.
   *
   * @throws java.io.UncheckedIOException naming the missing or corrupt file
   */
  public static NeuralNetClassificationModel load(String path) {
    return read().load(path);
  }

  // Spark declares findSummaryModel on both ClassificationModel and ProbabilisticClassificationModel
  // with return types javac cannot reconcile (Tuple3 of either model type); Scala's covariant
  // Tuple3 lets the subclass's do for both, and a raw override restates that.
  @SuppressWarnings({"rawtypes", "unchecked"})
  @Override
  public scala.Tuple3 findSummaryModel() {
    return super.findSummaryModel();
  }

  @Override
  public String toString() {
    return "NeuralNetClassificationModel: uid=" + uid + ", numClasses=" + numClasses
        + ", numFeatures=" + numFeatures();
  }

  // Like Spark's classifiers, the summary lives with the fitted object only: it is not saved.
  private TrainingSummary summary;

  /**
   * Attaches the per-epoch history of the fit that made this model (the estimator calls this).
   */
  public NeuralNetClassificationModel setSummary(TrainingSummary summary) {
    this.summary = summary;
    return this;
  }

  /** True when the model carries the history of the fit that made it. */
  public boolean hasSummary() {
    return summary != null;
  }

  /**
   * The per-epoch history of the fit that made this model (train loss, validation metric,
   * samples/s, sync time; the best epoch).
   *
   * @throws IllegalStateException if the model has none ({@link #hasSummary()})
   */
  public TrainingSummary summary() {
    if (summary == null) {
      throw new IllegalStateException(uid() + " has no training summary: only a model returned"
          + " by fit has one (as in Spark, summaries are not saved with the model)");
    }
    return summary;
  }
}
