package dev.ember.estimators;

import dev.ember.spark.BlockEncoder;
import dev.ember.spark.DistributedTrainer;
import dev.ember.spark.EncodedData;
import dev.ember.spark.FeatureColumn;
import dev.ember.spark.TrainConfig;
import dev.ember.spark.TrainResult;
import dev.ember.spec.Network;
import dev.ember.transformers.feature.TensorColumns;
import dev.ember.transformers.params.NeuralNetParams;
import java.util.Arrays;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What the classifier and the regressor share in {@code fit}: reading the params into the
 * encoder's and the trainer's settings, checking the network against the data, and running the
 * distributed training.
 */
final class Fitting {
  private Fitting() {}

  /** The network of the {@code network} param; a clear error when it is not set. */
  static Network network(NeuralNetParams stage) {
    if (!stage.isDefined(stage.network())) {
      throw new IllegalArgumentException(stage.uid() + ": the network param is not set; set it"
          + " with setNetwork(Network.sequential()...)");
    }
    return Network.fromJson(stage.getNetwork());
  }

  /**
   * The per-sample input shape: the {@code inputShape} param, else the shape a feature
   * transformer recorded in the column's metadata, else null (flat features of a size read from
   * the data).
   *
   * @throws IllegalArgumentException if the param and the column's recorded shape disagree
   */
  static int[] declaredInputShape(NeuralNetParams stage, StructType schema, String featuresCol) {
    int[] param = stage.getInputShape();
    int[] recorded = TensorColumns.shapeOf(schema.apply(featuresCol));
    if (param.length > 0) {
      if (recorded != null && product(recorded) != product(param)) {
        throw new IllegalArgumentException("inputShape " + Arrays.toString(param) + " has "
            + product(param) + " values, but column '" + featuresCol + "' holds tensors of shape "
            + Arrays.toString(recorded));
      }
      return param;
    }
    return recorded;
  }

  /** The network's per-sample output size for {@code inputShape}, which must be 1-D. */
  static int outputSize(Network network, int[] inputShape, String what) {
    int[] out = network.outputShape(inputShape);
    if (out.length != 1) {
      throw new IllegalArgumentException("the network's output per row has shape "
          + Arrays.toString(out) + " for input shape " + Arrays.toString(inputShape) + "; "
          + what + " needs a vector (end the network with a linear layer)");
    }
    return out[0];
  }

  /** Checks the column types the params name, before any Spark job. */
  static void checkColumns(NeuralNetParams stage, StructType schema, String featuresCol) {
    FeatureColumn.kindOf(schema, featuresCol);
    if (stage.isDefined(stage.weightCol()) && !stage.getWeightCol().isEmpty()) {
      requireType(schema, stage.getWeightCol(), "weightCol", NumericType.class, "numeric");
    }
    if (stage.isDefined(stage.validationIndicatorCol())
        && !stage.getValidationIndicatorCol().isEmpty()) {
      requireType(schema, stage.getValidationIndicatorCol(), "validationIndicatorCol",
          BooleanType.class, "boolean");
    }
  }

  static void requireType(StructType schema, String column, String param,
      Class<? extends DataType> type, String expected) {
    if (!Arrays.asList(schema.fieldNames()).contains(column)) {
      throw new IllegalArgumentException(param + " column '" + column + "' does not exist; the"
          + " DataFrame has " + String.join(", ", schema.fieldNames()));
    }
    DataType t = schema.apply(column).dataType();
    if (!type.isInstance(t)) {
      throw new IllegalArgumentException(param + " column '" + column + "' has type "
          + t.simpleString() + "; expected " + expected);
    }
  }

  /** True for a Vector, array<float> or array<double> column (a multi-target label). */
  static boolean isVectorLike(DataType t) {
    return t instanceof VectorUDT || t instanceof ArrayType a
        && (a.elementType() instanceof NumericType);
  }

  /** Appends {@code field}, refusing to overwrite an existing column. */
  static StructType append(StructType schema, StructField field) {
    if (Arrays.asList(schema.fieldNames()).contains(field.name())) {
      throw new IllegalArgumentException("output column '" + field.name() + "' already exists;"
          + " rename it or set another output column name");
    }
    return schema.add(field);
  }

