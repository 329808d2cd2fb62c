package dev.ember.estimators;

import dev.ember.spark.BlockEncoder;
import dev.ember.spark.TrainResult;
import dev.ember.spec.Network;
import dev.ember.transformers.NeuralNetClassificationModel;
import dev.ember.transformers.params.NeuralNetClassifierParams;
import dev.ember.transformers.params.PendingUid;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Trains a neural-network classifier on a DataFrame: a Spark ML {@code ProbabilisticClassifier}
 * whose {@code fit} trains {@code network} on the executors with parameter averaging and returns
 * a {@link NeuralNetClassificationModel} ({@code rawPrediction} = logits, {@code probability} =
 * softmax, {@code prediction} honouring {@code thresholds}).
 *
 * <pre>{@code
 * NeuralNetClassifier clf = new NeuralNetClassifier()
 *     .setNetwork(Network.sequential().conv2d(1, 32, 3, 1, 1).relu().maxPool2d(2)
 *         .flatten().linear(32 * 14 * 14, 10))
 *     .setInputShape(1, 28, 28)
 *     .setMaxEpochs(5).setBatchSize(64).setLearningRate(1e-3);
 * NeuralNetClassificationModel model = clf.fit(train);
 * }</pre>
 *
 * <p>Features: {@code featuresCol} of Vectors (dense or sparse), {@code array<float>} or {@code
 * array<double>}; {@code inputShape} (or the shape a feature transformer recorded on the column)
 * reshapes them per row. Labels: class indices {@code 0..K-1} in a numeric {@code labelCol},
 * where K is the network's output size (checked against the label column's nominal metadata when
 * it has some, and against every label while encoding). The training params are those of {@link
 * NeuralNetClassifierParams}.
 */
