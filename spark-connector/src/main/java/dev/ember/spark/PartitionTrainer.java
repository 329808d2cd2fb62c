package dev.ember.spark;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.nn.Module;
import dev.ember.nn.Reduction;
import dev.ember.nn.loss.Loss;
import dev.ember.optim.GradClip;
import dev.ember.optim.Optimizer;
import dev.ember.spec.LossSpec;
import dev.ember.spec.OptimizerSpec;
import dev.ember.spec.Schedule;
import dev.ember.spec.ScheduleSpec;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One training round on one partition, run inside a Spark task: build the network, load the
 * round's state, train the round's mini-batches of the partition's epoch order, and return the
 * partition's {@link RoundResult}.
 */
final class PartitionTrainer {
  private PartitionTrainer() {}

  /** What the driver broadcasts each round (states serialized as floats where exact). */
  static final class RoundInput implements Serializable {
    private static final long serialVersionUID = 1L;
    private final StateLayout modelLayout;
    private final StateLayout optimizerLayout;
    private final List<Double> scheduleMetrics;
    private transient double[] model;
    private transient double[] optimizer;

    /**
     * The input of a round.
     *
     * @param modelLayout the layout of the model state
     * @param model the model state, flat
     * @param optimizerLayout the layout of the averaged optimizer state, or null (none yet, or
     *     not averaged)
     * @param optimizer the averaged optimizer state, flat, or null
     * @param scheduleMetrics the value given to the schedule after each completed epoch
     */
    RoundInput(StateLayout modelLayout, double[] model, StateLayout optimizerLayout,
        double[] optimizer, List<Double> scheduleMetrics) {
      this.modelLayout = modelLayout;
      this.model = model;
      this.optimizerLayout = optimizerLayout;
      this.optimizer = optimizer;
      this.scheduleMetrics = scheduleMetrics;
    }

    StateLayout modelLayout() {
      return modelLayout;
    }

    double[] model() {
      return model;
    }

    StateLayout optimizerLayout() {
      return optimizerLayout;
    }

    double[] optimizer() {
      return optimizer;
    }

    List<Double> scheduleMetrics() {
      return scheduleMetrics;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
      out.defaultWriteObject();
      PackedValues.write(out, model);
      PackedValues.write(out, optimizer);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      model = PackedValues.read(in);
      optimizer = PackedValues.read(in);
    }
  }

