package dev.ember.estimators;

import dev.ember.spark.BlockEncoder;
import dev.ember.spark.TrainResult;
import dev.ember.spec.Network;
import dev.ember.transformers.NeuralNetRegressionModel;
import dev.ember.transformers.params.NeuralNetRegressorParams;
import dev.ember.transformers.params.PendingUid;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Trains a neural-network regressor on a DataFrame: a Spark ML {@code Predictor} whose {@code
 * fit} trains {@code network} on the executors with parameter averaging and returns a {@link
 * NeuralNetRegressionModel}.
 *
 * <p>Labels: a numeric {@code labelCol} when the network outputs one value per row, or a Vector
 * / {@code array<float>} / {@code array<double>} of T targets when it outputs T values (the model
 * then predicts a Vector). Features and training params as {@link NeuralNetClassifier}; the
 * default loss is mean squared error.
 */
public class NeuralNetRegressor
    extends Predictor<Vector, NeuralNetRegressor, NeuralNetRegressionModel>
    implements NeuralNetRegressorParams, DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;

  /** A regressor with a random uid. */
  public NeuralNetRegressor() {
    this(Identifiable.randomUID("NeuralNetRegressor"));
  }

  /** A regressor with the given uid (used by persistence). */
  public NeuralNetRegressor(String uid) {
    this(PendingUid.of(uid));
  }

  private NeuralNetRegressor(PendingUid pending) {
    this.uid = pending.take();
    NeuralNetRegressorParams.setDefaults(this);
  }

  @Override
  public String uid() {
    return uid != null ? uid : PendingUid.current();
  }

  @Override
  public NeuralNetRegressor copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** Loads a regressor saved with {@code write().save(path)}. */
  public static NeuralNetRegressor load(String path) {
    return read().load(path);
  }

  /** The reader of saved regressors. */
  public static MLReader<NeuralNetRegressor> read() {
    return new DefaultParamsReader<>();
  }

  /** Sets the network from its builder. */
  public NeuralNetRegressor setNetwork(Network network) {
    return setNetwork(network.toJson());
  }

  /** Sets the network from its JSON ({@code Network.toJson()}). */
  public NeuralNetRegressor setNetwork(String json) {
    return (NeuralNetRegressor) set(network(), json);
  }

  /** Sets the per-sample shape features are reshaped to, e.g. {@code 1, 28, 28}. */
  public NeuralNetRegressor setInputShape(int... shape) {
    return (NeuralNetRegressor) set(inputShape(), shape);
  }

  /** Sets the loss: a name ({@code crossEntropy}) or a JSON spec with options. */
  public NeuralNetRegressor setLoss(String spec) {
    return (NeuralNetRegressor) set(loss(), Fitting.specJson(spec));
  }

  /** Sets the optimizer: a name ({@code adam}, {@code sgd}, ...) or a JSON spec with options. */
  public NeuralNetRegressor setOptimizer(String spec) {
    return (NeuralNetRegressor) set(optimizer(), Fitting.specJson(spec));
  }

  /** Sets the initial learning rate. */
  public NeuralNetRegressor setLearningRate(double lr) {
    return (NeuralNetRegressor) set(learningRate(), lr);
  }

  /** Sets the learning-rate schedule: a name or a JSON spec. */
  public NeuralNetRegressor setSchedule(String spec) {
    return (NeuralNetRegressor) set(schedule(), Fitting.specJson(spec));
  }

  /** Sets the gradient-norm clipping threshold (0 = off). */
  public NeuralNetRegressor setGradClipNorm(double maxNorm) {
    return (NeuralNetRegressor) set(gradClipNorm(), maxNorm);
  }

  /** Sets the rows per batch. */
  public NeuralNetRegressor setBatchSize(int rows) {
    return (NeuralNetRegressor) set(batchSize(), rows);
  }

  /** Sets the maximum number of epochs. */
  public NeuralNetRegressor setMaxEpochs(int epochs) {
    return (NeuralNetRegressor) set(maxEpochs(), epochs);
  }

  /** Sets the random seed. */
  public NeuralNetRegressor setSeed(long seed) {
    return (NeuralNetRegressor) set(seed(), seed);
  }

  /** Sets the per-row loss weight column. */
  public NeuralNetRegressor setWeightCol(String column) {
    return (NeuralNetRegressor) set(weightCol(), column);
  }

  /** Sets the boolean column marking validation rows. */
  public NeuralNetRegressor setValidationIndicatorCol(String column) {
    return (NeuralNetRegressor) set(validationIndicatorCol(), column);
  }

  /** Sets the fraction of rows held out for validation. */
  public NeuralNetRegressor setValidationFraction(double fraction) {
    return (NeuralNetRegressor) set(validationFraction(), fraction);
  }

  /** Sets the epochs without validation improvement before stopping (0 = off). */
  public NeuralNetRegressor setEarlyStoppingPatience(int epochs) {
    return (NeuralNetRegressor) set(earlyStoppingPatience(), epochs);
  }

  /** Sets what to do with invalid rows: {@code error} or {@code skip}. */
  public NeuralNetRegressor setHandleInvalid(String value) {
    return (NeuralNetRegressor) set(handleInvalid(), value);
  }

  /** Sets the number of partitions trained in parallel (0 = the DataFrame's). */
  public NeuralNetRegressor setNumWorkers(int workers) {
    return (NeuralNetRegressor) set(numWorkers(), workers);
  }

  /** Sets the batches per worker between averaging rounds (0 = one pass per round). */
  public NeuralNetRegressor setSyncEvery(int batches) {
    return (NeuralNetRegressor) set(syncEvery(), batches);
  }

  /** Sets the optimizer state policy: {@code average}, {@code reset} or {@code keepLocal}. */
  public NeuralNetRegressor setOptimizerStatePolicy(String policy) {
    return (NeuralNetRegressor) set(optimizerStatePolicy(), policy);
  }

  /** Sets the treeAggregate depth. */
  public NeuralNetRegressor setAggregationDepth(int depth) {
    return (NeuralNetRegressor) set(aggregationDepth(), depth);
  }

  /** Sets the device: {@code auto}, {@code cpu}, {@code cuda} or {@code opencl}. */
  public NeuralNetRegressor setDevice(String device) {
    return (NeuralNetRegressor) set(device(), device);
  }

  /** Sets the checkpoint directory (any Hadoop FileSystem URI). */
  public NeuralNetRegressor setCheckpointDir(String uri) {
    return (NeuralNetRegressor) set(checkpointDir(), uri);
  }

  // -- fitting

  @Override
  public StructType transformSchema(StructType schema) {
    Fitting.checkColumns(this, schema, getFeaturesCol());
    if (!java.util.Arrays.asList(schema.fieldNames()).contains(getLabelCol())) {
      throw new IllegalArgumentException("labelCol column '" + getLabelCol() + "' does not exist;"
          + " the DataFrame has " + String.join(", ", schema.fieldNames()));
    }
    DataType label = schema.apply(getLabelCol()).dataType();
    if (!(label instanceof NumericType) && !Fitting.isVectorLike(label)) {
      throw new IllegalArgumentException("labelCol column '" + getLabelCol() + "' has type "
          + label.simpleString() + "; expected a number, a Vector or a numeric array");
    }
    if (getPredictionCol().isEmpty()) {
      return schema;
    }
    return Fitting.append(schema, new StructField(getPredictionCol(),
        label instanceof NumericType ? DataTypes.DoubleType : new VectorUDT(), false,
        Metadata.empty()));
  }

  /**
   * Trains the network (Spark's {@code Predictor.fit} would cast the label to a double; this
   * one also takes vector labels, and array features).
   *
   * @throws IllegalArgumentException if a column is missing or of the wrong type, the network
   *     does not fit the features or the targets, or a row is invalid (with {@code
   *     handleInvalid=error}); the message names the column, value or layer
   */
  @Override
  public NeuralNetRegressionModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    NeuralNetRegressionModel model = train(dataset);
    model.setParent(this);
    return copyValues(model, ParamMap.empty());
  }

  @Override
  public NeuralNetRegressionModel train(Dataset<?> dataset) {
    Dataset<Row> df = dataset.toDF();
    StructType schema = df.schema();
    Network network = Fitting.network(this);
    int[] declared = Fitting.declaredInputShape(this, schema, getFeaturesCol());
    int[] shape = Fitting.inputShape(df, getFeaturesCol(), declared);
    int outputs = Fitting.outputSize(network, shape, "a regressor");
    boolean scalarLabel = schema.apply(getLabelCol()).dataType() instanceof NumericType;
    if (scalarLabel && outputs != 1) {
      throw new IllegalArgumentException("the network outputs " + outputs + " values per row,"
          + " but label column '" + getLabelCol() + "' holds one number per row (use a Vector or"
          + " array label for several targets)");
    }
    TrainResult result = Fitting.fit(this, df, getFeaturesCol(), getLabelCol(), network, shape,
        BlockEncoder.Task.regression(outputs), null, null);
    NeuralNetRegressionModel model = new NeuralNetRegressionModel(uid(), network,
        result.safetensors(), outputs, declared != null ? declared : new int[0]);
    model.setSummary(result.summary());
    return model;
  }
}
