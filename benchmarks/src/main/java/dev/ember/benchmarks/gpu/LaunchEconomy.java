package dev.ember.benchmarks.gpu;

import dev.ember.backend.Backends;
import dev.ember.benchmarks.workloads.Trainer;
import dev.ember.benchmarks.workloads.Workload;
import dev.ember.data.DataLoader;
import dev.ember.data.TensorDataset;
import dev.ember.gpu.GpuBackend;
import dev.ember.gpu.StepGraph;
import dev.ember.gpu.cuda.CudaBackendProvider;
import dev.ember.gpu.cuda.CudaRuntime;
import dev.ember.gpu.cuda.FakeCudaDriver;
import dev.ember.nn.Module;
import dev.ember.optim.Adam;
import dev.ember.optim.Optimizer;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;

/**
 * Launch economy of the GPU backend: kernel launches and reads back to the host per training step
 * of W1, W2 and W3 (Adam, cross-entropy, the workloads' batch sizes), and the Java-side cost of
 * one launch.
 *
 * <ul>
 *   <li>Launches are counted by {@link GpuBackend#launchCount()} on a device that really runs
 *       the kernels ({@code opencl:0} by default, PoCL on any machine; {@code cuda:0} on a GPU
 *       host): the count is a property of the shared backend code, the same on both runtimes. A
 *       fake CUDA device cannot be used for it, because some primitives read a flag back (bad
 *       indices) and a fake device never computes one.
 *   <li>With a {@link StepGraph} (the training step, Adam's update included, recorded once and
 *       then replayed): launches per step on {@code device} (OpenCL replays the recorded kernels
 *       one by one) and on a fake CUDA device, where a replay is one graph launch (the fake
 *       driver records the capture; the count is Ember's, not timed).
 *   <li>The host cost is timed on a fake CUDA device ({@code -Dember.cuda.fakeDevices=1}, set
 *       here before the backends load): {@code GpuBackend.fill} on a strided tensor, i.e.
 *       argument packing, the int[] staging, the PTX signature check and the launch call into the
 *       fake driver (which only appends to a list): Ember's own host cost per launch.
 *   <li>The host time of a whole training step, also on the fake CUDA device: Trainer's eager
 *       loop (the DataLoader's shuffled batch, its copy to the device, zeroing the gradients in
 *       place, forward, backward, Adam) with everything but the GPU's work, after 1,500 warm-up
 *       steps. A GPU that took no time at all would still leave this per step; the launches
 *       themselves add the driver's cost (about 9 µs each measured on the H100 host). The fake
 *       driver's copy to the device is a Java array copy, not a pinned-memory DMA; its records
 *       are cleared every 100 steps, outside the timed part. This runs first, before the other
 *       figures' runs fill the heap.
 * </ul>
 *
 * Prints one JSON line per figure.
 */
public final class LaunchEconomy {
  private LaunchEconomy() {}

  /** Entry point: {@code [device=opencl:0] [steps=5] [launchSamples=20000]}. */
  public static void main(String[] args) {
    System.setProperty(CudaBackendProvider.FAKE_DEVICES, "1");
    Device device = Device.parse(args.length > 0 ? args[0] : "opencl:0");
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int samples = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
    // First, in a JVM that has run nothing else: the host time per step (the other figures'
    // runs leave the OpenCL slabs and the fake driver's records on the heap, whose collections
    // would be timed with it).
    for (Workload w : Workload.values()) {
      double[] ms = hostMillisPerStep(w, Device.of("cuda", 0), 1_500, 500);
      System.out.printf(Locale.ROOT,
          "{\"figure\": \"host_ms_per_step\", \"workload\": \"%s\", \"batch\": %d,"
              + " \"device\": \"%s (fake driver)\", \"median_ms\": %.3f, \"mean_ms\": %.3f,"
              + " \"samples_per_s_bound\": %.0f, \"steps\": 500}%n",
          w.name().toLowerCase(Locale.ROOT), w.batchSize(), Device.of("cuda", 0), ms[0], ms[1],
          w.batchSize() / (ms[1] / 1e3));
    }
    GpuBackend counted = (GpuBackend) Backends.get(device);
    for (Workload w : Workload.values()) {
      double[] perStep = perStep(w, device, counted, steps);
      System.out.printf(Locale.ROOT,
          "{\"figure\": \"launches_per_step\", \"workload\": \"%s\", \"batch\": %d,"
              + " \"device\": \"%s\", \"launches\": %.1f, \"host_reads\": %.1f}%n",
          w.name().toLowerCase(Locale.ROOT), w.batchSize(), device, perStep[0], perStep[1]);
    }
    Device fake = Device.of("cuda", 0);
    GpuBackend timed = (GpuBackend) Backends.get(fake);
    for (Workload w : Workload.values()) {
      for (Device d : new Device[] {device, fake}) {
        System.out.printf(Locale.ROOT,
            "{\"figure\": \"launches_per_step_with_step_graph\", \"workload\": \"%s\","
                + " \"device\": \"%s\", \"launches\": %.1f}%n",
            w.name().toLowerCase(Locale.ROOT), d,
            perStepWithGraph(w, d, (GpuBackend) Backends.get(d), steps));
      }
    }
    if (!(((CudaRuntime) timed.runtime()).driver() instanceof FakeCudaDriver)) {
      throw new IllegalStateException("cuda:0 is not the fake driver's device");
    }
    double[] ns = hostNanosPerLaunch(timed, fake, samples);
    System.out.printf(Locale.ROOT,
        "{\"figure\": \"host_us_per_launch\", \"kernel\": \"fill_f32 (strided)\","
            + " \"median_us\": %.3f, \"p90_us\": %.3f, \"samples\": %d}%n",
        ns[0] / 1e3, ns[1] / 1e3, samples);
  }

