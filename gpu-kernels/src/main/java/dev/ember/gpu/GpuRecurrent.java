package dev.ember.gpu;

import dev.ember.backend.OperandChecks;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.Arrays;

/**
 * Fused LSTM and GRU cells (kernels in {@code recurrent.c}): one launch per call, one work item
 * per (row, hidden unit). Operands are checked as the CPU backend checks them, with the same
 * messages: contiguous row-major matrices of the documented shapes, all of one floating dtype.
 */
final class GpuRecurrent {
  private static final String FAMILY = "recurrent";

  private GpuRecurrent() {}

  static void lstmCell(GpuBackend b, Tensor gates, Tensor cPrev, Tensor h, Tensor c) {
    String op = "lstmCell";
    int hs = blocks(op, gates, "gates", 4);
    int n = gates.shape()[0];
    check(op, n, 4 * hs, gates, "gates");
    check(op, n, hs, cPrev, "cPrev");
    check(op, n, hs, h, "h");
    check(op, n, hs, c, "c");
    sameDtype(op, gates.dtype(), cPrev, h, c);
    int items = n * hs;
    if (items == 0) {
      return;
    }
    b.launch(FAMILY, "lstm_cell_" + GpuBackend.suffix(gates.dtype()), items,
        b.slab(gates), b.offset(gates), b.slab(cPrev), b.offset(cPrev), b.slab(h), b.offset(h),
        b.slab(c), b.offset(c), items, hs);
  }

  static void lstmCellBackward(GpuBackend b, Tensor act, Tensor cPrev, Tensor c, Tensor dh,
      Tensor dc, Tensor dGates, Tensor dcPrev) {
    String op = "lstmCellBackward";
    int hs = blocks(op, act, "act", 4);
    int n = act.shape()[0];
    check(op, n, 4 * hs, act, "act");
    check(op, n, hs, cPrev, "cPrev");
    check(op, n, hs, c, "c");
    if (dh != null) {
      check(op, n, hs, dh, "dh");
    }
    if (dc != null) {
      check(op, n, hs, dc, "dc");
    }
    check(op, n, 4 * hs, dGates, "dGates");
    check(op, n, hs, dcPrev, "dcPrev");
    sameDtype(op, act.dtype(), cPrev, c, dh, dc, dGates, dcPrev);
    int items = n * hs;
    if (items == 0) {
      return;
    }
    // A null gradient is zero: the kernel does not read its buffer, so c's stands in for it.
    Tensor dhArg = dh != null ? dh : c;
    Tensor dcArg = dc != null ? dc : c;
    b.launch(FAMILY, "lstm_cell_backward_" + GpuBackend.suffix(act.dtype()), items,
        b.slab(act), b.offset(act), b.slab(cPrev), b.offset(cPrev), b.slab(c), b.offset(c),
        b.slab(dhArg), b.offset(dhArg), dh != null ? 1 : 0,
        b.slab(dcArg), b.offset(dcArg), dc != null ? 1 : 0,
        b.slab(dGates), b.offset(dGates), b.slab(dcPrev), b.offset(dcPrev), items, hs);
  }

  static void gruCell(GpuBackend b, Tensor xg, Tensor hg, Tensor hPrev, Tensor h, Tensor saved) {
    String op = "gruCell";
    int hs = blocks(op, xg, "xg", 3);
    int n = xg.shape()[0];
    check(op, n, 3 * hs, xg, "xg");
    check(op, n, 3 * hs, hg, "hg");
    check(op, n, hs, hPrev, "hPrev");
    check(op, n, hs, h, "h");
    check(op, n, 4 * hs, saved, "saved");
    sameDtype(op, xg.dtype(), hg, hPrev, h, saved);
    int items = n * hs;
    if (items == 0) {
      return;
    }
    b.launch(FAMILY, "gru_cell_" + GpuBackend.suffix(xg.dtype()), items,
        b.slab(xg), b.offset(xg), b.slab(hg), b.offset(hg), b.slab(hPrev), b.offset(hPrev),
        b.slab(h), b.offset(h), b.slab(saved), b.offset(saved), items, hs);
  }

  static void gruCellBackward(GpuBackend b, Tensor saved, Tensor hPrev, Tensor dh, Tensor dxg,
      Tensor dhg, Tensor dhPrev) {
    String op = "gruCellBackward";
    int hs = blocks(op, saved, "saved", 4);
    int n = saved.shape()[0];
    check(op, n, 4 * hs, saved, "saved");
    check(op, n, hs, hPrev, "hPrev");
    check(op, n, hs, dh, "dh");
    check(op, n, 3 * hs, dxg, "dxg");
    check(op, n, 3 * hs, dhg, "dhg");
    check(op, n, hs, dhPrev, "dhPrev");
    sameDtype(op, saved.dtype(), hPrev, dh, dxg, dhg, dhPrev);
    int items = n * hs;
    if (items == 0) {
      return;
    }
    b.launch(FAMILY, "gru_cell_backward_" + GpuBackend.suffix(saved.dtype()), items,
        b.slab(saved), b.offset(saved), b.slab(hPrev), b.offset(hPrev), b.slab(dh), b.offset(dh),
        b.slab(dxg), b.offset(dxg), b.slab(dhg), b.offset(dhg), b.slab(dhPrev), b.offset(dhPrev),
        items, hs);
  }

  /** H for a (N, k H) matrix {@code t}, or the CPU backend's shape error. */
  private static int blocks(String op, Tensor t, String name, int k) {
    if (t.dim() != 2 || t.shape()[1] % k != 0) {
      throw new IllegalArgumentException(op + ": " + name + " must have shape [N, " + k
          + "H], got " + Arrays.toString(t.shape()));
    }
    return t.shape()[1] / k;
  }

  private static void check(String op, int rows, int cols, Tensor t, String name) {
    OperandChecks.matrix(op, name, rows, cols, t.shape(), t.stride(), t.isContiguous());
  }

  private static void sameDtype(String op, DType dtype, Tensor... operands) {
    DType[] dtypes = new DType[operands.length];
    for (int i = 0; i < operands.length; i++) {
      dtypes[i] = operands[i] == null ? null : operands[i].dtype();
    }
    OperandChecks.floatOperands(op, dtype, dtypes);
  }
}
