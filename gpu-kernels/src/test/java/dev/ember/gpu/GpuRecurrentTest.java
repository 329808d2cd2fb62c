package dev.ember.gpu;

import static dev.ember.gpu.GpuOptimTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.backend.Backend;
import dev.ember.nn.recurrent.GRU;
import dev.ember.nn.recurrent.LSTM;
import dev.ember.nn.recurrent.RNNBase;
import dev.ember.nn.recurrent.RnnOutput;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fused LSTM and GRU cells on opencl:0 against the CPU backend, on random inputs in float32
 * and float64: batch and hidden sizes from 1 to more than 65,536 work items, null gradients,
 * outputs that alias inputs; an LSTM's, a GRU's and an Elman RNN's whole recurrence each way in
 * one launch; then whole nn.LSTM and nn.GRU layers forward and backward.
 */
class GpuRecurrentTest {
  private static final Device DEV = GpuTesting.DEVICE;
  /** (N, H): single elements, odd sizes, and 300 * 256 = 76,800 work items. */
  private static final int[][] SIZES = {{1, 1}, {3, 7}, {5, 64}, {300, 256}};
  private static final DType[] DTYPES = {DType.FLOAT32, DType.FLOAT64};

  @BeforeEach
  void needsOpenCl() {
    GpuTesting.assumeDevice();
  }

  private static Backend cpu() {
    return Tensor.zeros(1).backend();
  }

  private static Backend dev() {
    return Tensor.zeros(DType.FLOAT32, DEV, 1).backend();
  }

  /** Random values of scale 2 (pre-activations well into the saturating range). */
  private static Tensor rand(Generator gen, DType dtype, int... shape) {
    return Tensor.randn(gen, dtype, Device.CPU, shape).mul(2);
  }

  private static Tensor onDev(Tensor t) {
    return t.to(DEV);
  }

  /** A device tensor of NaNs: an operand whose contents must not be read. */
  private static Tensor nans(DType dtype, int... shape) {
    return Tensor.full(shape, Double.NaN, dtype, DEV);
  }

  @Test
  void lstmCellMatchesCpu() {
    for (DType dtype : DTYPES) {
      for (int[] s : SIZES) {
        try (var scope = Tensor.scope()) {
          int n = s[0];
          int h = s[1];
          String what = "lstmCell " + dtype + " N " + n + " H " + h;
          Generator gen = new Generator(31 + n + h);
          Tensor gates = rand(gen, dtype, n, 4 * h);
          Tensor cPrev = rand(gen, dtype, n, h);
          Tensor dGates = onDev(gates);
          Tensor dcPrev = onDev(cPrev);
          Tensor hOut = Tensor.empty(dtype, Device.CPU, n, h);
          Tensor cOut = Tensor.empty(dtype, Device.CPU, n, h);
          Tensor dh = Tensor.empty(dtype, DEV, n, h);
          Tensor dc = Tensor.empty(dtype, DEV, n, h);
          cpu().lstmCell(gates, cPrev, hOut, cOut);
          dev().lstmCell(dGates, dcPrev, dh, dc);
          assertClose(gates, dGates, dtype, what + " activations");
          assertClose(hOut, dh, dtype, what + " h");
          assertClose(cOut, dc, dtype, what + " c");
        }
      }
    }
  }

  @Test
  void lstmCellBackwardMatchesCpu() {
    for (DType dtype : DTYPES) {
      for (int[] s : SIZES) {
        // Which gradients are present: both, no dh, no dc, neither.
        for (int present = 0; present < 4; present++) {
          for (boolean alias : new boolean[] {false, true}) {
            boolean hasDh = (present & 1) == 0;
            boolean hasDc = (present & 2) == 0;
            if (alias && !hasDc) {
              continue;
            }
            lstmBackward(dtype, s[0], s[1], hasDh, hasDc, alias);
          }
        }
      }
    }
  }

