package dev.ember.spark;

import dev.ember.nn.Reduction;
import dev.ember.nn.Sequential;
import dev.ember.spec.LossSpec;
import dev.ember.spec.Network;
import dev.ember.spec.OptimizerSpec;
import dev.ember.spec.ScheduleSpec;
import dev.ember.tensor.Device;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a network on an RDD of {@link Block}s with synchronous parameter averaging: every round
 * the driver broadcasts the state, each partition trains its own replica on its rows, and one
 * {@code treeAggregate} of {@link RoundResult}s gives the sample-weighted mean of the replicas'
 * states, which is the next round's state.
 *
 * <pre>{@code
 * TrainResult r = DistributedTrainer.fit(trainBlocks, validationBlocks, null, config);
 * Sequential model = Network.fromJson(config.network()).build();
 * model.loadStateDict(r.stateDict());
 * }</pre>
 *
 * <h2>Rounds</h2>
 * An epoch is one pass of every partition over its rows, in an order shuffled by a generator
 * seeded from (seed, epoch, partition), in mini-batches of {@code batchSize}. With {@code
 * syncEvery = k > 0} each round trains the next {@code k} batches of every partition (an epoch
 * has as many rounds as the largest partition needs; a partition that has run out sits the last
 * ones out); with {@code syncEvery = 0} a round is a whole epoch. The loss of a batch is the
 * weighted mean {@code sum(w * cw[y] * l) / sum(w * cw[y])} of the per-row losses {@code l} with
 * the rows' weights {@code w} and class weights {@code cw} (PyTorch's weighted mean); its
 * gradient is clipped to {@code gradClipNorm} if set. Balanced sampling draws each partition's
 * rows with replacement with probability proportional to {@code 1 / count(class)}.
 *
 * <h2>Optimizer state and schedule</h2>
 * With {@code optimizerStatePolicy = average} the optimizer state (momenta, step counts) is
 * averaged like the parameters; {@code reset} starts every round from a fresh optimizer; {@code
 * keepLocal} keeps each partition's state in its executor's memory (a lost executor, or a task
 * scheduled on another executor, restarts that partition's state; it is not checkpointed). The
 * learning-rate schedule sees {@code stepsPerEpoch} = the largest partition's batch count and is
 * told each epoch's validation loss (NaN without validation data); every task rebuilds it from
 * that history, so all replicas use the same rate.
 *
 * <h2>Determinism</h2>
 * The averages are exact sums (see {@link RoundResult}), every random stream (initialization,
 * row order, dropout) is derived from the seed and (epoch, partition, round), and a task reads
 * only the round's broadcast: the same data, partitioning and seed give the same model bit for
 * bit, also when Spark re-runs a failed task.
 *
 * <h2>Validation, early stopping, checkpoints, progress</h2>
 * After each epoch the averaged model is evaluated on the validation blocks (loss, and accuracy
 * for classification or RMSE for regression). With {@code earlyStoppingPatience = p > 0} training
 * stops after {@code p} epochs without a lower validation loss, and the best epoch's state is
 * returned. With {@code checkpointDir}, each epoch's state is written there ({@link
 * CheckpointStore}), and a fit finding checkpoints resumes after the last one and ends with the
 * same model as an uninterrupted fit (the network and seed must be the same, which is checked; a
 * schedule that depends on {@code maxEpochs} sees the new one). Each epoch's Spark jobs carry the
 * description {@code Ember fit: epoch 3/10}, and one INFO line per epoch reports the training
 * loss, the validation metric, samples per second and the driver's sync time (broadcast and
 * aggregation).
 */
