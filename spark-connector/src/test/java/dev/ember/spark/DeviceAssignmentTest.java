package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.spark.testing.SparkSessionExtension;
import dev.ember.tensor.Device;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every branch of the device choice, on made-up executors; one Spark job for the task path. */
class DeviceAssignmentTest {
  private static final Device CUDA0 = Device.of("cuda", 0);
  private static final Device CUDA1 = Device.of("cuda", 1);
  private static final Device CUDA2 = Device.of("cuda", 2);
  private static final Device CL0 = Device.of("opencl", 0);
  private static final Device CL1 = Device.of("opencl", 1);
  private static final List<Device> THREE_CUDA_TWO_CL = List.of(CUDA0, CUDA1, CUDA2, CL0, CL1);

  private static Device choose(String request, List<String> addresses, int partition,
      List<Device> visible) {
    return DeviceAssignment.choose(request, addresses, partition, visible);
  }

  @Test
  void cpuIsTheCpuWhateverTheExecutorHas() {
    assertEquals(Device.CPU, choose("cpu", List.of("1"), 4, THREE_CUDA_TWO_CL));
    assertEquals(Device.CPU, choose(" CPU ", List.of(), 0, List.of()));
  }

  @Test
  void autoTakesTheGpuSparkAssigned() {
    assertEquals(CUDA2, choose("auto", List.of("2"), 0, THREE_CUDA_TWO_CL));
    assertEquals(CUDA1, choose("auto", List.of(" 1", "2"), 7, THREE_CUDA_TWO_CL));
    assertEquals(CL1, choose("auto", List.of("1"), 0, List.of(CL0, CL1)));
  }

  @Test
  void autoWithoutAnAddressSpreadsPartitionsOverTheBestGpuType() {
    assertEquals(CUDA0, choose("auto", List.of(), 0, THREE_CUDA_TWO_CL));
    assertEquals(CUDA1, choose("auto", List.of(), 4, THREE_CUDA_TWO_CL));
    assertEquals(CUDA2, choose("auto", List.of(), 5, THREE_CUDA_TWO_CL));
    assertEquals(CL1, choose("auto", List.of(), 3, List.of(CL0, CL1)));
  }

  @Test
  void autoWithoutGpusIsTheCpu() {
    assertEquals(Device.CPU, choose("auto", List.of(), 3, List.of()));
    // Spark was configured with GPUs but no GPU backend is on this executor's class path.
    assertEquals(Device.CPU, choose("AUTO", List.of("0"), 3, List.of()));
  }

  @Test
  void anExplicitTypeUsesOnlyDevicesOfThatType() {
    assertEquals(CL1, choose("opencl", List.of(), 5, THREE_CUDA_TWO_CL));
    assertEquals(CL0, choose("opencl", List.of("0"), 5, THREE_CUDA_TWO_CL));
    assertEquals(CUDA0, choose("cuda", List.of(), 3, THREE_CUDA_TWO_CL));
    assertEquals(CUDA2, choose("cuda", List.of("2"), 0, THREE_CUDA_TWO_CL));
  }

  @Test
  void anExplicitTypeTheExecutorLacksIsAnErrorNeverTheCpu() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> choose("cuda", List.of(), 0, List.of(CL0)));
    assertEquals("device 'cuda' requested but this executor has no cuda device (visible GPUs:"
        + " [opencl:0]; Spark GPU addresses: none)", e.getMessage());
    e = assertThrows(IllegalStateException.class,
        () -> choose("opencl", List.of("0"), 0, List.of()));
    assertEquals("device 'opencl' requested but this executor has no opencl device (visible"
        + " GPUs: none; Spark GPU addresses: [0])", e.getMessage());
  }

  @Test
  void aSparkAddressMatchingNoVisibleDeviceIsAnError() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> choose("auto", List.of("3"), 0, List.of(CUDA0, CUDA1)));
    assertEquals("Spark assigned GPU address '3' (device 'auto' requested) but this executor has"
        + " [cuda:0, cuda:1]; check the GPU discovery script and CUDA_VISIBLE_DEVICES",
        e.getMessage());
    e = assertThrows(IllegalStateException.class,
        () -> choose("cuda", List.of("GPU-5f3a"), 0, List.of(CUDA0)));
    assertEquals("Spark assigned GPU address 'GPU-5f3a', which is not a device index; this"
        + " executor has [cuda:0]", e.getMessage());
  }

  @Test
  void badArgumentsAreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> choose("gpu", List.of(), 0, List.of()));
    assertEquals("device must be auto, cpu, cuda or opencl, got 'gpu'", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> choose("auto", List.of(), -1, List.of()));
    assertThrows(NullPointerException.class, () -> choose(null, List.of(), 0, List.of()));
  }

  @Test
  void outsideATaskUsesTheEngineDevices() {
    // Only the CPU backend is on this module's class path: auto is the CPU, cuda an error that
    // says why.
    assumeTrue(DeviceAssignment.visibleGpus().isEmpty(), "a GPU backend is present");
    assertEquals(Device.CPU, DeviceAssignment.forCurrentTask("auto"));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> DeviceAssignment.forCurrentTask("cuda"));
    assertTrue(e.getMessage().startsWith("device 'cuda' requested but this executor has no cuda"
        + " device (visible GPUs: none; Spark GPU addresses: none): no backend for device cuda:0"),
        e.getMessage());
  }

  @Test
  @ExtendWith(SparkSessionExtension.class)
  void worksInsideASparkTask(SparkSession spark) {
    assumeTrue(DeviceAssignment.visibleGpus().isEmpty(), "a GPU backend is present");
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<String> devices = sc.parallelize(List.of(0, 1, 2, 3), 2)
        .mapPartitions(it -> List.of(DeviceAssignment.forCurrentTask("auto").toString()).iterator())
        .collect();
    assertEquals(List.of("cpu", "cpu"), devices);
  }
}
