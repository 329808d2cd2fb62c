package dev.ember.benchmarks.workloads;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.benchmarks.gpu.DeviceStats;
import dev.ember.data.DataLoader;
import dev.ember.data.Sampler;
import dev.ember.data.TensorDataset;
import dev.ember.gpu.StepGraph;
import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.nn.Reduction;
import dev.ember.optim.Adam;
import dev.ember.optim.Optimizer;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/**
 * Trains a workload exactly as WORKLOADS.md defines it: Adam(lr 1e-3, betas (0.9, 0.999), eps
 * 1e-8), softmax cross-entropy, reshuffled every epoch (seeded), last partial batch kept. Only
 * the training loop is timed (shuffle, gather, forward, backward, step), with the data already in
 * memory; test accuracy is measured after the last epoch.
 *
 * <p>The random draws follow {@code -Dember.bench.rng}: {@code mt19937} (the default) draws what
 * the PyTorch reference script draws for the same seed ({@code torch.manual_seed(seed)}, the
 * network's default initialization, then one {@code torch.randperm(n)} per epoch from the same
 * generator), so "seed 1" is the same start in both systems; {@code philox} draws from Ember's
 * default Philox generator and shuffles with the loader's seeded sampler.
 */
public final class Trainer {
  private Trainer() {}

  /** The engine of {@code -Dember.bench.rng} ({@code mt19937} unless set). */
  static Generator.Engine engine() {
    String rng = System.getProperty("ember.bench.rng", "mt19937").trim();
    return switch (rng) {
      case "mt19937" -> Generator.Engine.MT19937;
      case "philox" -> Generator.Engine.PHILOX;
      default -> throw new IllegalArgumentException(
          "-Dember.bench.rng must be mt19937 or philox, got '" + rng + "'");
    };
  }

  /**
   * The reference script's shuffle: epoch e is the (e + 1)-th {@code randperm(n)} drawn from the
   * generator's state when the sampler was made. Kept a pure function of the epoch (as {@link
   * Sampler} asks) by replaying from that state, resuming from the last epoch drawn.
   */
  static final class StreamSampler extends Sampler {
    private final int n;
    private final long[] start;
    private long[] after;
    private int afterEpoch = -1;

    StreamSampler(int n, Generator gen) {
      this.n = n;
      this.start = gen.state();
    }

    @Override
    public int size() {
      return n;
    }

    @Override
    public synchronized int[] indices(int epoch) {
      if (epoch < 0) {
        throw new IllegalArgumentException("epoch must be non-negative, got " + epoch);
      }
      Generator g = new Generator(0);
      int e = 0;
      if (epoch > afterEpoch && after != null) {
        g.setState(after);
        e = afterEpoch + 1;
      } else {
        g.setState(start);
      }
      long[] perm = null;
      for (; e <= epoch; e++) {
        perm = Tensor.randperm(n, g).toLongArray();
      }
      after = g.state();
      afterEpoch = epoch;
      int[] out = new int[n];
      for (int i = 0; i < n; i++) {
        out[i] = (int) perm[i];
      }
      return out;
    }
  }

  /** What a run measured. */
  public record Result(Workload workload, long seed, int epochs, double accuracy,
      double samplesPerSecond, double secondHalfSamplesPerSecond, double lastLoss,
      double peakHeapMiB, GpuRun gpu, boolean stepGraph, double[] losses) {
    /**
     * One JSON object on one line; a GPU run adds the device, its description, the peak of
     * allocated device memory during training and the memory the allocator held at the end, and
     * a run with {@code -Dember.bench.losses=N} the training loss of its first N steps.
     */
    public String toJson() {
      String json = String.format(java.util.Locale.ROOT,
          "{\"system\": \"%s\", \"workload\": \"%s\", \"seed\": %d, \"accuracy\": %.4f,"
              + " \"samples_per_s\": %.1f, \"second_half_samples_per_s\": %.1f, \"epochs\": %d,"
              + " \"last_loss\": %.4f, \"peak_heap_mib\": %.1f",
          stepGraph ? "ember-graph" : "ember", workload.name().toLowerCase(java.util.Locale.ROOT),
          seed, accuracy, samplesPerSecond,
          secondHalfSamplesPerSecond, epochs, lastLoss, peakHeapMiB);
      if (gpu != null) {
        json += String.format(java.util.Locale.ROOT,
            ", \"device\": \"%s\", \"device_name\": \"%s\", \"peak_device_mib\": %.1f,"
                + " \"device_reserved_mib\": %.1f",
            gpu.device(), gpu.deviceName().replace("\\", "\\\\").replace("\"", "\\\""),
            gpu.peakDeviceMiB(), gpu.reservedDeviceMiB());
      }
      if (losses.length > 0) {
        StringBuilder b = new StringBuilder(", \"losses\": [");
        for (int i = 0; i < losses.length; i++) {
          b.append(i == 0 ? "" : ", ").append(String.format(java.util.Locale.ROOT, "%.8f", losses[i]));
        }
        json += b.append("]");
      }
      return json + "}";
    }
  }