  /**
   * Where a round stands in the fit.
   *
   * @param epoch the epoch, counting from 1
   * @param round the round within the epoch, from 0
   * @param globalRound the round counted over the whole fit, from 0 (keys keepLocal states)
   * @param stepsPerEpoch the most batches a partition has in an epoch: the schedule's clock
   * @param fitId names the fit (keys keepLocal states)
   * @param classSampleWeights per-class sampling weights ({@code 1 / count}) for balanced
   *     sampling, or null
   */
  record RoundPlan(int epoch, int round, int globalRound, int stepsPerEpoch, String fitId,
      double[] classSampleWeights) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * The order in which a partition visits its rows in {@code epoch}: a shuffle of all rows
   * (uniform), or as many rows drawn with replacement with probability proportional to their
   * class's sampling weight (balanced); from the stream (seed, epoch, partition).
   */
  static int[] epochOrder(TrainConfig config, PartitionRows rows, int epoch, int partition,
      double[] classSampleWeights) {
    int n = rows.rows();
    Generator gen = TaskModels.orderGenerator(config, epoch, partition);
    int[] order = new int[n];
    if (classSampleWeights == null) {
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      for (int i = n - 1; i > 0; i--) {
        int j = (int) (gen.nextDouble() * (i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      return order;
    }
    double[] cumulative = new double[n];
    double total = 0;
    for (int r = 0; r < n; r++) {
      total += classSampleWeights[rows.checkClass(r, config.numClasses())];
      cumulative[r] = total;
    }
    if (!(total > 0)) {
      throw new IllegalArgumentException("partition " + partition + " holds only rows of classes"
          + " with no samples in the class counts; balanced sampling cannot draw from it");
    }
    for (int i = 0; i < n; i++) {
      double u = gen.nextDouble() * total;
      int lo = 0;
      int hi = n - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (cumulative[mid] > u) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      order[i] = lo;
    }
    return order;
  }

  /** The number of mini-batches of {@code rows} rows. */
  static int batches(long rows, int batchSize) {
    return (int) ((rows + batchSize - 1) / batchSize);
  }

  /**
   * Trains one round on one partition.
   *
   * @throws IllegalArgumentException for a bad label or weight (naming the row)
   * @throws IllegalStateException for a non-finite loss or state (naming epoch, partition and
   *     batch or state entry)
   */
  static RoundResult train(TrainConfig config, RoundInput in, RoundPlan plan, Device device,
      int partition, Iterator<Block> blocks) {
    PartitionRows rows = new PartitionRows(blocks, partition);
    int total = batches(rows.rows(), config.batchSize());
    int k = config.syncEvery();
    int first = k == 0 ? 0 : plan.round() * k;
    int last = k == 0 ? total : Math.min(total, first + k);
    TrainConfig.OptimizerStatePolicy policy = config.optimizerStatePolicy();
    if (first >= last) {
      if (policy == TrainConfig.OptimizerStatePolicy.KEEP_LOCAL) {
        // Carry the state forward, so that the next round finds it.
        Map<String, Tensor> kept = LocalStates.before(plan.fitId(), partition, plan.globalRound());
        if (kept != null) {
          LocalStates.put(plan.fitId(), partition, plan.globalRound(), kept);
        }
      }
      return RoundResult.zero();
    }
    int[] order = epochOrder(config, rows, plan.epoch(), partition, plan.classSampleWeights());
    int[] sampleShape = TaskModels.sampleShape(config, rows.featureSize());
    Module model = TaskModels.forTask(config, device, TaskModels.dropoutGenerator(config,
        plan.epoch(), partition, plan.globalRound()));
    model.train();
    try (Scope s = Tensor.scope()) {
      model.loadStateDict(in.modelLayout().tensors(in.model(), false));
    }
    List<Tensor> params = model.parameters();
    Optimizer optimizer = OptimizerSpec.of(config.optimizer()).build(params,
        config.learningRate());
    Schedule schedule = config.schedule() == null ? null
        : ScheduleSpec.of(config.schedule()).build(optimizer, plan.stepsPerEpoch(),
            config.maxEpochs());
    if (schedule != null) {
      // The schedule's state is its history: replaying it gives every task the same rate.
      for (double metric : in.scheduleMetrics()) {
        for (int b = 0; b < plan.stepsPerEpoch(); b++) {
          schedule.afterBatch();
        }
        schedule.afterEpoch(metric);
      }
      for (int b = 0; b < first; b++) {
        schedule.afterBatch();
      }
    }
    try (Scope s = Tensor.scope()) {
      Map<String, Tensor> startState = null;
      if (policy == TrainConfig.OptimizerStatePolicy.AVERAGE && in.optimizer() != null) {
        startState = in.optimizerLayout().tensors(in.optimizer(), false);
      } else if (policy == TrainConfig.OptimizerStatePolicy.KEEP_LOCAL) {
        startState = LocalStates.before(plan.fitId(), partition, plan.globalRound());
      }
      if (startState != null) {
        // Hyperparameters come from this task's optimizer and schedule, the state from the
        // round (loadStateDict copies it).
        optimizer.loadStateDict(OptimizerStates.unflatten(startState,
            optimizer.stateDict().get("param_groups")));
      }
    }
    LossSpec lossSpec = TaskModels.lossSpec(config);
    Tensor classWeights = TaskModels.classWeights(config);
    Loss loss = lossSpec.build(classWeights, Reduction.NONE);
    boolean classIndex = lossSpec.classIndexTargets();
    if (classIndex && !config.isClassification()) {
      throw new IllegalArgumentException("the loss " + config.loss() + " takes class indices,"
          + " but the fit is a regression (numClasses = 0)");
    }
    float[] cw = config.classWeights();
    int bs = config.batchSize();
    int fs = rows.featureSize();
    int ls = rows.labelSize();
    long samples = 0;
    double lossSum = 0;
    double weightSum = 0;
    int trained = 0;
    for (int b = first; b < last; b++) {
      int from = b * bs;
      int count = Math.min(bs, order.length - from);
      float[] w = rows.weights(order, from, count);
      long[] classes = classIndex ? rows.classes(order, from, count, config.numClasses()) : null;
      double denominator = 0;
      for (int i = 0; i < count; i++) {
        denominator += classes != null && cw != null ? (double) w[i] * cw[(int) classes[i]] : w[i];
      }
      // A batch whose rows all weigh 0 teaches nothing; it is skipped, but the schedule's clock
      // still counts it.
      if (denominator > 0) {
        try (Scope s = Tensor.scope()) {
          float[] xf = new float[count * fs];
          rows.features(order, from, count, xf);
          Tensor x = Tensor.of(xf, TaskModels.batchShape(count, sampleShape));
          Tensor y;
          if (classes != null) {
            y = Tensor.of(classes, count);
          } else {
            float[] yf = new float[count * ls];
            rows.labels(order, from, count, yf);
            y = Tensor.of(yf, count, ls);
          }
          Tensor wt = Tensor.of(w, count);
          if (!device.isCpu()) {
            x = x.to(device);
            y = y.to(device);
            wt = wt.to(device);
          }
          // On a GPU, gradients are zeroed in place: a gradient set to null is a persistent
          // tensor whose device memory only the garbage collector returns, so memory would grow
          // by the parameters' size per step. Every parameter of a Network spec gets a gradient
          // each step, so the update is the same as with null gradients (the CPU path).
          optimizer.zeroGrad(device.isCpu());
          Tensor out = model.forward(x);
          if (classes == null && out.numel() == y.numel() && out.dim() != 2) {
            out = out.reshape(count, ls);
          }
          Tensor perSample = perSample(loss.forward(out, y), count);
          Tensor batchLoss = perSample.mul(wt).sum().div(denominator);
          batchLoss.backward();
          double value = batchLoss.item();
          if (!Double.isFinite(value)) {
            throw new IllegalStateException("Ember fit: the training loss is " + value
                + " in epoch " + plan.epoch() + ", partition " + partition + ", batch " + b
                + " (lower the learning rate, clip gradients, or check the data)");
          }
          if (config.gradClipNorm() > 0) {
            // Nothing read back: on a GPU a read would wait for every queued kernel.
            GradClip.clipGradNormOnDevice(params, config.gradClipNorm(), 2.0);
          }
          optimizer.step();
          lossSum += value * denominator;
          weightSum += denominator;
          samples += count;
          trained++;
        }
      }
      if (schedule != null) {
        schedule.afterBatch();
      }
    }
    if (trained == 0) {
      return RoundResult.zero();
    }
    double[] state;
    try (GradMode g = Autograd.noGrad()) {
      state = in.modelLayout().flatten(model.stateDict());
    }
    checkFinite(in.modelLayout(), state, "model", plan, partition);
    StateLayout optLayout = null;
    double[] optValues = null;
    Map<String, Tensor> optState = OptimizerStates.flatten(optimizer.stateDict());
    if (policy == TrainConfig.OptimizerStatePolicy.AVERAGE) {
      optLayout = StateLayout.of(optState);
      optValues = optLayout.flatten(optState);
      checkFinite(optLayout, optValues, "optimizer", plan, partition);
    } else if (policy == TrainConfig.OptimizerStatePolicy.KEEP_LOCAL) {
      LocalStates.put(plan.fitId(), partition, plan.globalRound(), optState);
    }
    return RoundResult.of(samples, state, optLayout, optValues, lossSum, weightSum, trained);
  }

  /**
   * The per-sample losses, (N): a loss with reduction none returns (N) for class losses and the
   * target's shape, e.g. (N, D), for element-wise losses; the mean over all but the batch
   * dimension then equals PyTorch's mean reduction.
   */
  static Tensor perSample(Tensor losses, int count) {
    if (losses.dim() == 0 || losses.size(0) != count) {
      throw new IllegalStateException("the loss with reduction none returned shape "
          + java.util.Arrays.toString(losses.shape()) + " for a batch of " + count
          + "; expected one value per sample");
    }
    return losses.dim() == 1 ? losses : losses.reshape(count, losses.numel() / count).mean(1);
  }

  private static void checkFinite(StateLayout layout, double[] values, String what,
      RoundPlan plan, int partition) {
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        throw new IllegalStateException("Ember fit: " + what + " state " + layout.describe(i)
            + " is " + values[i] + " after epoch " + plan.epoch() + ", round " + plan.round()
            + " on partition " + partition);
      }
    }
  }
}
