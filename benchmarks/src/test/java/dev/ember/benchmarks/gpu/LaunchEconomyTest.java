package dev.ember.benchmarks.gpu;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.backend.Backends;
import dev.ember.benchmarks.workloads.Workload;
import dev.ember.gpu.GpuBackend;
import dev.ember.tensor.Device;
import org.junit.jupiter.api.Test;

/**
 * The launch economy of a W1 training step on opencl:0 does not regress past the README's
 * figures: 29 kernel launches and one read back to the host (the check of the class-index
 * targets) per step. Counts, not times: the same on every machine.
 */
class LaunchEconomyTest {

  @Test
  void w1StepStaysWithinItsLaunchesAndReads() {
    Device opencl = Device.of("opencl", 0);
    assumeTrue(Backends.isAvailable(opencl),
        "skipped: no OpenCL device here (install pocl-opencl-icd to run this on the CPU)");
    double[] perStep = LaunchEconomy.perStep(Workload.W1, opencl,
        (GpuBackend) Backends.get(opencl), 2);
    assertTrue(perStep[0] <= 29, "launches per W1 step: " + perStep[0]);
    assertTrue(perStep[1] <= 1, "host reads per W1 step: " + perStep[1]);
    assertTrue(perStep[0] >= 8, "fewer launches than the step's 8 GEMMs: " + perStep[0]);
  }
}
