package dev.ember.spark;

import dev.ember.data.Seeds;
import dev.ember.io.Json;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import dev.ember.nn.layers.Dropout;
import dev.ember.spec.LossSpec;
import dev.ember.spec.Network;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * What the driver and the tasks of a fit build from its {@link TrainConfig}: the network (with
 * its random streams seeded from the config), the loss and the per-sample input shape.
 */
final class TaskModels {
  /** The stream of the initial parameters. */
  static final long INIT_STREAM = 101;
  /** The stream of a partition's row order in an epoch: (102, epoch, partition). */
  static final long ORDER_STREAM = 102;
  /** The stream of a task's dropout masks: (103, epoch, partition, round). */
  static final long DROPOUT_STREAM = 103;

  private TaskModels() {}

  /**
   * The network with the initial parameters of a fit with {@code seed}, drawn from the default
   * generator seeded from (seed, 101) and restored afterwards, so the caller's random state is
   * unchanged.
   */
  static Sequential initial(TrainConfig config) {
    Network net = Network.fromJson(config.network());
    Generator g = Generator.getDefault();
    // Generator's methods synchronize on it: holding its lock keeps other threads from drawing
    // while it is borrowed.
    synchronized (g) {
      long[] saved = g.state();
      g.seed(Seeds.derive(config.seed(), INIT_STREAM));
      try {
        return net.build();
      } finally {
        g.setState(saved);
      }
    }
  }

  /**
   * The network for a task, on {@code device}, its dropout layers drawing from {@code dropout}
   * (the default generator is shared by every task of the JVM, so masks from it would depend on
   * thread timing). Its initial parameters are meaningless: the task loads the round's state.
   */
  static Sequential forTask(TrainConfig config, Device device, Generator dropout) {
    Sequential s = withDropout(config, Network.fromJson(config.network()).build(), dropout);
    if (!device.isCpu()) {
      s.to(device);
    }
    return s;
  }

  /**
   * {@code built} with each Dropout replaced by one of the same p drawing from {@code gen} (null:
   * unchanged). Children keep their names 0, 1, ..., so the state dict is the same.
   */
  private static Sequential withDropout(TrainConfig config, Sequential built, Generator gen) {
    if (gen == null) {
      return built;
    }
    List<Module> children = built.children();
    boolean any = false;
    for (Module m : children) {
      any |= m instanceof Dropout;
    }
    if (!any) {
      return built;
    }
    List<?> layers = (List<?>) ((Map<?, ?>) Json.parse(config.network())).get("layers");
    Module[] out = new Module[children.size()];
    for (int i = 0; i < out.length; i++) {
      Module m = children.get(i);
      if (m instanceof Dropout) {
        Object p = ((Map<?, ?>) layers.get(i)).get("p");
        out[i] = new Dropout(p == null ? 0.5 : ((Number) p).doubleValue(), gen);
      } else {
        out[i] = m;
      }
    }
    return new Sequential(out);
  }

  /** The generator of a task's dropout masks. */
  static Generator dropoutGenerator(TrainConfig config, int epoch, int partition, int round) {
    return new Generator(Seeds.derive(config.seed(), DROPOUT_STREAM, epoch, partition, round));
  }

  /** The generator of a partition's row order in an epoch. */
  static Generator orderGenerator(TrainConfig config, int epoch, int partition) {
    return new Generator(Seeds.derive(config.seed(), ORDER_STREAM, epoch, partition));
  }

  /** The loss spec: the config's, or cross-entropy (classification) / MSE (regression). */
  static LossSpec lossSpec(TrainConfig config) {
    String spec = config.loss();
    if (spec == null) {
      spec = config.isClassification() ? "crossEntropy" : "mse";
    }
    return LossSpec.of(spec);
  }

  /** The class weights as a float32 tensor (outside every scope), or null. */
  static Tensor classWeights(TrainConfig config) {
    float[] w = config.classWeights();
    return w == null ? null : Tensor.of(w).persist();
  }

  /**
   * The per-sample input shape: the config's {@code inputShape}, or {@code [featureSize]}.
   *
   * @throws IllegalArgumentException if {@code inputShape} does not hold {@code featureSize}
   *     values
   */
  static int[] sampleShape(TrainConfig config, int featureSize) {
    int[] shape = config.inputShape();
    if (shape == null) {
      return new int[] {featureSize};
    }
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    if (n != featureSize) {
      throw new IllegalArgumentException("inputShape " + java.util.Arrays.toString(shape)
          + " holds " + n + " values but the feature vectors have " + featureSize);
    }
    return shape;
  }

  /** {@code [batch, sampleShape...]}. */
  static int[] batchShape(int batch, int[] sampleShape) {
    int[] s = new int[sampleShape.length + 1];
    s[0] = batch;
    System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
    return s;
  }
}
