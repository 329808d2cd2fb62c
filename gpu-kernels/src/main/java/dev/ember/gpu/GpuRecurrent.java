package dev.ember.gpu;

import static dev.ember.backend.OperandChecks.operand;

import dev.ember.backend.OperandChecks;
import dev.ember.tensor.Tensor;

/**
 * Fused LSTM and GRU cells (kernels in {@code recurrent.c}): one launch per call, one work item
 * per (row, hidden unit); and an LSTM, GRU or Elman RNN layer-direction's whole recurrence,
 * forward or backward, in one launch (groups of work items that each own a few rows of the
 * batch). Operands are checked as the CPU backend checks them, with the same messages:
 * contiguous row-major matrices of the documented shapes (W_hh of any strides), all of one
 * floating dtype.
 */
final class GpuRecurrent {
  private static final String FAMILY = "recurrent";

  private GpuRecurrent() {}

  static void lstmCell(GpuBackend b, Tensor gates, Tensor cPrev, Tensor h, Tensor c) {
    int hs = OperandChecks.lstmCell(operand(gates, "gates"), operand(cPrev, "cPrev"),
        operand(h, "h"), operand(c, "c"));
    int n = gates.shape()[0];
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
    int hs = OperandChecks.lstmCellBackward(operand(act, "act"), operand(cPrev, "cPrev"),
        operand(c, "c"), operand(dh, "dh"), operand(dc, "dc"), operand(dGates, "dGates"),
        operand(dcPrev, "dcPrev"));
    int n = act.shape()[0];
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

  /** Rows of the batch per group of the sequence kernels (SEQ_ROWS in recurrent.c). */
  static final int SEQUENCE_ROWS = 4;

  /**
   * {@link dev.ember.backend.Backend#lstmRecurrence} in one launch: ceil(N / 4) groups, each
   * running all steps for its 4 rows of the batch.
   */
  static void lstmRecurrence(GpuBackend b, Tensor gates, Tensor whh, Tensor h0, Tensor c0,
      Tensor hs, Tensor cs, Tensor cN, boolean reverse) {
    int[] d = OperandChecks.lstmRecurrence(operand(gates, "gates"), operand(whh, "whh"),
        operand(h0, "h0"), operand(c0, "c0"), operand(hs, "hs"), operand(cs, "cs"),
        operand(cN, "cN"));
    if (empty(d)) {
      return;
    }
    int[] ws = whh.stride();
    b.launchGroups(FAMILY, "lstm_seq_" + GpuBackend.suffix(gates.dtype()), groups(d[1]),
        b.localSize(), b.slab(gates), b.offset(gates), b.slab(whh), b.offset(whh), ws[0], ws[1],
        b.slab(h0), b.offset(h0), b.slab(c0), b.offset(c0), b.slab(hs), b.offset(hs),
        b.slab(cs), b.offset(cs), b.slab(cN), b.offset(cN), d[0], d[1], d[2], reverse ? 1 : 0);
  }

  /** {@link dev.ember.backend.Backend#lstmRecurrenceBackward} in one launch, groups as above. */
  static void lstmRecurrenceBackward(GpuBackend b, Tensor act, Tensor cs, Tensor c0, Tensor whh,
      Tensor gradOut, Tensor dcN, Tensor dh, Tensor dc, Tensor dGates, boolean needDh0,
      boolean reverse) {
    int[] d = OperandChecks.lstmRecurrenceBackward(operand(act, "act"), operand(cs, "cs"),
        operand(c0, "c0"), operand(whh, "whh"), operand(gradOut, "gradOut"),
        operand(dcN, "dcN"), operand(dh, "dh"), operand(dc, "dc"), operand(dGates, "dGates"));
    if (empty(d)) {
      return;
    }
    int[] ws = whh.stride();
    b.launchGroups(FAMILY, "lstm_seq_backward_" + GpuBackend.suffix(act.dtype()), groups(d[1]),
        b.localSize(), b.slab(act), b.offset(act), b.slab(cs), b.offset(cs), b.slab(c0),
        b.offset(c0), b.slab(whh), b.offset(whh), ws[0], ws[1], b.slab(gradOut),
        b.offset(gradOut), b.slab(dcN), b.offset(dcN), b.slab(dh), b.offset(dh), b.slab(dc),
        b.offset(dc), b.slab(dGates), b.offset(dGates), d[0], d[1], d[2], needDh0 ? 1 : 0,
        reverse ? 1 : 0);
  }

  /** {@link dev.ember.backend.Backend#gruRecurrence} in one launch, groups as above. */
  static void gruRecurrence(GpuBackend b, Tensor xg, Tensor whh, Tensor bhh, Tensor h0,
      Tensor hs, Tensor saved, boolean reverse) {
    int[] d = OperandChecks.gruRecurrence(operand(xg, "xg"), operand(whh, "whh"),
        operand(bhh, "bhh"), operand(h0, "h0"), operand(hs, "hs"), operand(saved, "saved"));
    if (empty(d)) {
      return;
    }
    int[] ws = whh.stride();
    // A null bias is not read: xg's buffer stands in for it.
    Tensor bias = bhh != null ? bhh : xg;
    b.launchGroups(FAMILY, "gru_seq_" + GpuBackend.suffix(xg.dtype()), groups(d[1]),
        b.localSize(), b.slab(xg), b.offset(xg), b.slab(whh), b.offset(whh), ws[0], ws[1],
        b.slab(bias), b.offset(bias), bhh != null ? 1 : 0, b.slab(h0), b.offset(h0),
        b.slab(hs), b.offset(hs), b.slab(saved), b.offset(saved), d[0], d[1], d[2],
        reverse ? 1 : 0);
  }

  /** {@link dev.ember.backend.Backend#gruRecurrenceBackward} in one launch, groups as above. */
  static void gruRecurrenceBackward(GpuBackend b, Tensor saved, Tensor hs, Tensor h0, Tensor whh,
      Tensor gradOut, Tensor dh, Tensor dXg, Tensor dHg, boolean needDh0, boolean reverse) {
    int[] d = OperandChecks.gruRecurrenceBackward(operand(saved, "saved"), operand(hs, "hs"),
        operand(h0, "h0"), operand(whh, "whh"), operand(gradOut, "gradOut"), operand(dh, "dh"),
        operand(dXg, "dXg"), operand(dHg, "dHg"));
    if (empty(d)) {
      return;
    }
    int[] ws = whh.stride();
    b.launchGroups(FAMILY, "gru_seq_backward_" + GpuBackend.suffix(saved.dtype()), groups(d[1]),
        b.localSize(), b.slab(saved), b.offset(saved), b.slab(hs), b.offset(hs), b.slab(h0),
        b.offset(h0), b.slab(whh), b.offset(whh), ws[0], ws[1], b.slab(gradOut),
        b.offset(gradOut), b.slab(dh), b.offset(dh), b.slab(dXg), b.offset(dXg), b.slab(dHg),
        b.offset(dHg), d[0], d[1], d[2], needDh0 ? 1 : 0, reverse ? 1 : 0);
  }

  /** {@link dev.ember.backend.Backend#rnnRecurrence} in one launch, groups as above. */
  static void rnnRecurrence(GpuBackend b, Tensor pre, Tensor whh, Tensor h0, Tensor hs,
      boolean relu, boolean reverse) {
    int[] d = OperandChecks.rnnRecurrence(operand(pre, "pre"), operand(whh, "whh"),
        operand(h0, "h0"), operand(hs, "hs"));
    if (empty(d)) {
      return;
    }
    int[] ws = whh.stride();
    b.launchGroups(FAMILY, "rnn_seq_" + GpuBackend.suffix(pre.dtype()), groups(d[1]),
        b.localSize(), b.slab(pre), b.offset(pre), b.slab(whh), b.offset(whh), ws[0], ws[1],
        b.slab(h0), b.offset(h0), b.slab(hs), b.offset(hs), d[0], d[1], d[2], relu ? 1 : 0,
        reverse ? 1 : 0);
  }

  /** {@link dev.ember.backend.Backend#rnnRecurrenceBackward} in one launch, groups as above. */
  static void rnnRecurrenceBackward(GpuBackend b, Tensor hs, Tensor whh, Tensor gradOut,
      Tensor dh, Tensor dG, boolean relu, boolean needDh0, boolean reverse) {
    int[] d = OperandChecks.rnnRecurrenceBackward(operand(hs, "hs"), operand(whh, "whh"),
        operand(gradOut, "gradOut"), operand(dh, "dh"), operand(dG, "dG"));
    if (empty(d)) {
      return;
    }
    int[] ws = whh.stride();
    b.launchGroups(FAMILY, "rnn_seq_backward_" + GpuBackend.suffix(hs.dtype()), groups(d[1]),
        b.localSize(), b.slab(hs), b.offset(hs), b.slab(whh), b.offset(whh), ws[0], ws[1],
        b.slab(gradOut), b.offset(gradOut), b.slab(dh), b.offset(dh), b.slab(dG), b.offset(dG),
        d[0], d[1], d[2], relu ? 1 : 0, needDh0 ? 1 : 0, reverse ? 1 : 0);
  }

  /**
   * The largest hidden size that the sequence kernels take; larger layers run a GEMM and a cell
   * per step (the backend's default). An LSTM's group reads all of W_hh (16 H^2 bytes in
   * float32) and makes 16 H^2 multiply-adds per step on one multiprocessor: at H = 256, 1 MiB and
   * a million, some µs, against the two launches a step costs otherwise (about 9 µs each from
   * Java); the work grows with H^2, and one group per 4 rows is too little of the GPU for it. A
   * decision by this arithmetic, not yet by a measurement on a GPU: {@code
   * -Dember.gpu.recurrence.maxHidden=N} moves the bound (0: every recurrence per step), so that
   * a GPU can time both ways in one run.
   */
  static final int SEQUENCE_MAX_HIDDEN = maxHidden(System.getProperty(
      "ember.gpu.recurrence.maxHidden"));

  /** Whether a recurrence with this W_hh (G H, H) runs in one launch. */
  static boolean persistent(Tensor whh) {
    return whh.dim() == 2 && whh.shape()[1] <= SEQUENCE_MAX_HIDDEN;
  }

  private static int maxHidden(String value) {
    if (value == null || value.isEmpty()) {
      return 256;
    }
    try {
      int v = Integer.parseInt(value.trim());
      if (v >= 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "ember.gpu.recurrence.maxHidden must be an integer >= 0, not '" + value + "'");
  }

  /** Whether a recurrence of {L, N, H} has nothing to compute. */
  private static boolean empty(int[] d) {
    return d[0] == 0 || d[1] == 0 || d[2] == 0;
  }

  private static int groups(int batch) {
    return (batch + SEQUENCE_ROWS - 1) / SEQUENCE_ROWS;
  }

  static void gruCell(GpuBackend b, Tensor xg, Tensor hg, Tensor hPrev, Tensor h, Tensor saved) {
    int hs = OperandChecks.gruCell(operand(xg, "xg"), operand(hg, "hg"), operand(hPrev, "hPrev"),
        operand(h, "h"), operand(saved, "saved"));
    int n = xg.shape()[0];
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
    int hs = OperandChecks.gruCellBackward(operand(saved, "saved"), operand(hPrev, "hPrev"),
        operand(dh, "dh"), operand(dxg, "dxg"), operand(dhg, "dhg"), operand(dhPrev, "dhPrev"));
    int n = saved.shape()[0];
    int items = n * hs;
    if (items == 0) {
      return;
    }
    b.launch(FAMILY, "gru_cell_backward_" + GpuBackend.suffix(saved.dtype()), items,
        b.slab(saved), b.offset(saved), b.slab(hPrev), b.offset(hPrev), b.slab(dh), b.offset(dh),
        b.slab(dxg), b.offset(dxg), b.slab(dhg), b.offset(dhg), b.slab(dhPrev), b.offset(dhPrev),
        items, hs);
  }
}