  /**
   * What a run on a GPU adds: the device, its description, the peak of allocated device memory
   * over the training loop (from the model's move to the device to the last step; the test
   * evaluation is left out, as in the PyTorch script) and the memory the allocator held then.
   */
  public record GpuRun(Device device, String deviceName, double peakDeviceMiB,
      double reservedDeviceMiB) {}

  /**
   * Trains {@code w} from seed {@code seed} for {@code epochs} epochs on (trainImages (N, 28,
   * 28) in [0, 1], trainLabels (N) int64) and evaluates on the test pair.
   */
  public static Result run(Workload w, long seed, int epochs, Tensor trainImages,
      Tensor trainLabels, Tensor testImages, Tensor testLabels) {
    return run(w, seed, epochs, Device.CPU, trainImages, trainLabels, testImages, testLabels);
  }

  /**
   * {@link #run(Workload, long, int, Tensor, Tensor, Tensor, Tensor)} on {@code device}: the
   * model is initialized as on the CPU (same seed, same weights), then moved; each batch is
   * moved to the device after the loader builds it on the CPU.
   */
  public static Result run(Workload w, long seed, int epochs, Device device, Tensor trainImages,
      Tensor trainLabels, Tensor testImages, Tensor testLabels) {
    return run(w, seed, epochs, device, false, trainImages, trainLabels, testImages, testLabels);
  }

