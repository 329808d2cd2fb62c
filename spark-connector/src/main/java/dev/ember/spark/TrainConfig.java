package dev.ember.spark;

import dev.ember.tensor.Device;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Everything {@link DistributedTrainer#fit} needs besides the data: the network, loss, optimizer
 * and schedule specs (JSON or names, as {@code dev.ember.spec} reads them) and the training
 * hyperparameters. Immutable and serializable (it travels to the executors); built and validated
 * by {@link #builder()}.
 *
 * <pre>{@code
 * TrainConfig config = TrainConfig.builder()
 *     .network(networkJson).numClasses(10)
 *     .optimizer("adam").learningRate(1e-3).batchSize(64).maxEpochs(5).seed(7)
 *     .build();
 * }</pre>
 */
public final class TrainConfig implements Serializable {
  private static final long serialVersionUID = 1L;

  /** How each partition draws the rows of an epoch. */
  public enum Sampling {
    /** Every row once per epoch, in a shuffled order. */
    UNIFORM,
    /**
     * As many rows as the partition holds, drawn with replacement with probability proportional
     * to {@code 1 / count(class)} (global class counts), so that every class is seen equally
     * often.
     */
    BALANCED;

    /**
     * Parses {@code uniform} or {@code balanced} (case-insensitive).
     *
     * @throws IllegalArgumentException on any other value
     */
    public static Sampling parse(String s) {
      if (s != null) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
          case "uniform":
            return UNIFORM;
          case "balanced":
            return BALANCED;
          default:
            break;
        }
      }
      throw new IllegalArgumentException("sampling must be uniform or balanced, got " + quote(s));
    }

    /** The name {@link #parse} reads. */
    public String paramValue() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What happens to the optimizer's state (momenta, step counts) between averaging rounds. */
  public enum OptimizerStatePolicy {
    /** Averaged over the partitions like the parameters (n-weighted). */
    AVERAGE,
    /** Discarded: every round starts with a fresh optimizer. */
    RESET,
    /**
     * Each partition keeps its own state in its executor's memory between rounds. A lost
     * executor, or a task that runs on another executor than the partition's previous one, starts
     * that partition from a fresh state; the state is not checkpointed.
     */
    KEEP_LOCAL;

    /**
     * Parses {@code average}, {@code reset} or {@code keepLocal} (case-insensitive).
     *
     * @throws IllegalArgumentException on any other value
     */
    public static OptimizerStatePolicy parse(String s) {
      if (s != null) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
          case "average":
            return AVERAGE;
          case "reset":
            return RESET;
          case "keeplocal":
            return KEEP_LOCAL;
          default:
            break;
        }
      }
      throw new IllegalArgumentException(
          "optimizerStatePolicy must be average, reset or keepLocal, got " + quote(s));
    }

    /** The name {@link #parse} reads. */
    public String paramValue() {
      return this == KEEP_LOCAL ? "keepLocal" : name().toLowerCase(Locale.ROOT);
    }
  }

  private final String network;
  private final int[] inputShape;
  private final String loss;
  private final String optimizer;
  private final double learningRate;
  private final String schedule;
  private final double gradClipNorm;
  private final int batchSize;
  private final int maxEpochs;
  private final long seed;
  private final int numClasses;
  private final float[] classWeights;
  private final Sampling sampling;
  private final int syncEvery;
  private final OptimizerStatePolicy optimizerStatePolicy;
  private final int aggregationDepth;
  private final String device;
  private final String checkpointDir;
  private final int earlyStoppingPatience;

  private TrainConfig(Builder b) {
    this.network = b.network;
    this.inputShape = b.inputShape == null ? null : b.inputShape.clone();
    this.loss = b.loss;
    this.optimizer = b.optimizer;
    this.learningRate = b.learningRate;
    this.schedule = b.schedule;
    this.gradClipNorm = b.gradClipNorm;
    this.batchSize = b.batchSize;
    this.maxEpochs = b.maxEpochs;
    this.seed = b.seed;
    this.numClasses = b.numClasses;
    this.classWeights = b.classWeights == null ? null : b.classWeights.clone();
    this.sampling = b.sampling;
    this.syncEvery = b.syncEvery;
    this.optimizerStatePolicy = b.optimizerStatePolicy;
    this.aggregationDepth = b.aggregationDepth;
    this.device = b.device;
    this.checkpointDir = b.checkpointDir;
    this.earlyStoppingPatience = b.earlyStoppingPatience;
  }

  /** A builder with the defaults listed on its setters. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's values (to derive a changed copy). */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.network = network;
    b.inputShape = inputShape;
    b.loss = loss;
    b.optimizer = optimizer;
    b.learningRate = learningRate;
    b.schedule = schedule;
    b.gradClipNorm = gradClipNorm;
    b.batchSize = batchSize;
    b.maxEpochs = maxEpochs;
    b.seed = seed;
    b.numClasses = numClasses;
    b.classWeights = classWeights;
    b.sampling = sampling;
    b.syncEvery = syncEvery;
    b.optimizerStatePolicy = optimizerStatePolicy;
    b.aggregationDepth = aggregationDepth;
    b.device = device;
    b.checkpointDir = checkpointDir;
    b.earlyStoppingPatience = earlyStoppingPatience;
    return b;
  }

  /** The network spec (JSON). */
  public String network() {
    return network;
  }

  /**
   * The shape of one sample (e.g. {@code [1, 28, 28]}), or null for flat vectors of the features'
   * size.
   */
  public int[] inputShape() {
    return inputShape == null ? null : inputShape.clone();
  }

  /**
   * The loss spec (a name or JSON), or null for the default: cross-entropy for classification,
   * mean squared error for regression.
   */
  public String loss() {
    return loss;
  }

  /** The optimizer spec (a name or JSON). */
  public String optimizer() {
    return optimizer;
  }

  /** The base learning rate. */
  public double learningRate() {
    return learningRate;
  }

  /** The learning-rate schedule spec (a name or JSON), or null for a constant rate. */
  public String schedule() {
    return schedule;
  }

  /** The maximum total 2-norm of the gradients of one batch; 0 means no clipping. */
  public double gradClipNorm() {
    return gradClipNorm;
  }

  /** Rows per mini-batch. */
  public int batchSize() {
    return batchSize;
  }

  /** The number of passes over the data. */
  public int maxEpochs() {
    return maxEpochs;
  }

  /**
   * The seed of the initialization, the shuffles and the dropout masks (streams derived per
   * epoch, partition and round).
   */
  public long seed() {
    return seed;
  }

  /** The number of classes K (labels 0..K-1), or 0 for regression. */
  public int numClasses() {
    return numClasses;
  }

  /** Whether this is a classification fit ({@code numClasses > 0}). */
  public boolean isClassification() {
    return numClasses > 0;
  }

  /** Per-class loss weights (length {@code numClasses}), or null. */
  public float[] classWeights() {
    return classWeights == null ? null : classWeights.clone();
  }

  /** How each partition draws its rows. */
  public Sampling sampling() {
    return sampling;
  }

  /** Batches between averaging rounds; 0 means one pass over each partition per round. */
  public int syncEvery() {
    return syncEvery;
  }

  /** What happens to the optimizer state between rounds. */
  public OptimizerStatePolicy optimizerStatePolicy() {
    return optimizerStatePolicy;
  }

  /** The depth of Spark's {@code treeAggregate} for the averaging. */
  public int aggregationDepth() {
    return aggregationDepth;
  }

  /**
   * The device of the executor tasks: {@code auto}, {@code cpu}, {@code cuda[:i]} or {@code
   * opencl[:i]}.
   */
  public String device() {
    return device;
  }

  /** The checkpoint directory (any Hadoop FileSystem URI), or null for none. */
  public String checkpointDir() {
    return checkpointDir;
  }

  /**
   * Epochs without an improvement of the validation loss after which training stops (the best
   * epoch's state is returned); 0 means never stop early.
   */
  public int earlyStoppingPatience() {
    return earlyStoppingPatience;
  }

  @Override
  public String toString() {
    return "TrainConfig{inputShape=" + Arrays.toString(inputShape) + ", loss=" + loss
        + ", optimizer=" + optimizer + ", learningRate=" + learningRate + ", schedule=" + schedule
        + ", gradClipNorm=" + gradClipNorm + ", batchSize=" + batchSize + ", maxEpochs="
        + maxEpochs + ", seed=" + seed + ", numClasses=" + numClasses + ", classWeights="
        + Arrays.toString(classWeights) + ", sampling=" + sampling.paramValue() + ", syncEvery="
        + syncEvery + ", optimizerStatePolicy=" + optimizerStatePolicy.paramValue()
        + ", aggregationDepth=" + aggregationDepth + ", device=" + device + ", checkpointDir="
        + checkpointDir + ", earlyStoppingPatience=" + earlyStoppingPatience + "}";
  }

  private static String quote(String s) {
    return s == null ? "null" : "\"" + s + "\"";
  }

  /** Builds a {@link TrainConfig}; every setter returns this, {@link #build()} validates. */
  public static final class Builder {
    private String network;
    private int[] inputShape;
    private String loss;
    private String optimizer = "adam";
    private double learningRate = 1e-3;
    private String schedule;
    private double gradClipNorm;
    private int batchSize = 32;
    private int maxEpochs = 10;
    private long seed;
    private int numClasses;
    private float[] classWeights;
    private Sampling sampling = Sampling.UNIFORM;
    private int syncEvery;
    private OptimizerStatePolicy optimizerStatePolicy = OptimizerStatePolicy.AVERAGE;
    private int aggregationDepth = 2;
    private String device = "auto";
    private String checkpointDir;
    private int earlyStoppingPatience;

    private Builder() {}

    /** The network spec as JSON (required). */
    public Builder network(String json) {
      this.network = json;
      return this;
    }

    /** The shape of one sample, or null (default) for flat feature vectors. */
    public Builder inputShape(int... shape) {
      this.inputShape = shape == null ? null : shape.clone();
      return this;
    }

    /** The loss spec (a name or JSON); null (default) picks cross-entropy or MSE. */
    public Builder loss(String spec) {
      this.loss = spec;
      return this;
    }

    /** The optimizer spec (a name or JSON); default {@code adam}. */
    public Builder optimizer(String spec) {
      this.optimizer = spec;
      return this;
    }

    /** The base learning rate, {@code > 0}; default 1e-3. */
    public Builder learningRate(double lr) {
      this.learningRate = lr;
      return this;
    }

    /** The schedule spec (a name or JSON); null (default) for a constant rate. */
    public Builder schedule(String spec) {
      this.schedule = spec;
      return this;
    }

    /** The gradient-norm clip, {@code >= 0}; default 0 (off). */
    public Builder gradClipNorm(double maxNorm) {
      this.gradClipNorm = maxNorm;
      return this;
    }

    /** Rows per mini-batch, {@code >= 1}; default 32. */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Passes over the data, {@code >= 1}; default 10. */
    public Builder maxEpochs(int maxEpochs) {
      this.maxEpochs = maxEpochs;
      return this;
    }

    /** The seed; default 0. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The number of classes, {@code >= 2}, or 0 (default) for regression. */
    public Builder numClasses(int numClasses) {
      this.numClasses = numClasses;
      return this;
    }

    /** Per-class loss weights (finite, {@code >= 0}, not all 0), or null (default). */
    public Builder classWeights(float[] weights) {
      this.classWeights = weights == null ? null : weights.clone();
      return this;
    }

    /** The sampling; default {@link Sampling#UNIFORM}. */
    public Builder sampling(Sampling sampling) {
      this.sampling = Objects.requireNonNull(sampling, "sampling");
      return this;
    }

    /**
     * The sampling by name, {@code uniform} or {@code balanced}.
     *
     * @throws IllegalArgumentException on another name
     */
    public Builder sampling(String sampling) {
      return sampling(Sampling.parse(sampling));
    }

    /** Batches between averaging rounds, {@code >= 0}; default 0 (one pass per round). */
    public Builder syncEvery(int batches) {
      this.syncEvery = batches;
      return this;
    }

    /** The optimizer-state policy; default {@link OptimizerStatePolicy#AVERAGE}. */
    public Builder optimizerStatePolicy(OptimizerStatePolicy policy) {
      this.optimizerStatePolicy = Objects.requireNonNull(policy, "optimizerStatePolicy");
      return this;
    }

    /**
     * The optimizer-state policy by name: {@code average}, {@code reset} or {@code keepLocal}.
     *
     * @throws IllegalArgumentException on another name
     */
    public Builder optimizerStatePolicy(String policy) {
      return optimizerStatePolicy(OptimizerStatePolicy.parse(policy));
    }

    /** The depth of the aggregation tree, {@code >= 1}; default 2. */
    public Builder aggregationDepth(int depth) {
      this.aggregationDepth = depth;
      return this;
    }

    /** The device: {@code auto} (default), {@code cpu}, {@code cuda[:i]}, {@code opencl[:i]}. */
    public Builder device(String device) {
      this.device = device;
      return this;
    }

    /** A checkpoint directory (Hadoop FileSystem URI), or null (default) for none. */
    public Builder checkpointDir(String uri) {
      this.checkpointDir = uri;
      return this;
    }

    /** Epochs without validation improvement before stopping, {@code >= 0}; default 0 (off). */
    public Builder earlyStoppingPatience(int epochs) {
      this.earlyStoppingPatience = epochs;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the first invalid setting and its value
     */
    public TrainConfig build() {
      if (network == null || network.isBlank()) {
        throw new IllegalArgumentException("network must be a network spec (JSON), got "
            + quote(network));
      }
      if (inputShape != null) {
        if (inputShape.length == 0) {
          throw new IllegalArgumentException("inputShape must have at least one dimension, got []");
        }
        long size = 1;
        for (int d : inputShape) {
          if (d < 1) {
            throw new IllegalArgumentException("inputShape dimensions must be >= 1, got "
                + Arrays.toString(inputShape));
          }
          size *= d;
          if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("inputShape " + Arrays.toString(inputShape)
                + " has more than " + Integer.MAX_VALUE + " elements");
          }
        }
      }
      if (loss != null && loss.isBlank()) {
        throw new IllegalArgumentException("loss must be a loss name or JSON spec, or null for"
            + " the default, got \"" + loss + "\"");
      }
      if (optimizer == null || optimizer.isBlank()) {
        throw new IllegalArgumentException("optimizer must be an optimizer name or JSON spec, got "
            + quote(optimizer));
      }
      if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
        throw new IllegalArgumentException("learningRate must be finite and > 0, got "
            + learningRate);
      }
      if (schedule != null && schedule.isBlank()) {
        throw new IllegalArgumentException("schedule must be a schedule name or JSON spec, or"
            + " null for a constant rate, got \"" + schedule + "\"");
      }
      if (!(gradClipNorm >= 0) || Double.isInfinite(gradClipNorm)) {
        throw new IllegalArgumentException("gradClipNorm must be finite and >= 0 (0 = off), got "
            + gradClipNorm);
      }
      if (batchSize < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
      }
      if (maxEpochs < 1) {
        throw new IllegalArgumentException("maxEpochs must be >= 1, got " + maxEpochs);
      }
      if (numClasses < 0 || numClasses == 1) {
        throw new IllegalArgumentException("numClasses must be >= 2 for classification or 0 for"
            + " regression, got " + numClasses);
      }
      if (classWeights != null) {
        if (numClasses == 0) {
          throw new IllegalArgumentException("classWeights need a classification fit"
              + " (numClasses >= 2); this one is a regression");
        }
        if (classWeights.length != numClasses) {
          throw new IllegalArgumentException("classWeights has " + classWeights.length
              + " values but numClasses is " + numClasses);
        }
        boolean positive = false;
        for (int k = 0; k < classWeights.length; k++) {
          float w = classWeights[k];
          if (!(w >= 0) || Float.isInfinite(w)) {
            throw new IllegalArgumentException("classWeights[" + k + "] must be finite and >= 0,"
                + " got " + w);
          }
          positive |= w > 0;
        }
        if (!positive) {
          throw new IllegalArgumentException("classWeights are all 0: no row would count");
        }
      }
      if (sampling == Sampling.BALANCED && numClasses == 0) {
        throw new IllegalArgumentException("sampling=balanced needs a classification fit"
            + " (numClasses >= 2); this one is a regression");
      }
      if (syncEvery < 0) {
        throw new IllegalArgumentException("syncEvery must be >= 0 (0 = one pass per round), got "
            + syncEvery);
      }
      if (aggregationDepth < 1) {
        throw new IllegalArgumentException("aggregationDepth must be >= 1, got "
            + aggregationDepth);
      }
      if (device == null) {
        throw new IllegalArgumentException("device must be auto, cpu, cuda[:i] or opencl[:i],"
            + " got null");
      }
      if (!device.trim().equalsIgnoreCase("auto")) {
        try {
          Device.parse(device.trim().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("device must be auto, cpu, cuda[:i] or opencl[:i],"
              + " got \"" + device + "\"", e);
        }
      }
      if (checkpointDir != null && checkpointDir.isBlank()) {
        throw new IllegalArgumentException("checkpointDir must be a directory URI or null, got \""
            + checkpointDir + "\"");
      }
      if (earlyStoppingPatience < 0) {
        throw new IllegalArgumentException("earlyStoppingPatience must be >= 0 (0 = off), got "
            + earlyStoppingPatience);
      }
      return new TrainConfig(this);
    }
  }
}
