package dev.ember.transformers;

import dev.ember.spark.FeatureColumn;
import dev.ember.spark.TrainingSummary;
import dev.ember.spec.Network;
import dev.ember.tensor.Tensor;
import dev.ember.transformers.params.NeuralNetRegressorParams;
import dev.ember.transformers.params.PendingUid;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.RegressionModel;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A fitted neural-network regressor: a Spark ML {@code RegressionModel} whose prediction is the
 * network's output.
 *
 * <p>With one output ({@code numOutputs() == 1}) {@code predictionCol} is a double, as for every
 * Spark regressor; with several (a Vector label at fit) it is a Vector of {@code numOutputs}
 * values with Spark ML's attribute-group metadata, and {@link #predict} (a double by Spark's
 * signature) gives way to {@link #predictVector}.
 *
 * <p>Features, batching on the executors, invalid rows and persistence are as for {@link
 * NeuralNetClassificationModel}.
 */
public class NeuralNetRegressionModel extends RegressionModel<Vector, NeuralNetRegressionModel>
    implements NeuralNetRegressorParams, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final int numOutputs;
  private final NetworkCore core;

  /**
   * A model of {@code network} with the given weights.
   *
   * @param weightsSafetensors the state dict in safetensors form (keys as {@code
   *     network.build().stateDict()})
   * @param numOutputs the network's per-sample output size (1 for a double label)
   * @param inputShape the per-sample shape features are reshaped to; empty for flat features
   * @throws IllegalArgumentException if the weights do not decode or fit the network, or the
   *     network's output for {@code inputShape} is not {@code [numOutputs]}
   */
  public NeuralNetRegressionModel(String uid, Network network, byte[] weightsSafetensors,
      int numOutputs, int[] inputShape) {
    this(PendingUid.of(uid), network, weightsSafetensors, numOutputs, inputShape);
  }

  private NeuralNetRegressionModel(PendingUid pending, Network network, byte[] weights,
      int numOutputs, int[] inputShape) {
    this(pending, new NetworkCore("NeuralNetRegressionModel " + PendingUid.current(), network,
        weights, inputShape, numOutputs), numOutputs);
  }

  /** Shares {@code core}: copies need not check and build the network again. */
  private NeuralNetRegressionModel(PendingUid pending, NetworkCore core, int numOutputs) {
    this.uid = pending.take();
    this.numOutputs = numOutputs;
    this.core = core;
    NeuralNetRegressorParams.setDefaults(this);
    set(network(), core.network().toJson());
    set(inputShape(), core.inputShape());
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

  /** Values predicted per row: 1 for a double prediction, more for a Vector. */
  public int numOutputs() {
    return numOutputs;
  }

  /** Values per feature row: the product of {@code inputShape}, or the network's input size. */
  @Override
  public int numFeatures() {
    return core.numFeatures();
  }

  /** Sets {@link #batchSize()}: rows per forward pass in {@link #transform}. */
  public NeuralNetRegressionModel setBatchSize(int value) {
    set(batchSize(), value);
    return this;
  }

  /** Sets {@link #handleInvalid()}: {@code error} or {@code skip} rows with invalid features. */
  public NeuralNetRegressionModel setHandleInvalid(String value) {
    set(handleInvalid(), value);
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Single rows

  /**
   * The prediction for one feature vector, for a model with one output. Thread-safe.
   *
   * @throws UnsupportedOperationException if {@code numOutputs() > 1}: use {@link #predictVector}
   * @throws dev.ember.spark.InvalidRowException for a wrong length or a non-finite value
   */
  @Override
  public double predict(Vector features) {
    if (numOutputs != 1) {
      throw new UnsupportedOperationException(uid + " predicts " + numOutputs + " values per"
          + " row; use predictVector");
    }
    return predictVector(features).apply(0);
  }

  /**
   * All {@code numOutputs()} predicted values for one feature vector. Thread-safe.
   *
   * @throws dev.ember.spark.InvalidRowException for a wrong length or a non-finite value
   */
  public Vector predictVector(Vector features) {
    float[] x = RowFunction.vector(features, numFeatures(), getFeaturesCol());
    return new DenseVector(RowOutputs.raw(core.local().onDevice(getDevice()).forward(x, 1), 0, numOutputs));
  }

  // ---------------------------------------------------------------------------------------------
  // DataFrames

  /**
   * Checks the features column (a Vector, {@code array<float>} or {@code array<double>}) and
   * appends {@code predictionCol}: a double, or a Vector for several outputs.
   *
   * @throws IllegalArgumentException naming the column and its type, or a clashing output column
   */
  @Override
  public StructType transformSchema(StructType schema) {
    Schemas.features(schema, getFeaturesCol());
    if (getPredictionCol().isEmpty()) {
      return schema;
    }
    return Schemas.append(schema, numOutputs == 1 ? Schemas.number(getPredictionCol())
        : Schemas.vector(getPredictionCol(), numOutputs));
  }

  /** Appends the prediction, scoring the rows in batches on the executors. */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType outSchema = transformSchema(dataset.schema());
    Dataset<Row> df = dataset.toDF();
    if (getPredictionCol().isEmpty()) {
      return df;
    }
    Inference inference = core.local().onDevice(getDevice()).with(Inference.broadcast(JavaSparkContext
        .fromSparkContext(df.sparkSession().sparkContext()).broadcast(core.weights())));
    BatchScorer scorer = new BatchScorer(inference, FeatureColumn.of(df.schema(),
        getFeaturesCol()), df.schema().fieldIndex(getFeaturesCol()), getBatchSize(),
        getHandleInvalid().equals("skip"), RowOutputs.regression(numOutputs));
    return Schemas.withMetadata(df.mapPartitions(scorer, Encoders.row(outSchema)), outSchema);
  }

  /**
   * A SQL function of one features argument returning the prediction: a double, or a Vector for
   * several outputs. See {@link NeuralNetClassificationModel#udf()}.
   */
  public UserDefinedFunction udf() {
    Inference inference = core.local().onDevice(getDevice()).with(Inference.broadcast(JavaSparkContext
        .fromSparkContext(SparkSession.active().sparkContext()).broadcast(core.weights())));
    return RowFunction.udf(inference, getHandleInvalid().equals("skip"),
        RowOutputs.regression(numOutputs),
        numOutputs == 1 ? DataTypes.DoubleType : new VectorUDT());
  }

  // ---------------------------------------------------------------------------------------------
  // Copies and persistence

  @Override
  public NeuralNetRegressionModel copy(ParamMap extra) {
    NeuralNetRegressionModel copy =
        new NeuralNetRegressionModel(PendingUid.of(uid), core, numOutputs);
    copy.summary = summary;
    return copyValues(copy, extra).setParent(parent());
  }

  /** Saves in Spark ML's layout; see {@link NeuralNetClassificationModel#read()}. */
  @Override
  public MLWriter write() {
    return new MLWriter() {
      @Override
      public void saveImpl(String path) {
        ModelPersistence.write(NeuralNetRegressionModel.this, core,
            Map.of("numOutputs", numOutputs), path, sparkSession());
      }
    };
  }

  /** A reader for models saved by {@link #write()}. */
  public static MLReader<NeuralNetRegressionModel> read() {
    return new MLReader<>() {
      @Override
      public NeuralNetRegressionModel load(String path) {
        ModelPersistence.Saved saved = ModelPersistence.read(path,
            NeuralNetRegressionModel.class.getName(), sparkSession());
        NeuralNetRegressionModel model = ModelPersistence.construct(saved,
            () -> new NeuralNetRegressionModel(saved.uid(), saved.network(), saved.weights(),
                saved.intField("numOutputs"), saved.intsField("inputShape")));
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
  public static NeuralNetRegressionModel load(String path) {
    return read().load(path);
  }

  @Override
  public String toString() {
    return "NeuralNetRegressionModel: uid=" + uid + ", numOutputs=" + numOutputs
        + ", numFeatures=" + numFeatures();
  }

  // Like Spark's classifiers, the summary lives with the fitted object only: it is not saved.
  private TrainingSummary summary;

  /**
   * Attaches the per-epoch history of the fit that made this model (the estimator calls this).
   */
  public NeuralNetRegressionModel setSummary(TrainingSummary summary) {
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