public class NeuralNetClassifier
    extends ProbabilisticClassifier<Vector, NeuralNetClassifier, NeuralNetClassificationModel>
    implements NeuralNetClassifierParams, DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;

  /** A classifier with a random uid. */
  public NeuralNetClassifier() {
    this(Identifiable.randomUID("NeuralNetClassifier"));
  }

  /** A classifier with the given uid (used by persistence). */
  public NeuralNetClassifier(String uid) {
    this(PendingUid.of(uid));
  }

  private NeuralNetClassifier(PendingUid pending) {
    this.uid = pending.take();
    NeuralNetClassifierParams.setDefaults(this);
  }

  @Override
  public String uid() {
    return uid != null ? uid : PendingUid.current();
  }

  @Override
  public NeuralNetClassifier copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** Loads a classifier saved with {@code write().save(path)}. */
  public static NeuralNetClassifier load(String path) {
    return read().load(path);
  }

  /** The reader of saved classifiers. */
  public static MLReader<NeuralNetClassifier> read() {
    return new DefaultParamsReader<>();
  }

  // -- setters (Spark's base classes provide featuresCol, labelCol, prediction/probability/raw
  // prediction columns and thresholds)

  /** Sets the network from its builder. */
  public NeuralNetClassifier setNetwork(Network network) {
    return setNetwork(network.toJson());
  }

  /** Sets the network from its JSON ({@code Network.toJson()}). */
  public NeuralNetClassifier setNetwork(String json) {
    return (NeuralNetClassifier) set(network(), json);
  }

  /** Sets the per-sample shape features are reshaped to, e.g. {@code 1, 28, 28}. */
  public NeuralNetClassifier setInputShape(int... shape) {
    return (NeuralNetClassifier) set(inputShape(), shape);
  }

  /** Sets the loss: a name ({@code crossEntropy}) or a JSON spec with options. */
  public NeuralNetClassifier setLoss(String spec) {
    return (NeuralNetClassifier) set(loss(), Fitting.specJson(spec));
  }

  /** Sets the optimizer: a name ({@code adam}, {@code sgd}, ...) or a JSON spec with options. */
  public NeuralNetClassifier setOptimizer(String spec) {
    return (NeuralNetClassifier) set(optimizer(), Fitting.specJson(spec));
  }

  /** Sets the initial learning rate. */
  public NeuralNetClassifier setLearningRate(double lr) {
    return (NeuralNetClassifier) set(learningRate(), lr);
  }

  /** Sets the learning-rate schedule: a name or a JSON spec. */
  public NeuralNetClassifier setSchedule(String spec) {
    return (NeuralNetClassifier) set(schedule(), Fitting.specJson(spec));
  }

  /** Sets the gradient-norm clipping threshold (0 = off). */
  public NeuralNetClassifier setGradClipNorm(double maxNorm) {
    return (NeuralNetClassifier) set(gradClipNorm(), maxNorm);
  }

  /** Sets the rows per batch. */
  public NeuralNetClassifier setBatchSize(int rows) {
    return (NeuralNetClassifier) set(batchSize(), rows);
  }

  /** Sets the maximum number of epochs. */
  public NeuralNetClassifier setMaxEpochs(int epochs) {
    return (NeuralNetClassifier) set(maxEpochs(), epochs);
  }

  /** Sets the random seed. */
  public NeuralNetClassifier setSeed(long seed) {
    return (NeuralNetClassifier) set(seed(), seed);
  }

  /** Sets the per-row loss weight column. */
  public NeuralNetClassifier setWeightCol(String column) {
    return (NeuralNetClassifier) set(weightCol(), column);
  }

  /** Sets per-class loss weights. */
  public NeuralNetClassifier setClassWeights(double... weights) {
    return (NeuralNetClassifier) set(classWeights(), weights);
  }

  /** Sets how rows are drawn: {@code uniform} or {@code balanced}. */
  public NeuralNetClassifier setSampling(String sampling) {
    return (NeuralNetClassifier) set(sampling(), sampling);
  }

  /** Sets the boolean column marking validation rows. */
  public NeuralNetClassifier setValidationIndicatorCol(String column) {
    return (NeuralNetClassifier) set(validationIndicatorCol(), column);
  }

  /** Sets the fraction of rows held out for validation. */
  public NeuralNetClassifier setValidationFraction(double fraction) {
    return (NeuralNetClassifier) set(validationFraction(), fraction);
  }

  /** Sets the epochs without validation improvement before stopping (0 = off). */
  public NeuralNetClassifier setEarlyStoppingPatience(int epochs) {
    return (NeuralNetClassifier) set(earlyStoppingPatience(), epochs);
  }

  /** Sets what to do with invalid rows: {@code error} or {@code skip}. */
  public NeuralNetClassifier setHandleInvalid(String value) {
    return (NeuralNetClassifier) set(handleInvalid(), value);
  }

  /** Sets the number of partitions trained in parallel (0 = the DataFrame's). */
  public NeuralNetClassifier setNumWorkers(int workers) {
    return (NeuralNetClassifier) set(numWorkers(), workers);
  }

  /** Sets the batches per worker between averaging rounds (0 = one pass per round). */
  public NeuralNetClassifier setSyncEvery(int batches) {
    return (NeuralNetClassifier) set(syncEvery(), batches);
  }

  /** Sets the optimizer state policy: {@code average}, {@code reset} or {@code keepLocal}. */
  public NeuralNetClassifier setOptimizerStatePolicy(String policy) {
    return (NeuralNetClassifier) set(optimizerStatePolicy(), policy);
  }

  /** Sets the treeAggregate depth. */
  public NeuralNetClassifier setAggregationDepth(int depth) {
    return (NeuralNetClassifier) set(aggregationDepth(), depth);
  }

  /** Sets the device: {@code auto}, {@code cpu}, {@code cuda} or {@code opencl}. */
  public NeuralNetClassifier setDevice(String device) {
    return (NeuralNetClassifier) set(device(), device);
  }

  /** Sets the checkpoint directory (any Hadoop FileSystem URI). */
  public NeuralNetClassifier setCheckpointDir(String uri) {
    return (NeuralNetClassifier) set(checkpointDir(), uri);
  }

  // -- fitting

  @Override
  public StructType transformSchema(StructType schema) {
    Fitting.checkColumns(this, schema, getFeaturesCol());
    Fitting.requireType(schema, getLabelCol(), "labelCol", NumericType.class, "numeric");
    StructType out = schema;
    if (!getRawPredictionCol().isEmpty()) {
      out = Fitting.append(out, new StructField(getRawPredictionCol(), new VectorUDT(), false,
          Metadata.empty()));
    }
    if (!getProbabilityCol().isEmpty()) {
      out = Fitting.append(out, new StructField(getProbabilityCol(), new VectorUDT(), false,
          Metadata.empty()));
    }
    if (!getPredictionCol().isEmpty()) {
      out = Fitting.append(out, new StructField(getPredictionCol(), DataTypes.DoubleType, false,
          Metadata.empty()));
    }
    return out;
  }

  /**
   * Trains the network (Spark's {@code Predictor.fit} would cast the features column to a
   * Vector; this one also takes arrays).
   *
   * @throws IllegalArgumentException if a column is missing or of the wrong type, the network
   *     does not fit the features or the classes, or a row is invalid (with {@code
   *     handleInvalid=error}); the message names the column, value or layer
   */
  @Override
  public NeuralNetClassificationModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    NeuralNetClassificationModel model = train(dataset);
    model.setParent(this);
    return copyValues(model, ParamMap.empty());
  }

  @Override
  public NeuralNetClassificationModel train(Dataset<?> dataset) {
    Dataset<Row> df = dataset.toDF();
    StructType schema = df.schema();
    Network network = Fitting.network(this);
    int[] declared = Fitting.declaredInputShape(this, schema, getFeaturesCol());
    int[] shape = Fitting.inputShape(df, getFeaturesCol(), declared);
    int numClasses = Fitting.outputSize(network, shape, "a classifier");
    if (numClasses < 2) {
      throw new IllegalArgumentException("the network outputs " + numClasses + " value per row;"
          + " a classifier needs one per class (at least 2)");
    }
    Attribute a = Attribute.fromStructField(schema.apply(getLabelCol()));
    if (a instanceof NominalAttribute n && n.getNumValues().isDefined()
        && (int) n.getNumValues().get() != numClasses) {
      throw new IllegalArgumentException("label column '" + getLabelCol() + "' has "
          + n.getNumValues().get() + " classes in its metadata, but the network outputs "
          + numClasses + " values per row");
    }
    TrainResult result = Fitting.fit(this, df, getFeaturesCol(), getLabelCol(), network, shape,
        BlockEncoder.Task.classification(numClasses),
        isDefined(classWeights()) ? getClassWeights() : null, getSampling());
    NeuralNetClassificationModel model = new NeuralNetClassificationModel(uid(), network,
        result.safetensors(), numClasses, declared != null ? declared : new int[0]);
    model.setSummary(result.summary());
    return model;
  }
}
