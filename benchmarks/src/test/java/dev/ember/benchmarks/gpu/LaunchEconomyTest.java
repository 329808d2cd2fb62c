package dev.ember.benchmarks.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.backend.Backends;
import dev.ember.benchmarks.workloads.Workload;
import dev.ember.gpu.GpuBackend;
import dev.ember.tensor.Device;
import org.junit.jupiter.api.Test;

/**
 * The launch economy of W1-W3 training steps on opencl:0 does not regress past the README's
 * figures: 12, 27 and 21 kernel launches and no read back to the host per step (the targets
 * are checked in the loss's kernel, Backend.logSoftmaxNllMean). Counts, not times: the same on
 * every machine.
 */
class LaunchEconomyTest {

  @Test
  void w1StepStaysWithinItsLaunchesAndReads() {
    Device opencl = Device.of("opencl", 0);
    assumeTrue(Backends.isAvailable(opencl),
        "skipped: no OpenCL device here (install pocl-opencl-icd to run this on the CPU)");
    double[] perStep = LaunchEconomy.perStep(Workload.W1, opencl,
        (GpuBackend) Backends.get(opencl), 2);
    assertTrue(perStep[0] <= 12, "launches per W1 step: " + perStep[0]);
    assertEquals(0, perStep[1], "host reads per W1 step");
    assertTrue(perStep[0] >= 6, "fewer launches than the step's 6 GEMM launches: "
        + perStep[0]);
  }

  /**
   * W1 with a StepGraph on opencl:0 (the step, Adam's update included): a replay makes the
   * recorded kernels again, one by one, so as many as the eager step (a fake CUDA device, where a
   * replay is one graph launch, is in CudaGraphTest).
   */
  @Test
  void aW1StepReplayedFromAStepGraphLaunchesWhatTheEagerStepDoes() {
    Device opencl = Device.of("opencl", 0);
    assumeTrue(Backends.isAvailable(opencl),
        "skipped: no OpenCL device here (install pocl-opencl-icd to run this on the CPU)");
    GpuBackend backend = (GpuBackend) Backends.get(opencl);
    assertEquals(LaunchEconomy.perStep(Workload.W1, opencl, backend, 1)[0],
        LaunchEconomy.perStepWithGraph(Workload.W1, opencl, backend, 2));
  }

  /**
   * The host-time figure's loop runs Trainer's eager step over its loader past an epoch's end
   * (46 batches of W1), and gives times (not checked against any bound: they are the machine's).
   */
  @Test
  void hostTimePerStepRunsAcrossEpochs() {
    Device opencl = Device.of("opencl", 0);
    assumeTrue(Backends.isAvailable(opencl),
        "skipped: no OpenCL device here (install pocl-opencl-icd to run this on the CPU)");
    double[] ms = LaunchEconomy.hostMillisPerStep(Workload.W1, opencl, 44, 4);
    assertTrue(ms[0] > 0 && ms[1] > 0 && Double.isFinite(ms[1]), "median, mean: " + ms[0] + ", "
        + ms[1]);
  }

  @Test
  void w2AndW3StepsStayWithinTheirLaunchesAndReads() {
    Device opencl = Device.of("opencl", 0);
    assumeTrue(Backends.isAvailable(opencl),
        "skipped: no OpenCL device here (install pocl-opencl-icd to run this on the CPU)");
    GpuBackend backend = (GpuBackend) Backends.get(opencl);
    double[] w2 = LaunchEconomy.perStep(Workload.W2, opencl, backend, 1);
    // The max-pool backwards of autograd's own indices read nothing back.
    assertTrue(w2[0] <= 27, "launches per W2 step: " + w2[0]);
    assertEquals(0, w2[1], "host reads per W2 step");
    double[] w3 = LaunchEconomy.perStep(Workload.W3, opencl, backend, 1);
    assertTrue(w3[0] <= 21, "launches per W3 step: " + w3[0]);
    assertEquals(0, w3[1], "host reads per W3 step");
  }
}