  private static void lstmBackward(DType dtype, int n, int h, boolean hasDh, boolean hasDc,
      boolean alias) {
    try (var scope = Tensor.scope()) {
      String what = "lstmCellBackward " + dtype + " N " + n + " H " + h + (hasDh ? "" : " no dh")
          + (hasDc ? "" : " no dc") + (alias ? " dcPrev = dc" : "");
      Generator gen = new Generator(41 + n + h);
      // Real activations and states from the CPU's forward.
      Tensor act = rand(gen, dtype, n, 4 * h);
      Tensor cPrev = rand(gen, dtype, n, h);
      Tensor hOut = Tensor.empty(dtype, Device.CPU, n, h);
      Tensor c = Tensor.empty(dtype, Device.CPU, n, h);
      cpu().lstmCell(act, cPrev, hOut, c);
      Tensor gh = hasDh ? rand(gen, dtype, n, h) : null;
      Tensor gc = hasDc ? rand(gen, dtype, n, h) : null;
      Tensor dGates = Tensor.empty(dtype, Device.CPU, n, 4 * h);
      Tensor dcPrev = Tensor.empty(dtype, Device.CPU, n, h);
      cpu().lstmCellBackward(act, cPrev, c, gh, gc, dGates, dcPrev);

      Tensor devDc = gc == null ? null : onDev(gc);
      Tensor devDGates = Tensor.empty(dtype, DEV, n, 4 * h);
      Tensor devDcPrev = alias ? devDc : Tensor.empty(dtype, DEV, n, h);
      dev().lstmCellBackward(onDev(act), onDev(cPrev), onDev(c), gh == null ? null : onDev(gh),
          devDc, devDGates, devDcPrev);
      assertClose(dGates, devDGates, dtype, what + " dGates");
      assertClose(dcPrev, devDcPrev, dtype, what + " dcPrev");
    }
  }