  /**
   * {@link #run(Workload, long, int, Device, Tensor, Tensor, Tensor, Tensor)}, with {@code
   * stepGraph} (a GPU device) through a {@link StepGraph}: the first full batch trains eagerly,
   * the second is captured (zeroing the gradients in place, forward, backward, Adam's step), and
   * every later full batch is copied into the graph's static inputs and replayed: one launch per
   * step on CUDA. A last partial batch trains eagerly, on the same gradient buffers. The same
   * kernels run in the same order as eagerly, so the results are the eager run's.
   */
  public static Result run(Workload w, long seed, int epochs, Device device, boolean stepGraph,
      Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels) {
    if (stepGraph && device.isCpu()) {
      throw new IllegalArgumentException("a step graph needs a GPU device, not " + device);
    }
    Generator.Engine engine = engine();
    Generator.manualSeed(seed, engine);
    Module model = w.network();
    DeviceStats stats = new DeviceStats(device);
    stats.resetPeak();
    model.to(device);
    Optimizer opt = new Adam(model.parameters(), 1e-3);
    DataLoader.Builder<Tensor[], Tensor[]> builder =
        DataLoader.builder(new TensorDataset(w.layout(trainImages), trainLabels))
            .batchSize(w.batchSize()).seed(seed).dropLast(false);
    DataLoader<Tensor[], Tensor[]> loader = engine == Generator.Engine.MT19937
        ? builder.sampler(new StreamSampler(trainLabels.size(0), Generator.getDefault())).build()
        : builder.shuffle(true).build();
    resetPeaks();
    long trainNanos = 0;
    long samples = 0;
    // The second half of the steps measures the warmed-up JVM (JIT compilation of the kernels
    // takes the first seconds of a process); the whole run is the headline figure.
    int steps = loader.numBatches() * epochs;
    int half = steps / 2;
    long[] stepEnd = new long[steps];
    long[] stepSamples = new long[steps];
    int step = 0;
    Tensor last = null;
    // -Dember.bench.losses=N: the training loss of the first N steps, for comparing the steps
    // with the reference's from the same start (each read waits for the step on a GPU).
    double[] losses = new double[Math.min(steps, Integer.getInteger("ember.bench.losses", 0))];
    model.train();
    // On a GPU, gradients are zeroed in place: a gradient set to null is reclaimed only by the
    // garbage collector, so device memory would grow by the parameters' size per step between
    // collections. Every parameter of W1-W3 gets a gradient each step, so the updates are the
    // same as with null gradients (PyTorch's default).
    boolean zeroInPlace = !device.isCpu();
    StepGraph graph = null;
    Tensor[] statics = null;
    Tensor[] graphLoss = new Tensor[1];
    int full = w.batchSize();
    int fullSteps = 0;
    for (int epoch = 0; epoch < epochs; epoch++) {
      long t0 = System.nanoTime();
      for (Tensor[] batch : loader) {
        try (Scope s = Tensor.scope()) {
          if (stepGraph && batch[1].size(0) == full && fullSteps++ > 0) {
            if (graph == null) {
              // Static inputs (outside the scope), then the capture: it runs this step.
              statics = new Tensor[] {batch[0].to(device).clone().keep(),
                  batch[1].to(device).clone().keep()};
              Tensor[] in = statics;
              graph = StepGraph.capture(device,
                  () -> graphLoss[0] = step(model, opt, in[0], in[1], false));
              graphLoss[0].keep();
            } else {
              statics[0].copy_(batch[0].to(device));
              statics[1].copy_(batch[1].to(device));
              graph.replay();
            }
            samples += batch[1].size(0);
            last = graphLoss[0];
          } else {
            Tensor loss = step(model, opt, batch[0].to(device), batch[1].to(device),
                !zeroInPlace);
            samples += batch[1].size(0);
            last = loss.detach().keep();
          }
          if (step < losses.length) {
            losses[step] = last.item();
          }
        }
        if (step == half - 1) {
          // A GPU queues launches: the half-way mark counts once its steps have run.
          stats.synchronize();
        }
        stepEnd[step] = trainNanos + System.nanoTime() - t0;
        stepSamples[step++] = samples;
      }
      stats.synchronize();
      trainNanos += System.nanoTime() - t0;
    }
    GpuRun gpu = stats.isGpu()
        ? new GpuRun(device, stats.describe(), stats.peakMiB(), stats.reservedMiB()) : null;
    double lastLoss = last == null ? Double.NaN : last.item();
    if (graph != null) {
      graph.close();
    }
    double secondHalf = half == 0 ? Double.NaN
        : (samples - stepSamples[half - 1]) / ((trainNanos - stepEnd[half - 1]) / 1e9);
    if (Boolean.getBoolean("ember.bench.steps")) {
      // The warm-up profile: the time of steps 1, 2, 3-5, 6-10, ... on standard error.
      int[] marks = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, steps};
      int prev = 0;
      for (int mark : marks) {
        int m = Math.min(mark, steps);
        if (m <= prev) {
          break;
        }
        long t = stepEnd[m - 1] - (prev == 0 ? 0 : stepEnd[prev - 1]);
        System.err.printf("steps %d-%d: %.1f ms total, %.2f ms/step%n", prev + 1, m, t / 1e6,
            t / 1e6 / (m - prev));
        prev = m;
      }
    }
    double accuracy = accuracy(model, w.layout(testImages), testLabels);
    return new Result(w, seed, epochs, accuracy, samples / (trainNanos / 1e9), secondHalf,
        lastLoss, peakHeapMiB(), gpu, stepGraph, losses);
  }

  /**
   * One training step as WORKLOADS.md defines it: the gradients cleared ({@code setToNone}, or
   * zeroed in place), softmax cross-entropy of {@code model(x)} against {@code y}, backward, the
   * optimizer's step; returns the loss.
   */
  public static Tensor step(Module model, Optimizer opt, Tensor x, Tensor y, boolean setToNone) {
    opt.zeroGrad(setToNone);
    Tensor loss = F.crossEntropy(model.forward(x), y, null, -100, Reduction.MEAN, 0);
    loss.backward();
    opt.step();
    return loss;
  }

  /** The fraction of {@code images} whose arg-max class is the label, in evaluation mode. */
  public static double accuracy(Module model, Tensor images, Tensor labels) {
    model.eval();
    long correct = 0;
    int n = images.size(0);
    try (GradMode ng = Autograd.noGrad()) {
      for (int i = 0; i < n; i += 1000) {
        try (Scope s = Tensor.scope()) {
          int len = Math.min(1000, n - i);
          Device d = model.parameters().get(0).device();
          Tensor pred = model.forward(images.narrow(0, i, len).to(d)).argmax(1, false);
          correct += (long) pred.eq(labels.narrow(0, i, len).to(d)).sum().item();
        }
      }
    }
    model.train();
    return (double) correct / n;
  }

  private static void resetPeaks() {
    System.gc();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
  }

  /** The sum of the heap pools' peak usage since the last reset, in MiB. */
  private static double peakHeapMiB() {
    long bytes = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        bytes += pool.getPeakUsage().getUsed();
      }
    }
    return bytes / (1024.0 * 1024.0);
  }
}