  /**
   * The per-sample shape of the features: {@code declared}, or the flat size of the first row's
   * features (one small Spark job) when nothing declares a shape.
   */
  static int[] inputShape(Dataset<Row> df, String featuresCol, int[] declared) {
    return declared != null ? declared
        : new int[] {BlockEncoder.inferFeatureSize(df, featuresCol)};
  }

  /**
   * Encodes {@code df} and trains {@code network} on it.
   *
   * @param shape the per-sample input shape ({@link #inputShape})
   * @param task classification over the network's outputs, or regression of them: the callers
   *     derive it from {@link #outputSize}, so it fits the network by construction
   */
  static TrainResult fit(NeuralNetParams stage, Dataset<Row> df, String featuresCol,
      String labelCol, Network network, int[] shape, BlockEncoder.Task task,
      double[] classWeights, String sampling) {
    int featureSize = product(shape);
    String weightCol = stage.isDefined(stage.weightCol()) && !stage.getWeightCol().isEmpty()
        ? stage.getWeightCol() : null;
    BlockEncoder encoder = BlockEncoder.builder()
        .featuresCol(featuresCol)
        .labelCol(labelCol)
        .weightCol(weightCol)
        .task(task)
        .featureSize(featureSize)
        .handleInvalid(stage.getHandleInvalid())
        .numWorkers(stage.getNumWorkers())
        .build();
    TrainConfig.Builder config = TrainConfig.builder()
        .network(network.toJson())
        .inputShape(shape)
        .loss(stage.getLoss())
        .optimizer(stage.getOptimizer())
        .learningRate(stage.getLearningRate())
        .schedule(stage.getSchedule())
        .gradClipNorm(stage.getGradClipNorm())
        .batchSize(stage.getBatchSize())
        .maxEpochs(stage.getMaxEpochs())
        .seed(stage.getSeed())
        .numClasses(task.isClassification() ? task.numClasses() : 0)
        .syncEvery(stage.getSyncEvery())
        .optimizerStatePolicy(stage.getOptimizerStatePolicy())
        .aggregationDepth(stage.getAggregationDepth())
        .device(stage.getDevice())
        .earlyStoppingPatience(stage.getEarlyStoppingPatience());
    if (classWeights != null && classWeights.length > 0) {
      if (classWeights.length != task.numClasses()) {
        throw new IllegalArgumentException("classWeights has " + classWeights.length
            + " values but there are " + task.numClasses() + " classes");
      }
      float[] w = new float[classWeights.length];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) classWeights[i];
      }
      config.classWeights(w);
    }
    if (sampling != null) {
      config.sampling(sampling);
    }
    if (stage.isDefined(stage.checkpointDir()) && !stage.getCheckpointDir().isEmpty()) {
      config.checkpointDir(stage.getCheckpointDir());
    }
    TrainConfig built = config.build();
    String indicator = stage.isDefined(stage.validationIndicatorCol())
        && !stage.getValidationIndicatorCol().isEmpty() ? stage.getValidationIndicatorCol() : null;
    double fraction = stage.getValidationFraction();
    if (indicator != null && fraction > 0) {
      throw new IllegalArgumentException("set validationIndicatorCol or validationFraction, not"
          + " both (validationIndicatorCol = '" + indicator + "', validationFraction = "
          + fraction + ")");
    }
    if (indicator == null && fraction == 0) {
      try (EncodedData train = encoder.encode(df)) {
        return DistributedTrainer.fit(train.blocks(), null, classCounts(task, train), built);
      }
    }
    EncodedData[] split = indicator != null ? encoder.encodeSplit(df, indicator)
        : encoder.encodeSplit(df, fraction, stage.getSeed());
    try (EncodedData train = split[0]; EncodedData validation = split[1]) {
      return DistributedTrainer.fit(train.blocks(), validation.blocks(),
          classCounts(task, train), built);
    }
  }

  private static long[] classCounts(BlockEncoder.Task task, EncodedData data) {
    return task.isClassification() ? data.classCounts() : null;
  }

  /** A spec param's value: JSON as given, or a bare name as {@code {"type":"name"}}. */
  static String specJson(String spec) {
    String s = spec.strip();
    return s.startsWith("{") ? s : "{\"type\":\"" + s + "\"}";
  }

  static int product(int[] shape) {
    long p = 1;
    for (int d : shape) {
      p *= d;
    }
    if (p > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + p
          + " values, more than an int can count");
    }
    return (int) p;
  }
}
