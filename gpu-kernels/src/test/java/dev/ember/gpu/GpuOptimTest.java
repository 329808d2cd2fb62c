package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.backend.OptimizerUpdate;
import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.GradClip;
import dev.ember.optim.Optimizer;
import dev.ember.optim.RMSprop;
import dev.ember.optim.SGD;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The fused optimizer updates on opencl:0 against the CPU backend: the dev.ember.optim optimizers
 * run side by side on a copy of the same parameters on each device, fed the same gradients, over
 * every update kind and option (as the tensor engine's FusedUpdateTest covers them on the CPU), in
 * float32 and float64, on sizes from one element to more than 65,536.
 *
 * <p>The kernels repeat the CPU's operations in its order with the same rounded scalars, so the
 * tolerance only covers the device's sqrt and division (OpenCL allows a few ulp in float32) and a
 * CUDA build's contractions into fused multiply-adds; on PoCL the results are bit-identical.
 */
class GpuOptimTest {
  /**
   * One element, a partial work group, a matrix, more than 65,536 elements, and none (no launch).
   */
  private static final int[][] SHAPES = {{1}, {1023}, {3, 5}, {70001}, {0}};
  private static final int STEPS = 6;
  private static final long[] SEEDS = {21, 22};

  @BeforeEach
  void needsOpenCl() {
    GpuTesting.assumeDevice();
  }

  record Variant(String label, Function<List<Tensor>, Optimizer> make) {}

  static List<Variant> variants() {
    List<Variant> v = new ArrayList<>();
    v.add(new Variant("sgd", ps -> new SGD(ps, 0.1)));
    v.add(new Variant("sgd_wd", ps -> new SGD(ps, SGD.options().lr(0.1).weightDecay(0.2))));
    v.add(new Variant("sgd_momentum", ps -> new SGD(ps, SGD.options().lr(0.1).momentum(0.9))));
    v.add(new Variant("sgd_dampening_wd",
        ps -> new SGD(ps, SGD.options().lr(0.05).momentum(0.9).dampening(0.2).weightDecay(0.01))));
    v.add(new Variant("sgd_nesterov_wd",
        ps -> new SGD(ps, SGD.options().lr(0.05).momentum(0.9).nesterov(true).weightDecay(0.1))));
    v.add(new Variant("sgd_maximize",
        ps -> new SGD(ps, SGD.options().lr(0.05).momentum(0.5).weightDecay(0.05).maximize(true))));
    v.add(new Variant("adam", ps -> new Adam(ps, 0.01)));
    v.add(new Variant("adam_betas_eps",
        ps -> new Adam(ps, Adam.options().lr(0.02).betas(0.8, 0.9).eps(1e-3))));
    v.add(new Variant("adam_amsgrad_wd",
        ps -> new Adam(ps, Adam.options().lr(0.01).betas(0.9, 0.5).weightDecay(0.1)
            .amsgrad(true))));
    v.add(new Variant("adam_maximize",
        ps -> new Adam(ps, Adam.options().lr(0.01).maximize(true).weightDecay(0.01))));
    v.add(new Variant("adamw", ps -> new AdamW(ps, 0.01)));
    v.add(new Variant("adamw_amsgrad_maximize",
        ps -> new AdamW(ps, AdamW.options().lr(0.01).betas(0.9, 0.5).weightDecay(0.1)
            .amsgrad(true).maximize(true))));
    v.add(new Variant("adamw_no_wd", ps -> new AdamW(ps, AdamW.options().weightDecay(0))));
    v.add(new Variant("rmsprop", ps -> new RMSprop(ps, 0.01)));
    v.add(new Variant("rmsprop_momentum", ps -> new RMSprop(ps, RMSprop.options().momentum(0.9))));
    v.add(new Variant("rmsprop_centered",
        ps -> new RMSprop(ps, RMSprop.options().centered(true).alpha(0.9))));
    v.add(new Variant("rmsprop_all",
        ps -> new RMSprop(ps, RMSprop.options().lr(0.005).centered(true).momentum(0.5)
            .weightDecay(0.1).maximize(true).eps(1e-4))));
    v.add(new Variant("adagrad", ps -> new Adagrad(ps, 0.01)));
    v.add(new Variant("adagrad_all",
        ps -> new Adagrad(ps, Adagrad.options().lr(0.1).lrDecay(0.05).weightDecay(0.1)
            .initialAccumulatorValue(0.1).eps(1e-5))));
    v.add(new Variant("adagrad_maximize",
        ps -> new Adagrad(ps, Adagrad.options().lr(0.1).maximize(true))));
    return v;
  }

  @TestFactory
  Stream<DynamicTest> deviceMatchesCpu() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Variant v : variants()) {
      for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
        tests.add(DynamicTest.dynamicTest(v.label() + " " + dtype, () -> {
          GpuTesting.assumeDevice();
          for (long seed : SEEDS) {
            compare(v, dtype, seed);
          }
        }));
      }
    }
    return tests.stream();
  }

  private static void compare(Variant v, DType dtype, long seed) {
    try (var scope = Tensor.scope()) {
      Generator gen = new Generator(seed);
      List<Tensor> cpu = new ArrayList<>();
      List<Tensor> dev = new ArrayList<>();
      List<Tensor> initial = new ArrayList<>();
      for (int[] shape : SHAPES) {
        Tensor init = Tensor.randn(gen, dtype, Device.CPU, shape);
        initial.add(init);
        cpu.add(init.clone().requiresGrad(true));
        dev.add(init.to(GpuTesting.DEVICE).requiresGrad(true));
      }
      Optimizer onCpu = v.make().apply(cpu);
      Optimizer onDevice = v.make().apply(dev);
      for (int step = 1; step <= STEPS; step++) {
        // Gradients that shrink and grow again, so that AMSGrad's maximum matters.
        double scale = step % 3 == 0 ? 0.05 : 1.0;
        for (int i = 0; i < SHAPES.length; i++) {
          Tensor g = Tensor.randn(gen, dtype, Device.CPU, SHAPES[i]).mul(scale);
          cpu.get(i).setGrad(g.clone());
          dev.get(i).setGrad(g.to(GpuTesting.DEVICE));
        }
        onCpu.step();
        onDevice.step();
        for (int i = 0; i < SHAPES.length; i++) {
          assertEquals(GpuTesting.DEVICE, dev.get(i).device());
          assertClose(cpu.get(i).detach(), dev.get(i).detach(), dtype,
              v.label() + " " + dtype + " seed " + seed + " step " + step + " param " + i);
        }
      }
      // The comparison is not vacuous: the steps moved the parameters.
      assertTrue(maxAbsDiff(initial.get(3), dev.get(3).detach()) > 1e-4,
          v.label() + " did not move the parameter");
    }
  }

  /**
   * Gradient-norm clipping on the device reads nothing back to the host and clips as on the CPU;
   * the reading form reads the norm (and the coefficient).
   */
  @Test
  void clipGradNormOnDeviceReadsNothingBack() {
    GpuTesting.assumeDevice();
    GpuBackend b = (GpuBackend) Backends.get(GpuTesting.DEVICE);
    try (var scope = Tensor.scope()) {
      Generator gen = new Generator(8);
      Tensor[] cpu = new Tensor[3];
      Tensor[] dev = new Tensor[3];
      for (int i = 0; i < 3; i++) {
        cpu[i] = Tensor.zeros(DType.FLOAT32, Device.CPU, 1000 + i).requiresGrad(true);
        cpu[i].setGrad(Tensor.randn(gen, DType.FLOAT32, Device.CPU, 1000 + i));
        dev[i] = Tensor.zeros(DType.FLOAT32, GpuTesting.DEVICE, 1000 + i).requiresGrad(true);
        dev[i].setGrad(cpu[i].grad().to(GpuTesting.DEVICE));
      }
      double expected = GradClip.clipGradNorm(List.of(cpu), 1.0);
      long before = b.downloadCount();
      Tensor total = GradClip.clipGradNormOnDevice(List.of(dev), 1.0, 2.0);
      assertEquals(before, b.downloadCount(), "reads back to the host");
      assertEquals(GpuTesting.DEVICE, total.device());
      assertEquals(expected, total.item(), 1e-5 * expected);
      for (int i = 0; i < 3; i++) {
        float[] want = cpu[i].grad().toFloatArray();
        float[] got = dev[i].grad().toFloatArray();
        for (int j = 0; j < want.length; j++) {
          assertEquals(want[j], got[j], 1e-6 + 1e-5 * Math.abs(want[j]), "grad " + i + "[" + j + "]");
        }
      }
      before = b.downloadCount();
      GradClip.clipGradNorm(List.of(dev), 1.0);
      assertTrue(b.downloadCount() > before, "clipGradNorm reads the norm");
    }
  }

  /**
   * Backend.optimizerUpdates on the device: every update kind (SGD with momentum, nesterov or
   * none; Adam and AdamW with and without amsgrad; RMSprop centered with momentum, and plain;
   * Adagrad) over many tensors in few launches (at most eight buffers per role each: ten tensors
   * of their own buffers take two), bit for bit the per-tensor updates; an empty tensor is
   * skipped.
   */
  @Test
  void multiTensorUpdatesMatchThePerTensorUpdatesBitForBit() {
    GpuTesting.assumeDevice();
    GpuBackend b = (GpuBackend) Backends.get(GpuTesting.DEVICE);
    // Ten of at least CachingAllocator.SMALL_LIMIT elements (a buffer each), and small ones.
    int[] sizes = {270_000, 3, 0, 280_000, 7_000, 290_000, 300_000, 310_000, 5, 320_000, 330_000,
        340_000, 350_000, 360_000};
    // {kind, hyper, which state slots are present}
    Object[][] cases = {
      {OptimizerUpdate.SGD, new double[] {1e-2, 0.9, 0.1, 0.01, 0, 0, 0}, new boolean[] {true}},
      {OptimizerUpdate.SGD, new double[] {1e-2, 0.9, 0, 0, 1, 1, 1}, new boolean[] {true}},
      {OptimizerUpdate.SGD, new double[] {1e-2, 0, 0, 0.01, 0, 0, 0}, new boolean[] {false}},
      {OptimizerUpdate.ADAM, new double[] {1e-2, 0.9, 0.999, 1e-8, 0.1, 3, 0, 0},
          new boolean[] {true, true, false}},
      {OptimizerUpdate.ADAM, new double[] {1e-2, 0.9, 0.999, 1e-8, 0.1, 3, 1, 1},
          new boolean[] {true, true, true}},
      {OptimizerUpdate.ADAMW, new double[] {1e-2, 0.9, 0.999, 1e-8, 0.1, 3, 0, 0},
          new boolean[] {true, true, false}},
      {OptimizerUpdate.ADAMW, new double[] {1e-2, 0.9, 0.999, 1e-8, 0.1, 3, 1, 0},
          new boolean[] {true, true, true}},
      {OptimizerUpdate.RMSPROP, new double[] {1e-2, 0.99, 1e-8, 0.01, 0.5, 1, 0},
          new boolean[] {true, true, true}},
      {OptimizerUpdate.RMSPROP, new double[] {1e-2, 0.99, 1e-8, 0, 0, 0, 1},
          new boolean[] {true, false, false}},
      {OptimizerUpdate.ADAGRAD, new double[] {1e-2, 0.01, 0.1, 1e-10, 4, 0},
          new boolean[] {true}},
    };
    for (Object[] c : cases) {
      OptimizerUpdate kind = (OptimizerUpdate) c[0];
      double[] hyper = (double[]) c[1];
      boolean[] present = (boolean[]) c[2];
      for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
        try (var scope = Tensor.scope()) {
          Generator gen = new Generator(10);
          List<Tensor> pa = new ArrayList<>();
          List<Tensor> pb = new ArrayList<>();
          List<Tensor> grads = new ArrayList<>();
          List<Tensor[]> sa = new ArrayList<>();
          List<Tensor[]> sb = new ArrayList<>();
          Set<Slab> slabs = Collections.newSetFromMap(new IdentityHashMap<>());
          for (int n : sizes) {
            Tensor p = Tensor.randn(gen, dtype, Device.CPU, n);
            pa.add(p.to(GpuTesting.DEVICE));
            pb.add(p.to(GpuTesting.DEVICE));
            grads.add(Tensor.randn(gen, dtype, GpuTesting.DEVICE, n));
            Tensor[] a = new Tensor[present.length];
            Tensor[] bs = new Tensor[present.length];
            for (int k = 0; k < present.length; k++) {
              if (present[k]) {
                // Non-negative where the state is a sum of squares (Adam's v, RMSprop's square
                // average, Adagrad's sum; Adam's max of v).
                boolean squares = kind == OptimizerUpdate.ADAGRAD || k == (kind
                    == OptimizerUpdate.RMSPROP ? 0 : 1) && kind != OptimizerUpdate.SGD
                    || k == 2 && (kind == OptimizerUpdate.ADAM || kind == OptimizerUpdate.ADAMW);
                Tensor st = squares ? Tensor.rand(gen, dtype, Device.CPU, n)
                    : Tensor.randn(gen, dtype, Device.CPU, n);
                a[k] = st.to(GpuTesting.DEVICE);
                bs[k] = st.to(GpuTesting.DEVICE);
              }
            }
            sa.add(a);
            sb.add(bs);
            slabs.add(b.slab(pa.get(pa.size() - 1)));
          }
          assertTrue(slabs.size() > GpuOptim.SLOTS, "the parameters span " + slabs.size()
              + " buffers, too few to need a second launch");
          long before = b.launchCount();
          b.optimizerUpdates(kind, pa, grads, sa, hyper);
          long launches = b.launchCount() - before;
          for (int i = 0; i < sizes.length; i++) {
            b.optimizerUpdate(kind, pb.get(i), grads.get(i), sb.get(i), hyper);
          }
          String what = kind + " " + dtype + " " + java.util.Arrays.toString(hyper);
          assertEquals(2, launches, what + ": launches");
          for (int i = 0; i < sizes.length; i++) {
            assertArrayEquals(pb.get(i).toDoubleArray(), pa.get(i).toDoubleArray(),
                what + ": param " + i);
            for (int k = 0; k < present.length; k++) {
              if (present[k]) {
                assertArrayEquals(sb.get(i)[k].toDoubleArray(), sa.get(i)[k].toDoubleArray(),
                    what + ": state " + k + " of " + i);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void parameterAtAnOffsetMatchesCpu() {
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      try (var scope = Tensor.scope()) {
        Generator gen = new Generator(6);
        Tensor storage = Tensor.randn(gen, dtype, Device.CPU, 80000);
        Tensor devStorage = storage.to(GpuTesting.DEVICE);
        Tensor view = devStorage.narrow(0, 7, 73000).requiresGrad(true);
        Tensor dense = storage.narrow(0, 7, 73000).clone().requiresGrad(true);
        assertTrue(view.isLeaf() && view.isContiguous() && view.storageOffset() == 7);
        Optimizer a = new RMSprop(List.of(view), RMSprop.options().momentum(0.5).centered(true));
        Optimizer b = new RMSprop(List.of(dense), RMSprop.options().momentum(0.5).centered(true));
        for (int step = 0; step < 3; step++) {
          Tensor g = Tensor.randn(gen, dtype, Device.CPU, 73000);
          view.setGrad(g.to(GpuTesting.DEVICE));
          dense.setGrad(g.clone());
          a.step();
          b.step();
          assertClose(dense.detach(), view.detach(), dtype, dtype + " step " + step);
        }
        assertClose(storage.narrow(0, 0, 7), devStorage.narrow(0, 0, 7), dtype,
            "storage before the view");
        assertClose(storage.narrow(0, 73007, 6993), devStorage.narrow(0, 73007, 6993), dtype,
            "storage after the view");
      }
    }
  }

  /** The primitive rejects what it cannot do with the CPU backend's messages. */
  @Test
  void backendRejectsBadOperands() {
    try (var scope = Tensor.scope()) {
      Device d = GpuTesting.DEVICE;
      Tensor p = Tensor.zeros(DType.FLOAT32, d, 4, 3);
      Tensor g = Tensor.zeros(DType.FLOAT32, d, 4, 3);
      Tensor m = Tensor.zeros(DType.FLOAT32, d, 4, 3);
      Tensor v = Tensor.zeros(DType.FLOAT32, d, 4, 3);
      double[] h = {0.1, 0.9, 0.999, 1e-8, 0, 1, 0, 0};
      Backend backend = p.backend();
      Backend cpu = Tensor.zeros(1).backend();
      assertSameError(
          () -> backend.optimizerUpdate(OptimizerUpdate.ADAM, p, g.t(), new Tensor[] {m, v, null},
              h),
          () -> cpu.optimizerUpdate(OptimizerUpdate.ADAM, cpuCopy(p), cpuCopy(g).t(),
              new Tensor[] {cpuCopy(m), cpuCopy(v), null}, h));
      assertSameError(
          () -> backend.optimizerUpdate(OptimizerUpdate.ADAM, p, g,
              new Tensor[] {m, Tensor.zeros(DType.FLOAT64, d, 4, 3), null}, h),
          () -> cpu.optimizerUpdate(OptimizerUpdate.ADAM, cpuCopy(p), cpuCopy(g),
              new Tensor[] {cpuCopy(m), Tensor.zeros(DType.FLOAT64, 4, 3), null}, h));
      assertSameError(
          () -> backend.optimizerUpdate(OptimizerUpdate.ADAM, p, g, new Tensor[] {m, v}, h),
          () -> cpu.optimizerUpdate(OptimizerUpdate.ADAM, cpuCopy(p), cpuCopy(g),
              new Tensor[] {cpuCopy(m), cpuCopy(v)}, h));
      double[] ams = h.clone();
      ams[6] = 1;
      assertSameError(
          () -> backend.optimizerUpdate(OptimizerUpdate.ADAM, p, g, new Tensor[] {m, v, null},
              ams),
          () -> cpu.optimizerUpdate(OptimizerUpdate.ADAM, cpuCopy(p), cpuCopy(g),
              new Tensor[] {cpuCopy(m), cpuCopy(v), null}, ams));
      assertSameError(
          () -> backend.optimizerUpdate(OptimizerUpdate.SGD, p, Tensor.zeros(DType.FLOAT32, d, 5),
              new Tensor[] {null}, new double[7]),
          () -> cpu.optimizerUpdate(OptimizerUpdate.SGD, cpuCopy(p), Tensor.zeros(5),
              new Tensor[] {null}, new double[7]));
      assertSameError(
          () -> backend.optimizerUpdate(OptimizerUpdate.SGD, Tensor.zeros(DType.INT64, d, 3),
              Tensor.zeros(DType.INT64, d, 3), new Tensor[] {null}, new double[7]),
          () -> cpu.optimizerUpdate(OptimizerUpdate.SGD, Tensor.zeros(DType.INT64, 3),
              Tensor.zeros(DType.INT64, 3), new Tensor[] {null}, new double[7]));
      // A CPU gradient for a device parameter is refused, naming the tensor.
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> backend.optimizerUpdate(OptimizerUpdate.SGD, p, Tensor.zeros(4, 3),
              new Tensor[] {null}, new double[7]));
      assertTrue(e.getMessage().contains("is not on " + d), e.getMessage());
    }
  }

  private static Tensor cpuCopy(Tensor t) {
    return t.to(Device.CPU);
  }

  private static void assertSameError(Runnable device, Runnable cpu) {
    IllegalArgumentException expected = assertThrows(IllegalArgumentException.class, cpu::run);
    IllegalArgumentException actual = assertThrows(IllegalArgumentException.class, device::run);
    // Device tensors describe themselves with " on opencl:0"; the rest of the message is equal.
    assertEquals(expected.getMessage(),
        actual.getMessage().replace(" on " + GpuTesting.DEVICE, ""));
  }

  /** |actual - expected| <= rtol |expected| + atol elementwise, with the dtype's tolerances. */
  static void assertClose(Tensor expected, Tensor actual, DType dtype, String what) {
    double rtol = dtype == DType.FLOAT32 ? 2e-5 : 1e-12;
    double atol = dtype == DType.FLOAT32 ? 1e-6 : 1e-14;
    double[] e = expected.to(Device.CPU).to(DType.FLOAT64).toDoubleArray();
    double[] a = actual.to(Device.CPU).to(DType.FLOAT64).toDoubleArray();
    assertEquals(e.length, a.length, what + ": sizes");
    for (int i = 0; i < e.length; i++) {
      if (!(Math.abs(a[i] - e[i]) <= rtol * Math.abs(e[i]) + atol)) {
        fail(what + ": element " + i + " is " + a[i] + ", the CPU gives " + e[i]);
      }
    }
  }

  private static double maxAbsDiff(Tensor x, Tensor y) {
    double[] a = x.to(Device.CPU).to(DType.FLOAT64).toDoubleArray();
    double[] b = y.to(Device.CPU).to(DType.FLOAT64).toDoubleArray();
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