  /**
   * An LSTM's whole recurrence in one launch each way against the CPU's step-by-step default:
   * (L, N, H) with partial groups of rows (N 1, 5, 9), hidden sizes not a multiple of the k tile
   * (7, 70) and more gate columns than a group has work items (4 x 70 = 280), both directions,
   * W_hh contiguous and transposed (strides (1, 4H)), with and without h0's gradient; past the
   * kernels' largest hidden size, a GEMM and a cell per step with the same values.
   */
  @Test
  void lstmRecurrenceMatchesCpuInOneLaunch() {
    int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {4, 9, 70}, {6, 4, 16}, {2, 130, 3},
        {3, 2, GpuRecurrent.SEQUENCE_MAX_HIDDEN + 1}};
    for (DType dtype : DTYPES) {
      for (int[] s : sizes) {
        for (boolean reverse : new boolean[] {false, true}) {
          lstmRecurrence(dtype, s[0], s[1], s[2], reverse, (s[1] & 1) == 1);
        }
      }
    }
  }

  private static void lstmRecurrence(DType dtype, int len, int n, int h, boolean reverse,
      boolean stridedW) {
    try (var scope = Tensor.scope()) {
      String what = "lstmRecurrence " + dtype + " L " + len + " N " + n + " H " + h
          + (reverse ? " reverse" : "") + (stridedW ? " W_hh transposed" : "");
      Generator gen = new Generator(51 + len + n + h);
      Tensor gates = rand(gen, dtype, len * n, 4 * h);
      Tensor whh = stridedW ? rand(gen, dtype, h, 4 * h).mul(0.2).t()
          : rand(gen, dtype, 4 * h, h).mul(0.2);
      Tensor h0 = rand(gen, dtype, n, h);
      Tensor c0 = rand(gen, dtype, n, h);
      Tensor hs = Tensor.empty(dtype, Device.CPU, len * n, h);
      Tensor cs = Tensor.empty(dtype, Device.CPU, len * n, h);
      Tensor devGates = onDev(gates);
      Tensor devWhh = stridedW ? onDev(whh.t()).t() : onDev(whh);
      Tensor devHs = Tensor.empty(dtype, DEV, len * n, h);
      Tensor devCs = Tensor.empty(dtype, DEV, len * n, h);
      Tensor cN = Tensor.empty(dtype, Device.CPU, n, h);
      Tensor devCN = Tensor.empty(dtype, DEV, n, h);
      cpu().lstmRecurrence(gates, whh, h0, c0, hs, cs, cN, reverse);
      GpuBackend gpu = (GpuBackend) dev();
      long before = gpu.launchCount();
      gpu.lstmRecurrence(devGates, devWhh, onDev(h0), onDev(c0), devHs, devCs, devCN, reverse);
      assertLaunches(h, gpu.launchCount() - before, 2 * len, what);
      assertNear(gates, devGates, dtype, what + " activations");
      assertNear(hs, devHs, dtype, what + " h");
      assertNear(cs, devCs, dtype, what + " c");
      int last = reverse ? 0 : len - 1;
      assertArrayEquals(cs.narrow(0, last * n, n).toDoubleArray(), cN.toDoubleArray(),
          what + ": c_N is the last step's c");
      assertNear(cN, devCN, dtype, what + " c_N");

      Tensor gradOut = rand(gen, dtype, len * n, h);
      Tensor dcN = rand(gen, dtype, n, h);
      for (boolean needDh0 : new boolean[] {false, true}) {
        String w = what + (needDh0 ? " with dh0" : "");
        // dh and dc are not read on entry: random on the CPU, NaN on the device.
        Tensor cpuDh = rand(gen, dtype, n, h);
        Tensor cpuDc = rand(gen, dtype, n, h);
        Tensor dG = Tensor.empty(dtype, Device.CPU, len * n, 4 * h);
        cpu().lstmRecurrenceBackward(gates, cs, c0, whh, gradOut, dcN, cpuDh, cpuDc, dG,
            needDh0, reverse);
        Tensor devDh = nans(dtype, n, h);
        Tensor devDc = nans(dtype, n, h);
        Tensor devDG = Tensor.empty(dtype, DEV, len * n, 4 * h);
        before = gpu.launchCount();
        gpu.lstmRecurrenceBackward(onDev(gates), onDev(cs), onDev(c0), devWhh, onDev(gradOut),
            onDev(dcN), devDh, devDc, devDG, needDh0, reverse);
        assertLaunches(h, gpu.launchCount() - before, 2 * len - 1, w + " backward");
        assertNear(dG, devDG, dtype, w + " dGates");
        assertNear(cpuDc, devDc, dtype, w + " dc0");
        if (needDh0) {
          assertNear(cpuDh, devDh, dtype, w + " dh0");
        }
      }
    }
  }

  /**
   * A GRU's whole recurrence in one launch each way against the CPU's step-by-step default, over
   * the sizes of the LSTM's test, with and without b_hh (and per step past the largest hidden
   * size of the kernels).
   */
  @Test
  void gruRecurrenceMatchesCpuInOneLaunch() {
    int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {4, 9, 70}, {6, 4, 16}, {2, 130, 3},
        {2, 2, GpuRecurrent.SEQUENCE_MAX_HIDDEN + 1}};
    for (DType dtype : DTYPES) {
      for (int[] s : sizes) {
        for (boolean reverse : new boolean[] {false, true}) {
          gruRecurrence(dtype, s[0], s[1], s[2], reverse, (s[1] & 1) == 1, s[0] % 2 == 0);
        }
      }
    }
  }

  private static void gruRecurrence(DType dtype, int len, int n, int h, boolean reverse,
      boolean stridedW, boolean bias) {
    try (var scope = Tensor.scope()) {
      String what = "gruRecurrence " + dtype + " L " + len + " N " + n + " H " + h
          + (reverse ? " reverse" : "") + (stridedW ? " W_hh transposed" : "")
          + (bias ? " b_hh" : "");
      Generator gen = new Generator(61 + len + n + h);
      Tensor xg = rand(gen, dtype, len * n, 3 * h);
      Tensor whh = stridedW ? rand(gen, dtype, h, 3 * h).mul(0.2).t()
          : rand(gen, dtype, 3 * h, h).mul(0.2);
      Tensor bhh = bias ? rand(gen, dtype, 3 * h) : null;
      Tensor h0 = rand(gen, dtype, n, h);
      Tensor hs = Tensor.empty(dtype, Device.CPU, len * n, h);
      Tensor saved = Tensor.empty(dtype, Device.CPU, len * n, 4 * h);
      Tensor devWhh = stridedW ? onDev(whh.t()).t() : onDev(whh);
      Tensor devHs = Tensor.empty(dtype, DEV, len * n, h);
      Tensor devSaved = Tensor.empty(dtype, DEV, len * n, 4 * h);
      cpu().gruRecurrence(xg, whh, bhh, h0, hs, saved, reverse);
      GpuBackend gpu = (GpuBackend) dev();
      long before = gpu.launchCount();
      gpu.gruRecurrence(onDev(xg), devWhh, bias ? onDev(bhh) : null, onDev(h0), devHs, devSaved,
          reverse);
      assertLaunches(h, gpu.launchCount() - before, 2 * len, what);
      assertNear(hs, devHs, dtype, what + " h");
      assertNear(saved, devSaved, dtype, what + " saved");

      Tensor gradOut = rand(gen, dtype, len * n, h);
      for (boolean needDh0 : new boolean[] {false, true}) {
        String w = what + (needDh0 ? " with dh0" : "");
        // dh is not read on entry: random on the CPU, NaN on the device.
        Tensor cpuDh = rand(gen, dtype, n, h);
        Tensor dXg = Tensor.empty(dtype, Device.CPU, len * n, 3 * h);
        Tensor dHg = Tensor.empty(dtype, Device.CPU, len * n, 3 * h);
        cpu().gruRecurrenceBackward(saved, hs, h0, whh, gradOut, cpuDh, dXg, dHg, needDh0,
            reverse);
        Tensor devDh = nans(dtype, n, h);
        Tensor devDXg = Tensor.empty(dtype, DEV, len * n, 3 * h);
        Tensor devDHg = Tensor.empty(dtype, DEV, len * n, 3 * h);
        before = gpu.launchCount();
        gpu.gruRecurrenceBackward(onDev(saved), onDev(hs), onDev(h0), devWhh, onDev(gradOut),
            devDh, devDXg, devDHg, needDh0, reverse);
        assertLaunches(h, gpu.launchCount() - before, 2 * len - 1, w + " backward");
        assertNear(dXg, devDXg, dtype, w + " dXg");
        assertNear(dHg, devDHg, dtype, w + " dHg");
        if (needDh0) {
          assertNear(cpuDh, devDh, dtype, w + " dh0");
        }
      }
    }
  }

  /**
   * An Elman RNN's whole recurrence (tanh and relu) in one launch each way against the CPU's
   * step-by-step default, over the sizes of the LSTM's test.
   */
  @Test
  void rnnRecurrenceMatchesCpuInOneLaunch() {
    int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {4, 9, 70}, {6, 4, 16}, {2, 130, 3},
        {2, 2, GpuRecurrent.SEQUENCE_MAX_HIDDEN + 1}};
    for (DType dtype : DTYPES) {
      for (int[] s : sizes) {
        for (boolean reverse : new boolean[] {false, true}) {
          for (boolean relu : new boolean[] {false, true}) {
            rnnRecurrence(dtype, s[0], s[1], s[2], reverse, (s[1] & 1) == 1, relu);
          }
        }
      }
    }
  }

  private static void rnnRecurrence(DType dtype, int len, int n, int h, boolean reverse,
      boolean stridedW, boolean relu) {
    try (var scope = Tensor.scope()) {
      String what = "rnnRecurrence " + (relu ? "relu " : "tanh ") + dtype + " L " + len + " N "
          + n + " H " + h + (reverse ? " reverse" : "") + (stridedW ? " W_hh transposed" : "");
      Generator gen = new Generator(71 + len + n + h);
      Tensor pre = rand(gen, dtype, len * n, h);
      Tensor whh = stridedW ? rand(gen, dtype, h, h).mul(0.2).t()
          : rand(gen, dtype, h, h).mul(0.2);
      Tensor h0 = rand(gen, dtype, n, h);
      Tensor hs = Tensor.empty(dtype, Device.CPU, len * n, h);
      Tensor devPre = onDev(pre);
      Tensor devWhh = stridedW ? onDev(whh.t()).t() : onDev(whh);
      Tensor devHs = Tensor.empty(dtype, DEV, len * n, h);
      cpu().rnnRecurrence(pre, whh, h0, hs, relu, reverse);
      GpuBackend gpu = (GpuBackend) dev();
      long before = gpu.launchCount();
      gpu.rnnRecurrence(devPre, devWhh, onDev(h0), devHs, relu, reverse);
      assertLaunches(h, gpu.launchCount() - before, 2 * len, what);
      assertNear(pre, devPre, dtype, what + " pre-activations");
      assertNear(hs, devHs, dtype, what + " h");

      Tensor gradOut = rand(gen, dtype, len * n, h);
      for (boolean needDh0 : new boolean[] {false, true}) {
        String w = what + (needDh0 ? " with dh0" : "");
        // dh is not read on entry: random on the CPU, NaN on the device.
        Tensor cpuDh = rand(gen, dtype, n, h);
        Tensor dG = Tensor.empty(dtype, Device.CPU, len * n, h);
        cpu().rnnRecurrenceBackward(hs, whh, gradOut, cpuDh, dG, relu, needDh0, reverse);
        Tensor devDh = nans(dtype, n, h);
        Tensor devDG = Tensor.empty(dtype, DEV, len * n, h);
        before = gpu.launchCount();
        gpu.rnnRecurrenceBackward(onDev(hs), devWhh, onDev(gradOut), devDh, devDG, relu,
            needDh0, reverse);
        assertLaunches(h, gpu.launchCount() - before, 2 * len - 1, w + " backward");
        assertNear(dG, devDG, dtype, w + " dG");
        if (needDh0) {
          assertNear(cpuDh, devDh, dtype, w + " dh0");
        }
      }
    }
  }

  /** An empty batch is nothing to compute: no launch, as on the CPU no error. */
  @Test
  void anEmptyBatchLaunchesNothing() {
    try (var scope = Tensor.scope()) {
      GpuBackend gpu = (GpuBackend) dev();
      Tensor none2 = Tensor.empty(DType.FLOAT32, DEV, 0, 2);
      Tensor none6 = Tensor.empty(DType.FLOAT32, DEV, 0, 6);
      Tensor none8 = Tensor.empty(DType.FLOAT32, DEV, 0, 8);
      long before = gpu.launchCount();
      gpu.lstmRecurrence(none8, Tensor.empty(DType.FLOAT32, DEV, 8, 2), none2, none2, none2,
          none2, none2, false);
      gpu.gruRecurrenceBackward(none8, none2, none2, Tensor.empty(DType.FLOAT32, DEV, 6, 2),
          none2, none2, none6, none6, true, false);
      gpu.rnnRecurrence(none2, Tensor.empty(DType.FLOAT32, DEV, 2, 2), none2, none2, true,
          false);
      assertEquals(0, gpu.launchCount() - before);
    }
  }

  /**
   * 1 launch up to GpuRecurrent.SEQUENCE_MAX_HIDDEN; past it, at least {@code perStep} (a GEMM
   * and an elementwise pass per step; a long K may split a GEMM in two launches).
   */
  private static void assertLaunches(int h, long launches, int perStep, String what) {
    if (h <= GpuRecurrent.SEQUENCE_MAX_HIDDEN) {
      assertEquals(1, launches, what + ": launches");
    } else {
      assertTrue(launches >= perStep, what + ": launches " + launches);
    }
  }

  /**
   * Within a tolerance scaled by the expected values' largest magnitude: the GEMMs of a
   * recurrence sum in another order on each backend, and each step feeds the next.
   */
  private static void assertNear(Tensor expected, Tensor actual, DType dtype, String what) {
    GpuTesting.assertNear(expected, actual, dtype == DType.FLOAT32 ? 2e-5 : 1e-12, what);
  }


  @Test
  void gruCellMatchesCpu() {
    for (DType dtype : DTYPES) {
      for (int[] s : SIZES) {
        try (var scope = Tensor.scope()) {
          int n = s[0];
          int h = s[1];
          String what = "gruCell " + dtype + " N " + n + " H " + h;
          Generator gen = new Generator(51 + n + h);
          Tensor xg = rand(gen, dtype, n, 3 * h);
          Tensor hg = rand(gen, dtype, n, 3 * h);
          Tensor hPrev = rand(gen, dtype, n, h);
          Tensor hOut = Tensor.empty(dtype, Device.CPU, n, h);
          Tensor saved = Tensor.empty(dtype, Device.CPU, n, 4 * h);
          cpu().gruCell(xg, hg, hPrev, hOut, saved);
          Tensor devH = Tensor.empty(dtype, DEV, n, h);
          Tensor devSaved = Tensor.empty(dtype, DEV, n, 4 * h);
          dev().gruCell(onDev(xg), onDev(hg), onDev(hPrev), devH, devSaved);
          assertClose(hOut, devH, dtype, what + " h");
          assertClose(saved, devSaved, dtype, what + " saved");
        }
      }
    }
  }

  @Test
  void gruCellBackwardMatchesCpu() {
    for (DType dtype : DTYPES) {
      for (int[] s : SIZES) {
        for (boolean alias : new boolean[] {false, true}) {
          try (var scope = Tensor.scope()) {
            int n = s[0];
            int h = s[1];
            String what = "gruCellBackward " + dtype + " N " + n + " H " + h
                + (alias ? " dhPrev = dh" : "");
            Generator gen = new Generator(61 + n + h);
            Tensor hPrev = rand(gen, dtype, n, h);
            Tensor hOut = Tensor.empty(dtype, Device.CPU, n, h);
            Tensor saved = Tensor.empty(dtype, Device.CPU, n, 4 * h);
            cpu().gruCell(rand(gen, dtype, n, 3 * h), rand(gen, dtype, n, 3 * h), hPrev, hOut,
                saved);
            Tensor dh = rand(gen, dtype, n, h);
            Tensor dxg = Tensor.empty(dtype, Device.CPU, n, 3 * h);
            Tensor dhg = Tensor.empty(dtype, Device.CPU, n, 3 * h);
            Tensor dhPrev = Tensor.empty(dtype, Device.CPU, n, h);
            cpu().gruCellBackward(saved, hPrev, dh, dxg, dhg, dhPrev);

            Tensor devDh = onDev(dh);
            Tensor devDxg = Tensor.empty(dtype, DEV, n, 3 * h);
            Tensor devDhg = Tensor.empty(dtype, DEV, n, 3 * h);
            Tensor devDhPrev = alias ? devDh : Tensor.empty(dtype, DEV, n, h);
            dev().gruCellBackward(onDev(saved), onDev(hPrev), devDh, devDxg, devDhg, devDhPrev);
            assertClose(dxg, devDxg, dtype, what + " dxg");
            assertClose(dhg, devDhg, dtype, what + " dhg");
            assertClose(dhPrev, devDhPrev, dtype, what + " dhPrev");
          }
        }
      }
    }
  }

  /** Bad operands fail as on the CPU backend, with its messages. */
  @Test
  void badOperandsFailLikeTheCpu() {
    try (var scope = Tensor.scope()) {
      DType f = DType.FLOAT32;
      assertSameError(
          d -> be(d).lstmCell(z(d, f, 2, 6), z(d, f, 2, 2), z(d, f, 2, 2), z(d, f, 2, 2)));
      assertSameError(
          d -> be(d).lstmCell(z(d, f, 2, 8), z(d, f, 3, 2), z(d, f, 2, 2), z(d, f, 2, 2)));
      assertSameError(
          d -> be(d).lstmCell(z(d, f, 2, 8), z(d, f, 2, 2).t(), z(d, f, 2, 2), z(d, f, 2, 2)));
      assertSameError(d -> be(d).lstmCell(z(d, f, 2, 8), z(d, DType.FLOAT64, 2, 2),
          z(d, f, 2, 2), z(d, f, 2, 2)));
      assertSameError(d -> be(d).lstmCellBackward(z(d, f, 2, 8), z(d, f, 2, 2), z(d, f, 2, 2),
          null, z(d, f, 2, 3), z(d, f, 2, 8), z(d, f, 2, 2)));
      assertSameError(d -> be(d).lstmRecurrence(z(d, f, 6, 8), z(d, f, 8, 3), z(d, f, 2, 2),
          z(d, f, 2, 2), z(d, f, 6, 2), z(d, f, 6, 2), z(d, f, 2, 2), false));
      assertSameError(d -> be(d).lstmRecurrence(z(d, f, 5, 8), z(d, f, 8, 2), z(d, f, 2, 2),
          z(d, f, 2, 2), z(d, f, 5, 2), z(d, f, 5, 2), z(d, f, 2, 2), false));
      assertSameError(d -> be(d).lstmRecurrence(z(d, f, 6, 8), z(d, f, 8, 2), z(d, f, 2, 2),
          z(d, f, 2, 2), z(d, f, 2, 6).t(), z(d, f, 6, 2), z(d, f, 2, 2), false));
      assertSameError(d -> be(d).lstmRecurrence(z(d, f, 6, 8), z(d, DType.FLOAT64, 8, 2),
          z(d, f, 2, 2), z(d, f, 2, 2), z(d, f, 6, 2), z(d, f, 6, 2), z(d, f, 2, 2), false));
      assertSameError(d -> be(d).lstmRecurrence(z(d, f, 6, 8), z(d, f, 8, 2), z(d, f, 2, 2),
          z(d, f, 2, 2), z(d, f, 6, 2), z(d, f, 6, 2), z(d, f, 3, 2), false));
      assertSameError(d -> be(d).lstmRecurrenceBackward(z(d, f, 6, 8), z(d, f, 6, 2),
          z(d, f, 2, 2), z(d, f, 8, 2), z(d, f, 6, 2), z(d, f, 2, 2), z(d, f, 2, 2),
          z(d, f, 3, 2), z(d, f, 6, 8), false, false));
      assertSameError(d -> be(d).lstmRecurrenceBackward(z(d, f, 6, 8), z(d, f, 6, 2),
          z(d, f, 2, 2), z(d, f, 8, 2), z(d, f, 6, 2), z(d, DType.FLOAT64, 2, 2),
          z(d, f, 2, 2), z(d, f, 2, 2), z(d, f, 6, 8), false, false));
      assertSameError(d -> be(d).gruRecurrence(z(d, f, 6, 6), z(d, f, 6, 2), z(d, f, 5),
          z(d, f, 2, 2), z(d, f, 6, 2), z(d, f, 6, 8), false));
      assertSameError(d -> be(d).gruRecurrenceBackward(z(d, f, 6, 8), z(d, f, 6, 2),
          z(d, f, 2, 2), z(d, f, 6, 2), z(d, f, 6, 2), z(d, f, 2, 2), z(d, f, 6, 6),
          z(d, f, 6, 5), false, false));
      assertSameError(d -> be(d).rnnRecurrence(z(d, f, 6, 2), z(d, f, 2, 3), z(d, f, 2, 2),
          z(d, f, 6, 2), false, false));
      assertSameError(d -> be(d).rnnRecurrenceBackward(z(d, f, 6, 2), z(d, f, 2, 2),
          z(d, f, 6, 2), z(d, f, 4, 2), z(d, f, 6, 2), true, false, false));
      assertSameError(d -> be(d).gruCell(z(d, DType.INT32, 2, 3), z(d, DType.INT32, 2, 3),
          z(d, DType.INT32, 2, 1), z(d, DType.INT32, 2, 1), z(d, DType.INT32, 2, 4)));
      assertSameError(d -> be(d).gruCell(z(d, f, 2, 3), z(d, f, 2, 3), z(d, f, 2, 1),
          z(d, f, 2, 1), z(d, f, 2, 3)));
      assertSameError(d -> be(d).gruCellBackward(z(d, f, 2, 5), z(d, f, 2, 1), z(d, f, 2, 1),
          z(d, f, 2, 3), z(d, f, 2, 3), z(d, f, 2, 1)));
      assertSameError(d -> be(d).gruCellBackward(z(d, f, 2, 4), z(d, f, 2, 1), z(d, f, 2, 1),
          z(d, f, 2, 3), z(d, f, 3, 2).t(), z(d, f, 2, 1)));
    }
  }

  private static Backend be(Device d) {
    return Tensor.zeros(DType.FLOAT32, d, 1).backend();
  }

  private static Tensor z(Device d, DType dtype, int... shape) {
    return Tensor.zeros(dtype, d, shape);
  }

  private static void assertSameError(java.util.function.Consumer<Device> call) {
    IllegalArgumentException expected =
        assertThrows(IllegalArgumentException.class, () -> call.accept(Device.CPU));
    IllegalArgumentException actual =
        assertThrows(IllegalArgumentException.class, () -> call.accept(DEV));
    assertEquals(expected.getMessage(), actual.getMessage());
  }

  // ---------------------------------------------------------------------------------------------
  // Whole layers

  @Test
  void lstmLayerMatchesCpu() {
    for (DType dtype : DTYPES) {
      try (var scope = Tensor.scope()) {
        LSTM onCpu = new LSTM(5, 8, 2, true, false, 0, true, new Generator(71));
        LSTM onDevice = new LSTM(5, 8, 2, true, false, 0, true, new Generator(71));
        onCpu.to(dtype);
        onDevice.to(dtype).to(DEV);
        Generator gen = new Generator(72);
        Tensor x = Tensor.randn(gen, dtype, Device.CPU, 4, 3, 5);
        Tensor h0 = Tensor.randn(gen, dtype, Device.CPU, 4, 3, 8);
        Tensor c0 = Tensor.randn(gen, dtype, Device.CPU, 4, 3, 8);
        Tensor gOut = Tensor.randn(gen, dtype, Device.CPU, 4, 3, 16);
        Tensor xc = x.clone().requiresGrad(true);
        Tensor xd = x.to(DEV).requiresGrad(true);
        RnnOutput a = onCpu.forward(xc, h0, c0);
        RnnOutput b = onDevice.forward(xd, h0.to(DEV), c0.to(DEV));
        String what = "LSTM " + dtype;
        assertClose(a.output(), b.output(), dtype, what + " output");
        assertClose(a.hN(), b.hN(), dtype, what + " hN");
        assertClose(a.cN(), b.cN(), dtype, what + " cN");
        a.output().backward(gOut);
        b.output().backward(gOut.to(DEV));
        assertClose(xc.grad(), xd.grad(), dtype, what + " input grad");
        assertSameGrads(onCpu, onDevice, dtype, what);
      }
    }
  }

  @Test
  void gruLayerMatchesCpu() {
    for (DType dtype : DTYPES) {
      try (var scope = Tensor.scope()) {
        GRU onCpu = new GRU(5, 8, 2, true, true, 0, true, new Generator(81));
        GRU onDevice = new GRU(5, 8, 2, true, true, 0, true, new Generator(81));
        onCpu.to(dtype);
        onDevice.to(dtype).to(DEV);
        Generator gen = new Generator(82);
        Tensor x = Tensor.randn(gen, dtype, Device.CPU, 3, 4, 5);
        Tensor gOut = Tensor.randn(gen, dtype, Device.CPU, 3, 4, 16);
        Tensor xc = x.clone().requiresGrad(true);
        Tensor xd = x.to(DEV).requiresGrad(true);
        RnnOutput a = onCpu.forward(xc, null);
        RnnOutput b = onDevice.forward(xd, null);
        String what = "GRU " + dtype;
        assertClose(a.output(), b.output(), dtype, what + " output");
        assertClose(a.hN(), b.hN(), dtype, what + " hN");
        a.output().backward(gOut);
        b.output().backward(gOut.to(DEV));
        assertClose(xc.grad(), xd.grad(), dtype, what + " input grad");
        assertSameGrads(onCpu, onDevice, dtype, what);
      }
    }
  }

  private static void assertSameGrads(RNNBase cpu, RNNBase dev, DType dtype, String what) {
    Map<String, Tensor> expected = cpu.namedParameters();
    Map<String, Tensor> actual = dev.namedParameters();
    assertEquals(expected.keySet(), actual.keySet());
    for (Map.Entry<String, Tensor> e : expected.entrySet()) {
      Tensor p = actual.get(e.getKey());
      assertEquals(DEV, p.device(), e.getKey());
      assertClose(e.getValue().grad(), p.grad(), dtype, what + " grad of " + e.getKey());
    }
  }
}
