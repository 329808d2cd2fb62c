package dev.ember.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.gpu.GpuException;
import dev.ember.gpu.StepGraph;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A StepGraph on CUDA, on the fake driver: the recorded launches are captured into one CUDA graph
 * at the first replay (stream capture, instantiate), and every replay is one cuGraphLaunch on the
 * thread's stream; closing destroys the executable graph. Stream capture itself refuses copies and
 * waits, as the driver does.
 */
class CudaGraphTest {

  @Test
  void everyReplayIsOneGraphLaunchOfTheRecordedKernels() {
    FakeDevice d = new FakeDevice();
    try (var scope = Tensor.scope()) {
      Tensor a = d.tensor(DType.FLOAT32, 1, 64, 32);
      Tensor b = d.tensor(DType.FLOAT32, 1, 32, 48);
      Tensor c = d.tensor(DType.FLOAT32, 1, 64, 48);
      StepGraph g = StepGraph.capture(d.backend, () -> {
        d.backend.fill(a, 0.5);
        d.backend.matmul(c, a, b, 1, 0);
      });
      assertEquals(2, g.recordedLaunches());
      int eager = d.driver.launches().size();
      long launchesBefore = d.backend.launchCount();
      g.replay();
      g.replay();
      g.replay();
      assertEquals(1, d.driver.count("cuStreamBeginCapture"), "captured once");
      assertEquals(1, d.driver.count("cuGraphInstantiate"));
      assertEquals(1, d.driver.count("cuGraphDestroy"), "the graph, once instantiated");
      List<Long> runs = d.driver.graphLaunches();
      assertEquals(3, runs.size());
      assertEquals(eager, d.driver.launches().size(), "no kernel launched outside the graph");
      assertEquals(3, d.backend.launchCount() - launchesBefore, "one launch per replay");
      List<FakeCudaDriver.Launch> kernels = d.driver.graphKernels(runs.get(0));
      assertEquals("fill_f32", kernels.get(0).kernel());
      assertTrue(kernels.get(1).kernel().startsWith("mm"), kernels.get(1).kernel());
      assertEquals(d.runtime.currentStream(), kernels.get(1).stream());
      // The same arguments as the recorded step's launches.
      List<FakeCudaDriver.Launch> recorded = d.driver.launches().subList(eager - 2, eager);
      assertEquals(recorded.get(1).args(), kernels.get(1).args());
      g.close();
      assertEquals(1, d.driver.count("cuGraphExecDestroy"));
      g.close();
      assertEquals(1, d.driver.count("cuGraphExecDestroy"), "closing twice destroys once");
    }
  }

  /**
   * Another thread's stream used the graph's buffer (small tensors of two threads share a slab):
   * the capture synchronizes the context first and makes no cross-stream wait, which the driver
   * would refuse inside a capture.
   */
  @Test
  void aBufferAnotherThreadUsedIsCapturedAfterASynchronize() throws Exception {
    FakeDevice d = new FakeDevice();
    try (var scope = Tensor.scope()) {
      Tensor a = d.tensor(DType.FLOAT32, 8);
      Tensor b = d.tensor(DType.FLOAT32, 8);
      assertEquals(d.backend.slab(a), d.backend.slab(b), "one slab");
      Thread other = new Thread(() -> d.backend.fill(b, 3));
      other.start();
      other.join();
      StepGraph g = StepGraph.capture(d.backend, () -> d.backend.fill(a, 2));
      int syncs = d.driver.count("cuCtxSynchronize");
      g.replay();
      assertEquals(syncs + 1, d.driver.count("cuCtxSynchronize"));
      List<String> calls = d.driver.calls();
      assertEquals("cuCtxSynchronize",
          calls.get(calls.indexOf("cuStreamBeginCapture") - 1), "synchronized, then captured");
      assertEquals(1, d.driver.graphLaunches().size());
      g.close();
    }
  }

  @Test
  void streamCaptureRefusesCopiesAndWaitsAndAFailedCaptureEnds() {
    FakeDevice d = new FakeDevice();
    try (var scope = Tensor.scope()) {
      Tensor a = d.tensor(DType.FLOAT32, 8);
      d.backend.fill(a, 1);
      d.runtime.beginCapture();
      GpuException copy = assertThrows(GpuException.class,
          () -> d.runtime.write(d.backend.slab(a), d.backend.offset(a), new float[8], 0, 8));
      assertTrue(copy.getMessage().contains("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED"),
          copy.getMessage());
      assertThrows(IllegalStateException.class, d.runtime::beginCapture);
      d.runtime.destroyGraph(d.runtime.endCapture());
      // A step whose replay cannot be captured (here: a capture the driver refuses) leaves the
      // stream usable.
      StepGraph g = StepGraph.capture(d.backend, () -> d.backend.fill(a, 2));
      d.driver.fail("cuStreamBeginCapture", 1, 1);
      assertThrows(GpuException.class, g::replay);
      g.replay();
      assertEquals(1, d.driver.graphLaunches().size());
      g.close();
    }
  }
}