  /**
   * Median and mean host time of one eager training step, in milliseconds, as {@code
   * Trainer.run} takes it on a GPU (a shuffled batch from a DataLoader over 6,000 random
   * samples, moved to the device, gradients zeroed in place, Adam), over {@code steps} steps
   * after {@code warmup}.
   */
  static double[] hostMillisPerStep(Workload w, Device device, int warmup, int steps) {
    Setup s0 = setup(w, device);
    Generator gen = new Generator(3);
    int n = 6_000;
    Tensor images = w.layout(Tensor.rand(gen, DType.FLOAT32, Device.CPU, n, 28, 28));
    Tensor labels = Tensor.randint(gen, 0, 10, DType.INT64, Device.CPU, n);
    DataLoader<Tensor[], Tensor[]> loader = DataLoader.builder(new TensorDataset(images, labels))
        .batchSize(w.batchSize()).seed(1).dropLast(true).shuffle(true).build();
    // The fake driver's records of every call are cleared as they grow (not timed).
    FakeCudaDriver fake = ((GpuBackend) Backends.get(device)).runtime() instanceof CudaRuntime r
        && r.driver() instanceof FakeCudaDriver f ? f : null;
    long[] t = new long[steps];
    int done = 0;
    while (done < warmup + steps) {
      Iterator<Tensor[]> it = loader.iterator();
      while (done < warmup + steps) {
        long t0 = System.nanoTime();
        if (!it.hasNext()) {
          break;
        }
        Tensor[] batch = it.next();
        try (Scope s = Tensor.scope()) {
          Trainer.step(s0.model(), s0.opt(), batch[0].to(device), batch[1].to(device), false);
        }
        if (done >= warmup) {
          t[done - warmup] = System.nanoTime() - t0;
        }
        if (++done % 100 == 0 && fake != null) {
          fake.clearRecords();
        }
      }
    }
    double mean = Arrays.stream(t).average().orElse(Double.NaN) / 1e6;
    Arrays.sort(t);
    return new double[] {t[steps / 2] / 1e6, mean};
  }

  /**
   * Launches and reads back to the host ({@link GpuBackend#downloadCount()}: each waits for the
   * queued kernels) of one training step, after two warm-up steps, averaged over {@code steps}.
   */
  static double[] perStep(Workload w, Device device, GpuBackend backend, int steps) {
    Setup s0 = setup(w, device);
    long before = 0;
    long readsBefore = 0;
    for (int i = 0; i < steps + 2; i++) {
      if (i == 2) {
        before = backend.launchCount();
        readsBefore = backend.downloadCount();
      }
      try (Scope s = Tensor.scope()) {
        Trainer.step(s0.model(), s0.opt(), s0.images().to(device), s0.labels().to(device), true);
      }
    }
    return new double[] {(backend.launchCount() - before) / (double) steps,
        (backend.downloadCount() - readsBefore) / (double) steps};
  }

  /**
   * Launches of one training step with a {@link StepGraph}: one eager step, then the step
   * (forward, backward, Adam's update) captured with the gradients unset, then per step a replay,
   * averaged over {@code steps} replays.
   */
  static double perStepWithGraph(Workload w, Device device, GpuBackend backend, int steps) {
    Setup s0 = setup(w, device);
    Optimizer opt = s0.opt();
    Tensor images = s0.images().to(device);
    Tensor labels = s0.labels().to(device);
    // Captured with the gradients unset: backward writes them, and each replay overwrites them.
    Runnable step = () -> Trainer.step(s0.model(), opt, images, labels, true);
    try (Scope s = Tensor.scope()) {
      step.run();
    }
    StepGraph graph;
    try (Scope s = Tensor.scope()) {
      graph = StepGraph.capture(device, step);
    }
    try (graph) {
      long before = backend.launchCount();
      for (int i = 0; i < steps; i++) {
        graph.replay();
      }
      return (backend.launchCount() - before) / (double) steps;
    }
  }

  /** A workload's network on {@code device} (seed 1), its Adam, and one batch on the host. */
  private record Setup(Module model, Optimizer opt, Tensor images, Tensor labels) {}

  private static Setup setup(Workload w, Device device) {
    Generator.manualSeed(1);
    Module model = w.network();
    model.to(device);
    Optimizer opt = new Adam(model.parameters(), 1e-3);
    Generator gen = new Generator(2);
    Tensor images = w.layout(Tensor.rand(gen, DType.FLOAT32, Device.CPU, w.batchSize(), 28, 28));
    Tensor labels = Tensor.randint(gen, 0, 10, DType.INT64, Device.CPU, w.batchSize());
    return new Setup(model, opt, images, labels);
  }

  /** Median and 90th percentile of the host time of one fill launch, in nanoseconds. */
  static double[] hostNanosPerLaunch(GpuBackend backend, Device device, int samples) {
    long[] t = new long[samples];
    try (Scope s = Tensor.scope()) {
      Tensor x = Tensor.empty(DType.FLOAT32, device, 16, 16).transpose(0, 1);
      // Warm-up: the launch path is compiled by C2 only after some 10^5 calls (the first
      // 100,000 take about five times as long as the later ones).
      for (int i = 0; i < 300_000; i++) {
        backend.fill(x, i);
      }
      for (int i = 0; i < samples; i++) {
        long t0 = System.nanoTime();
        backend.fill(x, i);
        t[i] = System.nanoTime() - t0;
      }
    }
    Arrays.sort(t);
    return new double[] {t[samples / 2], t[(int) (samples * 0.9)]};
  }
}