public final class DistributedTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(DistributedTrainer.class);
  private static final String JOB_DESCRIPTION = "spark.job.description";
  /** Driver time spent in merges (executor-side merges are not driver time). */
  private static final LongAdder DRIVER_MERGE_NANOS = new LongAdder();

  /**
   * Test hook, read where the tasks run (the test's JVM in local mode): in this global round
   * (counting from 0 over the fit), partition {@link #failPartition} throws on its first
   * attempt, so that Spark retries it; -1 for never.
   */
  static volatile int failRound = -1;
  /** Test hook: the partition that fails in {@link #failRound}. */
  static volatile int failPartition;
  /** Test hook: how many failures were injected. */
  static final AtomicInteger INJECTED_FAILURES = new AtomicInteger();

  private DistributedTrainer() {}

  /**
   * Trains {@code config}'s network on {@code train}.
   *
   * @param train the training rows, packed; persisted for the fit (and unpersisted after) unless
   *     the caller persisted it
   * @param validationOrNull rows evaluated after each epoch, or null
   * @param classCountsOrNull the number of training rows of each class (for balanced sampling),
   *     or null to count them
   * @return the final state (or the best epoch's, with early stopping) and the summary
   * @throws IllegalArgumentException if a spec does not parse, the data is empty, the features do
   *     not fit {@code inputShape} or the network, the network's output does not fit the labels
   *     or classes, a label is not a class index, a weight is negative, early stopping or a
   *     plateau schedule has no validation data, or a checkpoint belongs to another network or
   *     seed
   * @throws IllegalStateException if the loss or a parameter becomes non-finite (naming the
   *     epoch, and the partition where it is known)
   * @throws UncheckedIOException if a checkpoint cannot be read or written (a corrupt one is named)
   */
  public static TrainResult fit(JavaRDD<Block> train, JavaRDD<Block> validationOrNull,
      long[] classCountsOrNull, TrainConfig config) {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(config, "config");
    Network network = Network.fromJson(config.network());
    LossSpec lossSpec = TaskModels.lossSpec(config);
    OptimizerSpec.of(config.optimizer());
    ScheduleSpec schedule = config.schedule() == null ? null : ScheduleSpec.of(config.schedule());
    try (Scope s = Tensor.scope()) {
      lossSpec.build(config.classWeights() == null ? null : Tensor.of(config.classWeights()),
          Reduction.NONE);
    }
    if (lossSpec.classIndexTargets() && !config.isClassification()) {
      throw new IllegalArgumentException("the loss " + lossSpec.type() + " takes class indices,"
          + " but the fit is a regression (numClasses = 0)");
    }
    if (config.earlyStoppingPatience() > 0 && validationOrNull == null) {
      throw new IllegalArgumentException("earlyStoppingPatience = "
          + config.earlyStoppingPatience() + " needs validation data");
    }
    if (schedule != null && schedule.type().equals("plateau") && validationOrNull == null) {
      throw new IllegalArgumentException("the plateau schedule steps on the validation loss and"
          + " needs validation data");
    }
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(train.context());
    String oldDescription = sc.getLocalProperty(JOB_DESCRIPTION);
    String fitId = UUID.randomUUID().toString();
    boolean persistedTrain = persist(train);
    boolean persistedValidation = validationOrNull != null && persist(validationOrNull);
    try {
      return new Fit(sc, train, validationOrNull, classCountsOrNull, config, network, fitId)
          .run();
    } finally {
      sc.setLocalProperty(JOB_DESCRIPTION, oldDescription);
      if (persistedTrain) {
        train.unpersist(false);
      }
      if (persistedValidation) {
        validationOrNull.unpersist(false);
      }
      LocalStates.remove(fitId);
    }
  }

  private static boolean persist(JavaRDD<Block> rdd) {
    if (rdd.getStorageLevel().equals(StorageLevel.NONE())) {
      rdd.persist(StorageLevel.MEMORY_AND_DISK());
      return true;
    }
    return false;
  }

  /**
   * The device of a task. Only the CPU runs here so far: {@code auto} means the CPU.
   *
   * @throws IllegalStateException for a GPU device
   */
  private static Device taskDevice(TrainConfig config) {
    String d = config.device().trim().toLowerCase(Locale.ROOT);
    if (d.equals("auto") || d.equals("cpu")) {
      return Device.CPU;
    }
    throw new IllegalStateException("device " + config.device() + " is not available to Ember's"
        + " Spark tasks: they run on auto or cpu");
  }

  /**
   * Runs a Spark job, turning a task's IllegalArgumentException, IllegalStateException or
   * ArithmeticException (which Spark wraps in a SparkException) back into its own type, so that
   * callers see the message that names the row, partition or epoch.
   */
  private static <T> T job(java.util.function.Supplier<T> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
        if (c instanceof IllegalArgumentException) {
          throw new IllegalArgumentException(c.getMessage(), e);
        }
        if (c instanceof IllegalStateException || c instanceof ArithmeticException) {
          throw new IllegalStateException(c.getMessage(), e);
        }
      }
      throw new IllegalStateException("Ember fit: a Spark job failed: " + e.getMessage(), e);
    }
  }

  /** The state of one fit on the driver. */
  private static final class Fit {
    private final JavaSparkContext sc;
    private final JavaRDD<Block> train;
    private final JavaRDD<Block> validation;
    private final long[] classCounts;
    private final TrainConfig config;
    private final Network network;
    private final String fitId;
    private final String metricName;

    private StateLayout modelLayout;
    private double[] model;
    private StateLayout optimizerLayout;
    private double[] optimizer;
    private final List<Double> scheduleMetrics = new ArrayList<>();
    private TrainingSummary summary;
    private int bestEpoch;
    private double[] bestModel;
    private StateLayout bestOptimizerLayout;
    private double[] bestOptimizer;

    Fit(JavaSparkContext sc, JavaRDD<Block> train, JavaRDD<Block> validation, long[] classCounts,
        TrainConfig config, Network network, String fitId) {
      this.sc = sc;
      this.train = train;
      this.validation = validation;
      this.classCounts = classCounts == null ? null : classCounts.clone();
      this.config = config;
      this.network = network;
      this.fitId = fitId;
      this.metricName = config.isClassification() ? "accuracy" : "rmse";
      this.summary = new TrainingSummary(metricName, List.of(), false);
    }

    TrainResult run() {
      sc.setJobDescription("Ember fit: reading the data");
      DataStats stats = DataStats.of(train, config, "training");
      if (validation != null) {
        DataStats v = DataStats.of(validation, config, "validation");
        if (v.featureSize != stats.featureSize || v.labelSize != stats.labelSize) {
          throw new IllegalArgumentException("validation rows have " + v.featureSize
              + " features and " + v.labelSize + " label values, training rows "
              + stats.featureSize + " and " + stats.labelSize);
        }
      }
      int stepsPerEpoch = PartitionTrainer.batches(stats.maxRows, config.batchSize());
      double[] classSampleWeights = config.sampling() == TrainConfig.Sampling.BALANCED
          ? sampleWeights(classCounts != null ? classCounts : stats.classCounts) : null;
      checkOutput(TaskModels.sampleShape(config, stats.featureSize), stats.labelSize);
      Sequential initial = TaskModels.initial(config);
      Map<String, Tensor> initialState = initial.stateDict();
      modelLayout = StateLayout.of(initialState);
      model = modelLayout.flatten(initialState);
      CheckpointStore store = null;
      int start = 0;
      if (config.checkpointDir() != null) {
        try {
          store = new CheckpointStore(config.checkpointDir(), sc.hadoopConfiguration());
          OptionalInt latest = store.latestEpoch();
          if (latest.isPresent()) {
            start = resume(store, Math.min(latest.getAsInt(), config.maxEpochs()));
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e.getMessage(), e);
        }
      }
      int patience = config.earlyStoppingPatience();
      int globalRound = 0;
      int rounds = config.syncEvery() == 0 ? 1
          : PartitionTrainer.batches(stepsPerEpoch, config.syncEvery());
      for (int epoch = start + 1; epoch <= config.maxEpochs() && !shouldStop(); epoch++) {
        sc.setJobDescription("Ember fit: epoch " + epoch + "/" + config.maxEpochs());
        long t0 = System.nanoTime();
        long syncNanos = 0;
        long samples = 0;
        double lossSum = 0;
        double weightSum = 0;
        globalRound = (epoch - 1) * rounds;
        for (int r = 0; r < rounds; r++, globalRound++) {
          long b0 = System.nanoTime();
          Broadcast<PartitionTrainer.RoundInput> input = sc.broadcast(
              new PartitionTrainer.RoundInput(modelLayout, model, optimizerLayout, optimizer,
                  List.copyOf(scheduleMetrics)));
          syncNanos += System.nanoTime() - b0;
          PartitionTrainer.RoundPlan plan = new PartitionTrainer.RoundPlan(epoch, r, globalRound,
              stepsPerEpoch, fitId, classSampleWeights);
          long merged = DRIVER_MERGE_NANOS.sum();
          long a0;
          try {
            RoundResult result = job(() -> train
                .mapPartitionsWithIndex(new TrainTask(config, input, plan), false)
                .treeAggregate(RoundResult.zero(), new Merge(), new Merge(),
                    config.aggregationDepth()));
            a0 = System.nanoTime();
            syncNanos += DRIVER_MERGE_NANOS.sum() - merged;
            if (result.samples() == 0) {
              if (r == 0) {
                throw new IllegalArgumentException("Ember fit: no row could be trained on in"
                    + " epoch " + epoch + ": every row weighs 0");
              }
            } else {
              // The state is what the tasks will load: each value in its tensor's dtype.
              model = modelLayout.round(result.averageModel());
              checkFinite(modelLayout, model, "model", epoch);
              if (config.optimizerStatePolicy() == TrainConfig.OptimizerStatePolicy.AVERAGE) {
                optimizerLayout = result.optimizerLayout();
                optimizer = optimizerLayout == null ? null
                    : OptimizerStates.roundSteps(optimizerLayout,
                        optimizerLayout.round(result.averageOptimizer()));
                checkFinite(optimizerLayout, optimizer, "optimizer", epoch);
              }
              samples += result.samples();
              lossSum += result.lossSum();
              weightSum += result.weightSum();
            }
          } finally {
            input.destroy();
          }
          syncNanos += System.nanoTime() - a0;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double validationLoss = Double.NaN;
        double metric = Double.NaN;
        if (validation != null) {
          Validation v = validate();
          validationLoss = v.loss();
          metric = config.isClassification() ? v.accuracy() : v.rmse();
          if (!Double.isFinite(validationLoss)) {
            throw new IllegalStateException("Ember fit: the validation loss is " + validationLoss
                + " after epoch " + epoch);
          }
        }
        EpochRecord record = new EpochRecord(epoch, lossSum / weightSum, validationLoss, metric,
            samples / seconds, Math.round(syncNanos / 1e6));
        summary = summary.with(record);
        scheduleMetrics.add(validationLoss);
        log(record);
        if (patience > 0 && summary.bestEpoch() == epoch) {
          keepBest(epoch);
        }
        if (shouldStop() && epoch < config.maxEpochs()) {
          summary = summary.stoppedEarlyNow();
          LOG.info("Ember fit: stopping early after epoch {}: no lower validation loss since"
              + " epoch {}", epoch, summary.bestEpoch());
        }
        if (store != null) {
          checkpoint(store, epoch);
        }
      }
      boolean useBest = patience > 0 && bestModel != null && bestEpoch != summary.totalEpochs();
      double[] finalModel = useBest ? bestModel : model;
      StateLayout finalOptLayout = useBest ? bestOptimizerLayout : optimizerLayout;
      double[] finalOpt = useBest ? bestOptimizer : optimizer;
      return new TrainResult(modelLayout.tensors(finalModel, true),
          finalOptLayout == null ? null : finalOptLayout.tensors(finalOpt, true), summary,
          useBest ? bestEpoch : summary.totalEpochs());
    }

    private boolean shouldStop() {
      int patience = config.earlyStoppingPatience();
      return patience > 0 && summary.totalEpochs() > 0
          && (summary.stoppedEarly() || summary.totalEpochs() - summary.bestEpoch() >= patience);
    }

    private void keepBest(int epoch) {
      bestEpoch = epoch;
      bestModel = model;
      bestOptimizerLayout = optimizerLayout;
      bestOptimizer = optimizer;
    }

    /** Restores the state of the checkpoint of {@code epoch}; returns the epoch. */
    private int resume(CheckpointStore store, int epoch) throws IOException {
      CheckpointStore.State state = store.read(epoch);
      String where = store.path(epoch);
      if (!Network.fromJson(state.network()).equals(network)) {
        throw new IllegalArgumentException("checkpoint " + where + " was written for another"
            + " network (" + state.network() + "); use another checkpointDir for this one");
      }
      if (state.seed() != config.seed()) {
        throw new IllegalArgumentException("checkpoint " + where + " was written by a fit with"
            + " seed " + state.seed() + ", this fit has seed " + config.seed()
            + "; resuming needs the same seed");
      }
      try {
        model = modelLayout.flatten(state.model());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("checkpoint " + where + " does not fit the network: "
            + e.getMessage(), e);
      }
      if (config.optimizerStatePolicy() == TrainConfig.OptimizerStatePolicy.AVERAGE
          && state.optimizer() != null && !state.optimizer().isEmpty()) {
        optimizerLayout = StateLayout.of(state.optimizer());
        optimizer = optimizerLayout.flatten(state.optimizer());
      }
      scheduleMetrics.addAll(state.scheduleMetrics());
      summary = state.summary();
      LOG.info("Ember fit: resuming after epoch {} from {}", epoch, where);
      int best = summary.bestEpoch();
      if (config.earlyStoppingPatience() > 0 && validation != null && best > 0) {
        if (best == epoch) {
          keepBest(epoch);
        } else {
          CheckpointStore.State b = store.read(best);
          bestEpoch = best;
          bestModel = modelLayout.flatten(b.model());
          if (optimizerLayout != null && b.optimizer() != null && !b.optimizer().isEmpty()) {
            bestOptimizerLayout = StateLayout.of(b.optimizer());
            bestOptimizer = bestOptimizerLayout.flatten(b.optimizer());
          }
        }
      }
      return epoch;
    }

    private void checkpoint(CheckpointStore store, int epoch) {
      try (Scope s = Tensor.scope()) {
        store.write(new CheckpointStore.State(epoch, modelLayout.tensors(model, false),
            optimizerLayout == null ? null : optimizerLayout.tensors(optimizer, false),
            List.copyOf(scheduleMetrics), config.seed(), network.toJson(), summary));
      } catch (IOException e) {
        throw new UncheckedIOException("Ember fit: cannot write the checkpoint of epoch " + epoch
            + " to " + store.path(epoch) + ": " + e.getMessage(), e);
      }
    }

    private Validation validate() {
      Broadcast<PartitionTrainer.RoundInput> input = sc.broadcast(
          new PartitionTrainer.RoundInput(modelLayout, model, null, null, List.of()));
      try {
        return job(() -> validation
            .mapPartitionsWithIndex(new ValidationTask(config, input), false)
            .treeAggregate(Validation.zero(), Validation::merge, Validation::merge,
                config.aggregationDepth()));
      } finally {
        input.destroy();
      }
    }

    private double[] sampleWeights(long[] counts) {
      if (counts.length != config.numClasses()) {
        throw new IllegalArgumentException("class counts have " + counts.length
            + " entries but numClasses is " + config.numClasses());
      }
      double[] w = new double[counts.length];
      for (int k = 0; k < counts.length; k++) {
        if (counts[k] < 0) {
          throw new IllegalArgumentException("class count " + k + " is negative: " + counts[k]);
        }
        w[k] = counts[k] == 0 ? 0 : 1.0 / counts[k];
      }
      return w;
    }

    /** The network must take the samples and give one output per class, or the label's size. */
    private void checkOutput(int[] sampleShape, int labelSize) {
      int[] out = network.outputShape(sampleShape);
      long size = 1;
      for (int d : out) {
        size *= d;
      }
      if (TaskModels.lossSpec(config).classIndexTargets()) {
        if (out.length != 1 || out[0] != config.numClasses()) {
          throw new IllegalArgumentException("the network outputs " + Arrays.toString(out)
              + " per row but the fit has " + config.numClasses() + " classes: its last layer"
              + " must output " + config.numClasses() + " values");
        }
      } else if (size != labelSize) {
        throw new IllegalArgumentException("the network outputs " + Arrays.toString(out)
            + " per row but the labels have " + labelSize + " value" + (labelSize == 1 ? "" : "s")
            + " per row");
      }
    }

    private void log(EpochRecord r) {
      String validationPart = r.hasValidation()
          ? String.format(Locale.ROOT, "validation loss %.4f, %s %.4f", r.validationLoss(),
              metricName, r.validationMetric())
          : "no validation";
      LOG.info(String.format(Locale.ROOT,
          "Ember fit: epoch %d/%d: train loss %.4f, %s, %.0f samples/s, sync %d ms", r.epoch(),
          config.maxEpochs(), r.trainLoss(), validationPart, r.samplesPerSecond(),
          r.syncMillis()));
    }
  }

  private static void checkFinite(StateLayout layout, double[] values, String what, int epoch) {
    if (values == null) {
      return;
    }
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        throw new IllegalStateException("Ember fit: averaged " + what + " state "
            + layout.describe(i) + " is " + values[i] + " after epoch " + epoch);
      }
    }
  }

  /** Rows, sizes and class counts of an RDD of blocks, from one pass that checks them. */
  private static final class DataStats {
    final int featureSize;
    final int labelSize;
    final long maxRows;
    final long[] classCounts;

    private DataStats(int featureSize, int labelSize, long maxRows, long[] classCounts) {
      this.featureSize = featureSize;
      this.labelSize = labelSize;
      this.maxRows = maxRows;
      this.classCounts = classCounts;
    }

    static DataStats of(JavaRDD<Block> rdd, TrainConfig config, String what) {
      int numClasses = config.numClasses();
      List<long[]> parts = job(() -> rdd.mapPartitionsWithIndex(
          (Integer p, Iterator<Block> it) -> {
            PartitionRows rows = new PartitionRows(it, p);
            long[] s = new long[3 + numClasses];
            s[0] = rows.rows();
            s[1] = rows.featureSize();
            s[2] = rows.labelSize();
            for (int r = 0; r < rows.rows() && numClasses > 0; r++) {
              s[3 + rows.checkClass(r, numClasses)]++;
            }
            return List.of(s).iterator();
          }, false).collect());
      long total = 0;
      long maxRows = 0;
      int fs = -1;
      int ls = -1;
      long[] counts = new long[numClasses];
      for (int p = 0; p < parts.size(); p++) {
        long[] s = parts.get(p);
        if (s[0] == 0) {
          continue;
        }
        if (fs >= 0 && (s[1] != fs || s[2] != ls)) {
          throw new IllegalArgumentException(what + " partition " + p + " has rows of " + s[1]
              + " features and " + s[2] + " label values, others " + fs + " and " + ls);
        }
        fs = (int) s[1];
        ls = (int) s[2];
        total += s[0];
        maxRows = Math.max(maxRows, s[0]);
        for (int k = 0; k < numClasses; k++) {
          counts[k] += s[3 + k];
        }
      }
      if (total == 0) {
        throw new IllegalArgumentException("the " + what + " data has no rows");
      }
      return new DataStats(fs, ls, maxRows, counts);
    }
  }

  /** The training task of one round. */
  private static final class TrainTask
      implements Function2<Integer, Iterator<Block>, Iterator<RoundResult>> {
    private static final long serialVersionUID = 1L;
    private final TrainConfig config;
    private final Broadcast<PartitionTrainer.RoundInput> input;
    private final PartitionTrainer.RoundPlan plan;

    TrainTask(TrainConfig config, Broadcast<PartitionTrainer.RoundInput> input,
        PartitionTrainer.RoundPlan plan) {
      this.config = config;
      this.input = input;
      this.plan = plan;
    }

    @Override
    public Iterator<RoundResult> call(Integer partition, Iterator<Block> blocks) {
      TaskContext ctx = TaskContext.get();
      if (plan.globalRound() == failRound && partition == failPartition && ctx != null
          && ctx.attemptNumber() == 0) {
        INJECTED_FAILURES.incrementAndGet();
        throw new IllegalStateException("test hook: injected failure of partition " + partition
            + " in round " + plan.globalRound());
      }
      return List.of(PartitionTrainer.train(config, input.value(), plan, taskDevice(config),
          partition, blocks)).iterator();
    }
  }

  /** The validation task. */
  private static final class ValidationTask
      implements Function2<Integer, Iterator<Block>, Iterator<Validation>> {
    private static final long serialVersionUID = 1L;
    private final TrainConfig config;
    private final Broadcast<PartitionTrainer.RoundInput> input;

    ValidationTask(TrainConfig config, Broadcast<PartitionTrainer.RoundInput> input) {
      this.config = config;
      this.input = input;
    }

    @Override
    public Iterator<Validation> call(Integer partition, Iterator<Block> blocks) {
      PartitionTrainer.RoundInput in = input.value();
      return List.of(Validation.evaluate(config, in.modelLayout(), in.model(), taskDevice(config),
          partition, blocks)).iterator();
    }
  }

  /** {@link RoundResult#merge} as the aggregate's function, timing the merges on the driver. */
  private static final class Merge implements Function2<RoundResult, RoundResult, RoundResult> {
    private static final long serialVersionUID = 1L;

    @Override
    public RoundResult call(RoundResult a, RoundResult b) {
      if (TaskContext.get() != null) {
        return RoundResult.merge(a, b);
      }
      long t0 = System.nanoTime();
      try {
        return RoundResult.merge(a, b);
      } finally {
        DRIVER_MERGE_NANOS.add(System.nanoTime() - t0);
      }
    }
  }
}
