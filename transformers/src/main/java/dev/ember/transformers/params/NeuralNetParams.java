package dev.ember.transformers.params;

import dev.ember.spec.LossSpec;
import dev.ember.spec.Network;
import dev.ember.spec.OptimizerSpec;
import dev.ember.spec.ScheduleSpec;
import java.util.List;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The params every Ember stage shares (the estimators {@code NeuralNetClassifier} and {@code
 * NeuralNetRegressor} and their models), each declared once here with its doc and validator, its
 * default in {@link #setDefaults}. Spark's own {@code featuresCol}, {@code labelCol}, {@code
 * predictionCol} (and for classifiers {@code rawPredictionCol}, {@code probabilityCol}, {@code
 * thresholds}) come from Spark's base classes and are not repeated.
 *
 * <p>Each param is a default method that builds the {@code Param} for this stage on every call:
 * Spark finds params by reflection over public no-argument methods returning a {@code Param}, and
 * compares them by owner uid and name, never by identity (Spark itself recomputes the param list
 * on each lookup), so a Java interface can declare a param once for every stage that implements
 * it. Validators throw an {@link IllegalArgumentException} that says what the param demands;
 * {@code set} and {@code setDefault} run them.
 *
 * <p>A stage implementing this calls {@link #setDefaults} in its constructor and adds setters that
 * return its own type (Spark's convention, which an interface cannot express).
 */
public interface NeuralNetParams extends Params {
  /** Default {@link #batchSize()}. */
  int DEFAULT_BATCH_SIZE = 64;
  /** Default {@link #maxEpochs()}. */
  int DEFAULT_MAX_EPOCHS = 10;
  /** Default {@link #learningRate()}. */
  double DEFAULT_LEARNING_RATE = 1e-3;
  /** Default {@link #loss()} of classifiers. */
  String DEFAULT_CLASSIFICATION_LOSS = "crossEntropy";
  /** Default {@link #loss()} of regressors. */
  String DEFAULT_REGRESSION_LOSS = "mse";
  /** Default {@link #optimizer()}, with PyTorch's default hyperparameters. */
  String DEFAULT_OPTIMIZER = "adam";
  /** Default {@link #schedule()}: the learning rate stays as set. */
  String DEFAULT_SCHEDULE = "constant";
  /** Default {@link #aggregationDepth()}, as Spark's. */
  int DEFAULT_AGGREGATION_DEPTH = 2;
  /** Values of {@link #optimizerStatePolicy()}; the first is the default. */
  List<String> OPTIMIZER_STATE_POLICIES = List.of("average", "reset", "keepLocal");
  /** Values of {@link #device()}; the first is the default. */
  List<String> DEVICES = List.of("auto", "cpu", "cuda", "opencl");
  /** Values of {@link #handleInvalid()}; the first is the default. */
  List<String> HANDLE_INVALID = List.of("error", "skip");

  // ---------------------------------------------------------------------------------------------
  // The model

  /**
   * The network, as the JSON of a {@link Network} ({@code Network.sequential().linear(784, 10)
   * .toJson()}). No default: a stage that trains needs one. Validated by parsing.
   */
  default Param<String> network() {
    return new Param<>(this, "network", "the network as JSON: Network.sequential()...toJson()",
        Check.of(uid(), "network", Check.parses("network", Network::fromJson)));
  }

  /** The {@link #network()} value. */
  default String getNetwork() {
    return $(network());
  }

  /**
   * The per-sample shape flat features are reshaped to before the network, e.g. {@code [1, 28,
   * 28]} for a convolution over 28x28 grey images; its product must equal the number of features.
   * Default empty: the features go in flat, {@code (batch, numFeatures)}.
   */
  default IntArrayParam inputShape() {
    return new IntArrayParam(this, "inputShape", "per-sample shape the flat features are reshaped"
        + " to, e.g. [1, 28, 28]; empty: flat (batch, numFeatures)",
        Check.of(uid(), "inputShape", Check.positiveInts()));
  }

  /** The {@link #inputShape()} value. */
  default int[] getInputShape() {
    return $(inputShape());
  }

  // ---------------------------------------------------------------------------------------------
  // Optimization

  /**
   * The loss, as a {@link LossSpec}: a name ({@code "crossEntropy"}, {@code "mse"}, ...) or JSON
   * with options ({@code {"type":"huber","delta":0.5}}). Defaults: {@value
   * #DEFAULT_CLASSIFICATION_LOSS} for classifiers, {@value #DEFAULT_REGRESSION_LOSS} for
   * regressors.
   */
  default Param<String> loss() {
    return new Param<>(this, "loss", "the loss: a name (crossEntropy, nll, mse, l1, smoothL1,"
        + " huber, bce, bceWithLogits) or JSON with options, e.g. {\"type\":\"huber\","
        + "\"delta\":0.5}", Check.of(uid(), "loss", Check.parses("loss", LossSpec::of)));
  }

  /** The {@link #loss()} value. */
  default String getLoss() {
    return $(loss());
  }

  /**
   * The optimizer and its hyperparameters (all but the learning rate), as an {@link
   * OptimizerSpec}: a name or JSON ({@code {"type":"sgd","momentum":0.9}}). Default {@value
   * #DEFAULT_OPTIMIZER}.
   */
  default Param<String> optimizer() {
    return new Param<>(this, "optimizer", "the optimizer: a name (sgd, adam, adamw, rmsprop,"
        + " adagrad) or JSON with its hyperparameters, e.g. {\"type\":\"sgd\",\"momentum\""
        + ":0.9}; the learning rate is the learningRate param",
        Check.of(uid(), "optimizer", Check.parses("optimizer", OptimizerSpec::of)));
  }

  /** The {@link #optimizer()} value. */
  default String getOptimizer() {
    return $(optimizer());
  }

  /** The initial learning rate, positive. Default {@value #DEFAULT_LEARNING_RATE}. */
  default DoubleParam learningRate() {
    return new DoubleParam(this, "learningRate", "initial learning rate (> 0)",
        Check.of(uid(), "learningRate", Check.positiveFinite()));
  }

  /** The {@link #learningRate()} value. */
  default double getLearningRate() {
    return (Double) $(learningRate());
  }

  /**
   * The learning-rate schedule, as a {@link ScheduleSpec}: a name or JSON ({@code
   * {"type":"step","stepSize":10}}). Default {@value #DEFAULT_SCHEDULE}.
   */
  default Param<String> schedule() {
    return new Param<>(this, "schedule", "the learning-rate schedule: a name (constant, cosine,"
        + " ...) or JSON with options, e.g. {\"type\":\"step\",\"stepSize\":10}",
        Check.of(uid(), "schedule", Check.parses("schedule", ScheduleSpec::of)));
  }

  /** The {@link #schedule()} value. */
  default String getSchedule() {
    return $(schedule());
  }

  /**
   * The maximum L2 norm of all gradients together (clipped before each step, as {@code
   * torch.nn.utils.clip_grad_norm_}); 0 (the default) turns clipping off.
   */
  default DoubleParam gradClipNorm() {
    return new DoubleParam(this, "gradClipNorm", "max total L2 norm of the gradients before"
        + " each step (>= 0); 0: no clipping",
        Check.of(uid(), "gradClipNorm", Check.nonNegativeFinite()));
  }

  /** The {@link #gradClipNorm()} value. */
  default double getGradClipNorm() {
    return (Double) $(gradClipNorm());
  }

  /**
   * Rows per batch: per training step on each worker, and per forward pass at inference. Default
   * {@value #DEFAULT_BATCH_SIZE}.
   */
  default IntParam batchSize() {
    return new IntParam(this, "batchSize", "rows per batch, in training (per worker step) and"
        + " inference (>= 1)", Check.of(uid(), "batchSize", Check.intAtLeast(1)));
  }

  /** The {@link #batchSize()} value. */
  default int getBatchSize() {
    return (Integer) $(batchSize());
  }

  /** Passes over the training data, at most (fewer with early stopping). Default {@value #DEFAULT_MAX_EPOCHS}. */
  default IntParam maxEpochs() {
    return new IntParam(this, "maxEpochs", "maximum number of passes over the training data"
        + " (>= 1)", Check.of(uid(), "maxEpochs", Check.intAtLeast(1)));
  }

  /** The {@link #maxEpochs()} value. */
  default int getMaxEpochs() {
    return (Integer) $(maxEpochs());
  }

  /**
   * The random seed of initialization, shuffling, sampling and dropout. Default, as Spark's
   * {@code HasSeed}: the hash of the stage's class name.
   */
  default LongParam seed() {
    return new LongParam(this, "seed", "random seed");
  }

  /** The {@link #seed()} value. */
  default long getSeed() {
    return (Long) $(seed());
  }

  // ---------------------------------------------------------------------------------------------
  // Data

  /**
   * The column of per-row loss weights (non-negative). No default: unset or empty, every row
   * weighs 1.
   */
  default Param<String> weightCol() {
    return new Param<>(this, "weightCol", "weight column name. If this is not set or empty, we"
        + " treat all instance weights as 1.0");
  }

  /** The {@link #weightCol()} value. */
  default String getWeightCol() {
    return $(weightCol());
  }

  /**
   * The boolean column that marks validation rows (true) apart from training rows (false), as
   * Spark's {@code validationIndicatorCol}. No default; takes precedence over {@link
   * #validationFraction()}.
   */
  default Param<String> validationIndicatorCol() {
    return new Param<>(this, "validationIndicatorCol", "name of the column that indicates whether"
        + " each row is for training or for validation. False indicates training; true indicates"
        + " validation.");
  }

  /** The {@link #validationIndicatorCol()} value. */
  default String getValidationIndicatorCol() {
    return $(validationIndicatorCol());
  }

  /**
   * The fraction of rows held out (at random, from the seed) for validation when no {@link
   * #validationIndicatorCol()} is set; in [0, 1). Default 0: no validation.
   */
  default DoubleParam validationFraction() {
    return new DoubleParam(this, "validationFraction", "fraction of rows held out for validation"
        + " when validationIndicatorCol is not set, in [0, 1); 0: none",
        Check.of(uid(), "validationFraction", Check.fraction()));
  }

  /** The {@link #validationFraction()} value. */
  default double getValidationFraction() {
    return (Double) $(validationFraction());
  }

  /**
   * Epochs without improvement of the validation loss before training stops (the best epoch's
   * weights are kept); 0 (the default) never stops early. Needs validation rows.
   */
  default IntParam earlyStoppingPatience() {
    return new IntParam(this, "earlyStoppingPatience", "epochs without validation improvement"
        + " before stopping, keeping the best epoch's weights (>= 0); 0: never stop early",
        Check.of(uid(), "earlyStoppingPatience", Check.intAtLeast(0)));
  }

  /** The {@link #earlyStoppingPatience()} value. */
  default int getEarlyStoppingPatience() {
    return (Integer) $(earlyStoppingPatience());
  }

  /**
   * What to do with a row whose features (or label or weight) are invalid: {@code error} (the
   * default) throws naming the column and value; {@code skip} drops the row (and counts it).
   */
  default Param<String> handleInvalid() {
    return new Param<>(this, "handleInvalid", "how to handle rows with invalid features, labels"
        + " or weights: error (throw) or skip (drop and count)",
        Check.of(uid(), "handleInvalid", Check.oneOf(HANDLE_INVALID)));
  }

  /** The {@link #handleInvalid()} value. */
  default String getHandleInvalid() {
    return $(handleInvalid());
  }

  // ---------------------------------------------------------------------------------------------
  // Distribution

  /**
   * The number of training tasks (the DataFrame is repartitioned to it); 0 (the default) keeps
   * the DataFrame's partitions.
   */
  default IntParam numWorkers() {
    return new IntParam(this, "numWorkers", "number of partitions trained in parallel (>= 0);"
        + " 0: the DataFrame's", Check.of(uid(), "numWorkers", Check.intAtLeast(0)));
  }

  /** The {@link #numWorkers()} value. */
  default int getNumWorkers() {
    return (Integer) $(numWorkers());
  }

  /**
   * Batches each worker trains between two parameter-averaging rounds; 0 (the default) syncs
   * once per pass over the worker's partition.
   */
  default IntParam syncEvery() {
    return new IntParam(this, "syncEvery", "batches per worker between parameter averaging"
        + " rounds (>= 0); 0: one pass over the partition",
        Check.of(uid(), "syncEvery", Check.intAtLeast(0)));
  }

  /** The {@link #syncEvery()} value. */
  default int getSyncEvery() {
    return (Integer) $(syncEvery());
  }

  /**
   * What happens to the optimizer state (momentum, Adam's moments) at each averaging round:
   * {@code average} (the default) averages it like the parameters, {@code reset} zeroes it,
   * {@code keepLocal} keeps each worker's own.
   */
  default Param<String> optimizerStatePolicy() {
    return new Param<>(this, "optimizerStatePolicy", "optimizer state at each averaging round:"
        + " average, reset or keepLocal",
        Check.of(uid(), "optimizerStatePolicy", Check.oneOf(OPTIMIZER_STATE_POLICIES)));
  }

  /** The {@link #optimizerStatePolicy()} value. */
  default String getOptimizerStatePolicy() {
    return $(optimizerStatePolicy());
  }

  /** The depth of the {@code treeAggregate} that averages the workers, at least 2 (Spark's). */
  default IntParam aggregationDepth() {
    return new IntParam(this, "aggregationDepth", "suggested depth for treeAggregate (>= 2)",
        Check.of(uid(), "aggregationDepth", Check.intAtLeast(2)));
  }

  /** The {@link #aggregationDepth()} value. */
  default int getAggregationDepth() {
    return (Integer) $(aggregationDepth());
  }

  /**
   * Where each task computes: {@code auto} (the default: the task's GPU if Spark assigned one or
   * one is visible, CUDA before OpenCL, else the CPU), {@code cpu}, {@code cuda} or {@code
   * opencl}.
   */
  default Param<String> device() {
    return new Param<>(this, "device", "where tasks compute: auto, cpu, cuda or opencl",
        Check.of(uid(), "device", Check.oneOf(DEVICES)));
  }

  /** The {@link #device()} value. */
  default String getDevice() {
    return $(device());
  }

  /**
   * A directory (any Hadoop FileSystem URI) where training writes a checkpoint after each epoch
   * and resumes from. No default: no checkpoints.
   */
  default Param<String> checkpointDir() {
    return new Param<>(this, "checkpointDir", "directory (Hadoop FileSystem URI) for per-epoch"
        + " checkpoints that a later fit resumes from",
        Check.of(uid(), "checkpointDir", Check.nonBlank()));
  }

  /** The {@link #checkpointDir()} value. */
  default String getCheckpointDir() {
    return $(checkpointDir());
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Declares the defaults of the params above on {@code stage} (its constructor calls this once).
   * {@link #loss()} is left to the classifier and regressor params.
   */
  static void setDefaults(NeuralNetParams stage) {
    stage.setDefault(stage.inputShape(), new int[0]);
    stage.setDefault(stage.optimizer(), DEFAULT_OPTIMIZER);
    stage.setDefault(stage.learningRate(), DEFAULT_LEARNING_RATE);
    stage.setDefault(stage.schedule(), DEFAULT_SCHEDULE);
    stage.setDefault(stage.gradClipNorm(), 0.0);
    stage.setDefault(stage.batchSize(), DEFAULT_BATCH_SIZE);
    stage.setDefault(stage.maxEpochs(), DEFAULT_MAX_EPOCHS);
    stage.setDefault(stage.seed(), (long) stage.getClass().getName().hashCode());
    stage.setDefault(stage.validationFraction(), 0.0);
    stage.setDefault(stage.earlyStoppingPatience(), 0);
    stage.setDefault(stage.handleInvalid(), HANDLE_INVALID.get(0));
    stage.setDefault(stage.numWorkers(), 0);
    stage.setDefault(stage.syncEvery(), 0);
    stage.setDefault(stage.optimizerStatePolicy(), OPTIMIZER_STATE_POLICIES.get(0));
    stage.setDefault(stage.aggregationDepth(), DEFAULT_AGGREGATION_DEPTH);
    stage.setDefault(stage.device(), DEVICES.get(0));
  }
}
