package dev.ember.tensor;

import static dev.ember.autograd.Autograd.record;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.SavedTensor;
import dev.ember.backend.Backend;
import dev.ember.backend.BinaryOp;
import dev.ember.backend.ReduceOp;

/**
 * Fused recurrent operators: one LSTM or GRU cell step, and one layer-direction of an Elman RNN,
 * LSTM or GRU over a whole sequence, each recorded as a single autograd node with an explicit
 * backward. The layers of {@code dev.ember.nn.recurrent} are built on these.
 *
 * <p>Why fused: a cell composed of tensor operators makes about a dozen passes over the gates per
 * step, each with its own temporary and graph node, and slicing the time steps out of one input
 * projection would give every step a full-size gradient to scatter back. Here a layer over a
 * sequence is, as in cuDNN and PyTorch's CPU path:
 *
 * <pre>
 * forward:  G = X W_ih^T + b       one GEMM for all L steps, X = input as (L N, in)
 *           per step t: G_t += h_{t-1} W_hh^T, then one fused cell pass -> h_t (, c_t)
 * backward: per step, in reverse: one fused cell pass -> dG_t (, dc_{t-1});
 *           dh_{t-1} = dOutput_{t-1} + dG_t W_hh
 *           then one GEMM each: dX = dG W_ih, dW_ih = dG^T X, dW_hh = dG^T H_prev, db = sum dG
 * </pre>
 *
 * <p>The per-step loops are the backend's ({@link Backend#lstmRecurrence}, {@link
 * Backend#gruRecurrence}, {@link Backend#rnnRecurrence} and their backwards): the CPU runs them
 * step by step as above, a GPU each in one launch.
 *
 * <p>Shapes: input {@code x} (L, N, in) with L the sequence length and N the batch; initial states
 * (N, H) or null for zeros; {@code wIh} (G H, in), {@code wHh} (G H, H), biases (G H) or null,
 * with G = 1 (RNN), 4 (LSTM, gates i, f, g, o) or 3 (GRU, gates r, z, n) in PyTorch's order. All
 * floating-point tensors of one dtype on one device. The backward cannot itself be differentiated
 * (as cuDNN's): a {@code createGraph} backward through these operators fails with an {@link
 * UnsupportedOperationException}; use composed operators for higher-order gradients.
 */
public final class Recurrent {
  private Recurrent() {}

  /**
   * What a recurrent layer-direction returns: the output sequence {@code output} (L, N, H), the
   * final hidden state {@code hN} (N, H) and, for an LSTM, the final cell state {@code cN} (N, H)
   * (null otherwise). They are views of one result tensor.
   */
  public record Sequence(Tensor output, Tensor hN, Tensor cN) {}

  // ---------------------------------------------------------------------------------------------
  // Single cells

  /**
   * One fused LSTM cell step from the gate pre-activations {@code gates = x W_ih^T + b_ih + h
   * W_hh^T + b_hh} (N, 4H), gate order i, f, g, o, and the previous cell state {@code cPrev} (N,
   * H):
   *
   * <pre>
   * i, f, o = sigmoid(.)   g = tanh(.)   c = f * cPrev + i * g   h = o * tanh(c)
   * </pre>
   *
   * @return {@code {h, c}}, each (N, H)
   * @throws IllegalArgumentException naming the shapes if they do not fit, or on mixed dtypes or
   *     devices
   */
  public static Tensor[] lstmCell(Tensor gates, Tensor cPrev) {
    floating("lstmCell", gates, cPrev);
    if (gates.dim() != 2 || gates.size(1) % 4 != 0) {
      throw new IllegalArgumentException(
          "lstmCell: gates must have shape (N, 4H), got " + gates.describe());
    }
    int n = gates.size(0);
    int h = gates.size(1) / 4;
    expectShape("lstmCell", "cPrev", cPrev, n, h);
    Backend be = gates.backend();
    Tensor act = contiguousCopy(gates);
    Tensor cp = contiguousRaw(cPrev);
    Tensor out = Tensor.allocate(gates.dtype(), gates.device(), new int[] {2, n, h});
    be.lstmCell(act, cp, rows(out, 0, n, h), rows(out, n, n, h));
    SavedTensor savedOut = SavedTensor.of(out);
    SavedTensor savedCp = SavedTensor.of(cp);
    record("LstmCellBackward", out, (g, needs) -> {
      noDoubleBackward("lstmCell");
      Tensor gc = contiguousRaw(g);
      Tensor o = savedOut.get();
      Tensor dGates = Tensor.allocate(act.dtype(), act.device(), new int[] {n, 4 * h});
      Tensor dcPrev = Tensor.allocate(act.dtype(), act.device(), new int[] {n, h});
      be.lstmCellBackward(act, savedCp.get(), rows(o, n, n, h), rows(gc, 0, n, h), rows(gc, n, n, h),
          dGates, dcPrev);
      return new Tensor[] {dGates, dcPrev};
    }, gates, cPrev);
    return new Tensor[] {out.select(0, 0), out.select(0, 1)};
  }

  /**
   * One fused GRU cell step from {@code xg = x W_ih^T + b_ih} and {@code hg = hPrev W_hh^T + b_hh}
   * (N, 3H), gate order r, z, n, and the previous state {@code hPrev} (N, H), PyTorch's formula:
   *
   * <pre>
   * r = sigmoid(xg_r + hg_r)   z = sigmoid(xg_z + hg_z)   n = tanh(xg_n + r * hg_n)
   * h = (1 - z) * n + z * hPrev
   * </pre>
   *
   * @return h (N, H)
   * @throws IllegalArgumentException naming the shapes if they do not fit, or on mixed dtypes or
   *     devices
   */
  public static Tensor gruCell(Tensor xg, Tensor hg, Tensor hPrev) {
    floating("gruCell", xg, hg, hPrev);
    if (xg.dim() != 2 || xg.size(1) % 3 != 0) {
      throw new IllegalArgumentException(
          "gruCell: xg must have shape (N, 3H), got " + xg.describe());
    }
    int n = xg.size(0);
    int h = xg.size(1) / 3;
    expectShape("gruCell", "hg", hg, n, 3 * h);
    expectShape("gruCell", "hPrev", hPrev, n, h);
    Backend be = xg.backend();
    Tensor hp = contiguousRaw(hPrev);
    Tensor saved = Tensor.allocate(xg.dtype(), xg.device(), new int[] {n, 4 * h});
    Tensor out = Tensor.allocate(xg.dtype(), xg.device(), new int[] {n, h});
    be.gruCell(contiguousRaw(xg), contiguousRaw(hg), hp, out, saved);
    SavedTensor savedHp = SavedTensor.of(hp);
    record("GruCellBackward", out, (g, needs) -> {
      noDoubleBackward("gruCell");
      Tensor dxg = Tensor.allocate(xg.dtype(), xg.device(), new int[] {n, 3 * h});
      Tensor dhg = Tensor.allocate(xg.dtype(), xg.device(), new int[] {n, 3 * h});
      Tensor dhPrev = Tensor.allocate(xg.dtype(), xg.device(), new int[] {n, h});
      be.gruCellBackward(saved, savedHp.get(), contiguousRaw(g), dxg, dhg, dhPrev);
      return new Tensor[] {dxg, dhg, dhPrev};
    }, xg, hg, hPrev);
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Sequences

  /** The sizes of a layer-direction call, validated. */
  private record Dims(int len, int batch, int in, int hidden) {}

  private static Dims check(String op, int gates, Tensor x, Tensor h0, Tensor c0, Tensor wIh,
      Tensor wHh, Tensor bIh, Tensor bHh) {
    floating(op, x, h0, c0, wIh, wHh, bIh, bHh);
    if (x.dim() != 3) {
      throw new IllegalArgumentException(
          op + ": input must have shape (L, N, in), got " + x.describe());
    }
    if (wHh.dim() != 2 || wHh.size(0) != gates * wHh.size(1)) {
      throw new IllegalArgumentException(
          op + ": wHh must have shape (" + gates + "H, H), got " + wHh.describe());
    }
    int len = x.size(0);
    int batch = x.size(1);
    int in = x.size(2);
    int h = wHh.size(1);
    if (len == 0) {
      throw new IllegalArgumentException(
          op + ": expected a sequence of length > 0, got input " + x.describe());
    }
    expectShape(op, "wIh", wIh, gates * h, in);
    if (bIh != null && (bIh.dim() != 1 || bIh.size(0) != gates * h)) {
      throw new IllegalArgumentException(
          op + ": bIh must have shape (" + gates * h + "), got " + bIh.describe());
    }
    if (bHh != null && (bHh.dim() != 1 || bHh.size(0) != gates * h)) {
      throw new IllegalArgumentException(
          op + ": bHh must have shape (" + gates * h + "), got " + bHh.describe());
    }
    if (h0 != null) {
      expectShape(op, "h0", h0, batch, h);
    }
    if (c0 != null) {
      expectShape(op, "c0", c0, batch, h);
    }
    return new Dims(len, batch, in, h);
  }

  /**
   * One direction of one LSTM layer over a sequence (see the class documentation for the shapes).
   * With {@code reverse} the sequence is processed from its last step to its first (the backward
   * direction of a bidirectional layer): {@code output[t]} is still the state at step t, and
   * {@code hN}, {@code cN} are the states after step 0.
   *
   * @param h0 initial hidden state (N, H), or null for zeros
   * @param c0 initial cell state (N, H), or null for zeros
   * @throws IllegalArgumentException naming the shapes if they do not fit, for an empty sequence,
   *     or on mixed dtypes or devices
   */
  public static Sequence lstm(Tensor x, Tensor h0, Tensor c0, Tensor wIh, Tensor wHh, Tensor bIh,
      Tensor bHh, boolean reverse) {
    Dims d = check("lstm", 4, x, h0, c0, wIh, wHh, bIh, bHh);
    int len = d.len();
    int n = d.batch();
    int h = d.hidden();
    Backend be = x.backend();
    Tensor xc = contiguousRaw(x);
    // Zero initial states from one fill.
    Tensor zeros = h0 == null || c0 == null
        ? zerosRaw(x, (h0 == null && c0 == null ? 2 : 1) * n, h) : null;
    Tensor h0c = h0 == null ? rows(zeros, 0, n, h) : contiguousRaw(h0);
    Tensor c0c = c0 == null ? rows(zeros, h0 == null ? n : 0, n, h) : contiguousRaw(c0);
    // Rows t N .. (t + 1) N of gates, cells and packed are step t; packed's last block is c_N.
    Tensor gates = inputProjection(xc, wIh, bIh, bHh, len * n, 4 * h);
    Tensor cells = Tensor.allocate(x.dtype(), x.device(), new int[] {len * n, h});
    Tensor packed = Tensor.allocate(x.dtype(), x.device(), new int[] {len + 1, n, h});
    be.lstmRecurrence(gates, raw(wHh), h0c, c0c, rows(packed, 0, len * n, h), cells,
        rows(packed, len * n, n, h), reverse);
    int last = reverse ? 0 : len - 1;
    SavedTensor sPacked = SavedTensor.of(packed);
    SavedTensor sx = SavedTensor.of(xc);
    SavedTensor sh0 = SavedTensor.of(h0c);
    SavedTensor sc0 = SavedTensor.of(c0c);
    SavedTensor sWih = SavedTensor.of(wIh);
    SavedTensor sWhh = SavedTensor.of(wHh);
    record("LstmBackward", packed, (g, needs) -> {
      noDoubleBackward("lstm");
      Tensor gc = contiguousRaw(g);
      Tensor out = sPacked.get();
      Tensor whh = sWhh.get();
      Tensor c0s = sc0.get();
      Tensor dG = Tensor.allocate(x.dtype(), x.device(), new int[] {len * n, 4 * h});
      // The running gradients of h and c; the backend takes their seeds from gc (the last
      // step's rows, and c_N's block).
      Tensor state = Tensor.allocate(x.dtype(), x.device(), new int[] {2, n, h});
      Tensor dh = rows(state, 0, n, h);
      Tensor dc = rows(state, n, n, h);
      be.lstmRecurrenceBackward(gates, cells, c0s, raw(whh), rows(gc, 0, len * n, h),
          rows(gc, len * n, n, h), dh, dc, dG, needs[1], reverse);
      Tensor dh0 = needs[1] ? dh : null;
      Tensor[] w = weightGrads(dG, dG, needs, sx.get(), sWih.get(), out, sh0.get(), h0 != null,
          len, n, h, reverse);
      return new Tensor[] {w[0], dh0, needs[2] ? dc : null, w[1], w[2], w[3], w[4]};
    }, x, h0, c0, wIh, wHh, bIh, bHh);
    return new Sequence(packed.narrow(0, 0, len), packed.select(0, last), packed.select(0, len));
  }

  /**
   * One direction of one GRU layer over a sequence (see the class documentation for the shapes and
   * {@link #lstm} for {@code reverse}), with PyTorch's formula {@code n = tanh(x W_in^T + b_in + r
   * * (h W_hn^T + b_hn))}.
   *
   * @param h0 initial hidden state (N, H), or null for zeros
   * @throws IllegalArgumentException naming the shapes if they do not fit, for an empty sequence,
   *     or on mixed dtypes or devices
   */
  public static Sequence gru(Tensor x, Tensor h0, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh,
      boolean reverse) {
    Dims d = check("gru", 3, x, h0, null, wIh, wHh, bIh, bHh);
    int len = d.len();
    int n = d.batch();
    int h = d.hidden();
    Backend be = x.backend();
    Tensor xc = contiguousRaw(x);
    Tensor h0c = h0 == null ? zerosRaw(x, n, h) : contiguousRaw(h0);
    Tensor xg = inputProjection(xc, wIh, bIh, null, len * n, 3 * h);
    Tensor saved = Tensor.allocate(x.dtype(), x.device(), new int[] {len * n, 4 * h});
    Tensor packed = Tensor.allocate(x.dtype(), x.device(), new int[] {len, n, h});
    Tensor bhh = bHh == null ? null : raw(contiguousRaw(bHh));
    be.gruRecurrence(xg, raw(wHh), bhh, h0c, rows(packed, 0, len * n, h), saved, reverse);
    int last = reverse ? 0 : len - 1;
    SavedTensor sPacked = SavedTensor.of(packed);
    SavedTensor sx = SavedTensor.of(xc);
    SavedTensor sh0 = SavedTensor.of(h0c);
    SavedTensor sWih = SavedTensor.of(wIh);
    SavedTensor sWhh = SavedTensor.of(wHh);
    record("GruBackward", packed, (g, needs) -> {
      noDoubleBackward("gru");
      Tensor gc = contiguousRaw(g);
      Tensor out = sPacked.get();
      Tensor h0s = sh0.get();
      Tensor dXg = Tensor.allocate(x.dtype(), x.device(), new int[] {len * n, 3 * h});
      Tensor dHg = Tensor.allocate(x.dtype(), x.device(), new int[] {len * n, 3 * h});
      Tensor dh = Tensor.allocate(x.dtype(), x.device(), new int[] {n, h});
      be.gruRecurrenceBackward(saved, rows(out, 0, len * n, h), h0s, raw(sWhh.get()),
          rows(gc, 0, len * n, h), dh, dXg, dHg, needs[1], reverse);
      Tensor[] w = weightGrads(dXg, dHg, needs, sx.get(), sWih.get(), out, h0s, h0 != null,
          len, n, h, reverse);
      return new Tensor[] {w[0], needs[1] ? dh : null, w[1], w[2], w[3], w[4]};
    }, x, h0, wIh, wHh, bIh, bHh);
    return new Sequence(packed, packed.select(0, last), null);
  }

  /**
   * One direction of one Elman RNN layer over a sequence, {@code h_t = act(x_t W_ih^T + b_ih +
   * h_{t-1} W_hh^T + b_hh)} with act tanh or relu (see the class documentation for the shapes and
   * {@link #lstm} for {@code reverse}).
   *
   * @param h0 initial hidden state (N, H), or null for zeros
   * @param relu relu instead of tanh
   * @throws IllegalArgumentException naming the shapes if they do not fit, for an empty sequence,
   *     or on mixed dtypes or devices
   */
  public static Sequence rnn(Tensor x, Tensor h0, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh,
      boolean relu, boolean reverse) {
    Dims d = check(relu ? "rnnRelu" : "rnnTanh", 1, x, h0, null, wIh, wHh, bIh, bHh);
    int len = d.len();
    int n = d.batch();
    int h = d.hidden();
    Backend be = x.backend();
    Tensor xc = contiguousRaw(x);
    Tensor h0c = h0 == null ? zerosRaw(x, n, h) : contiguousRaw(h0);
    Tensor pre = inputProjection(xc, wIh, bIh, bHh, len * n, h);
    Tensor packed = Tensor.allocate(x.dtype(), x.device(), new int[] {len, n, h});
    be.rnnRecurrence(pre, raw(wHh), h0c, rows(packed, 0, len * n, h), relu, reverse);
    int last = reverse ? 0 : len - 1;
    SavedTensor sPacked = SavedTensor.of(packed);
    SavedTensor sx = SavedTensor.of(xc);
    SavedTensor sh0 = SavedTensor.of(h0c);
    SavedTensor sWih = SavedTensor.of(wIh);
    SavedTensor sWhh = SavedTensor.of(wHh);
    record(relu ? "RnnReluBackward" : "RnnTanhBackward", packed, (g, needs) -> {
      noDoubleBackward("rnn");
      Tensor gc = contiguousRaw(g);
      Tensor out = sPacked.get();
      Tensor dG = Tensor.allocate(x.dtype(), x.device(), new int[] {len * n, h});
      Tensor dh = Tensor.allocate(x.dtype(), x.device(), new int[] {n, h});
      be.rnnRecurrenceBackward(rows(out, 0, len * n, h), raw(sWhh.get()), rows(gc, 0, len * n, h),
          dh, dG, relu, needs[1], reverse);
      Tensor[] w = weightGrads(dG, dG, needs, sx.get(), sWih.get(), out, sh0.get(), h0 != null,
          len, n, h, reverse);
      return new Tensor[] {w[0], needs[1] ? dh : null, w[1], w[2], w[3], w[4]};
    }, x, h0, wIh, wHh, bIh, bHh);
    return new Sequence(packed, packed.select(0, last), null);
  }

  /**
   * The gradients that are GEMMs or sums over all steps: {@code {dx, dWih, dWhh, dbIh, dbHh}} from
   * the gradients of the input pre-activations {@code dIn} and of the recurrent ones {@code dRec}
   * (the same tensor for RNN and LSTM), each (L N, G H). {@code needs} is the operator's, whose last
   * four entries are wIh, wHh, bIh, bHh and first x.
   */
  private static Tensor[] weightGrads(Tensor dIn, Tensor dRec, boolean[] needs, Tensor xc,
      Tensor wIh, Tensor out, Tensor h0, boolean hasH0, int len, int n, int h, boolean reverse) {
    int k = needs.length;
    int gh = dIn.size(1);
    int in = xc.size(2);
    Tensor[] r = new Tensor[5];
    if (needs[0]) {
      r[0] = Tensor.allocate(xc.dtype(), xc.device(), new int[] {len, n, in});
      gemm(rows(r[0], 0, len * n, in), dIn, wIh, 0);
    }
    if (needs[k - 4]) {
      r[1] = Tensor.allocate(xc.dtype(), xc.device(), new int[] {gh, in});
      gemm(r[1], transposed(dIn), rows(xc, 0, len * n, in), 0);
    }
    if (needs[k - 3]) {
      // sum_t dRec_t^T h_{t-1}: the steps whose previous state is an output are one GEMM.
      Tensor dw = Tensor.allocate(xc.dtype(), xc.device(), new int[] {gh, h});
      int m = (len - 1) * n;
      int firstStep = reverse ? len - 1 : 0;
      double beta = 0;
      if (m > 0) {
        Tensor dPart = rows(dRec, reverse ? 0 : n, m, gh);
        Tensor hPart = rows(out, reverse ? n : 0, m, h);
        gemm(dw, transposed(dPart), hPart, 0);
        beta = 1;
      }
      if (hasH0) {
        gemm(dw, transposed(rows(dRec, firstStep * n, n, gh)), h0, beta);
      } else if (beta == 0) {
        dw.backend().fill(dw, 0);
      }
      r[2] = dw;
    }
    if (needs[k - 2]) {
      r[3] = sumRows(dIn);
    }
    if (needs[k - 1]) {
      r[4] = dRec == dIn && r[3] != null ? contiguousCopy(r[3]) : sumRows(dRec);
    }
    return r;
  }

  // ---------------------------------------------------------------------------------------------
  // Raw helpers: no autograd; operands are contiguous unless said otherwise.

  /** {@code X W^T + b1 + b2} for X (rows, in) as a new (rows, cols) tensor; biases may be null. */
  private static Tensor inputProjection(
      Tensor xc, Tensor w, Tensor b1, Tensor b2, int rowCount, int cols) {
    Backend be = xc.backend();
    Tensor out = Tensor.allocate(xc.dtype(), xc.device(), new int[] {rowCount, cols});
    Tensor x = rows(xc, 0, rowCount, xc.size(2));
    if (b1 == null && b2 == null) {
      gemm(out, x, transposed(w), 0);
    } else {
      Tensor b = b1 != null ? b1 : b2;
      if (b1 != null && b2 != null) {
        b = Tensor.allocate(xc.dtype(), xc.device(), new int[] {cols});
        be.binary(BinaryOp.ADD, b, b1, b2);
      }
      // The bias as the GEMM's addend, added as it stores (as a Linear's).
      gemmAdd(out, x, transposed(w), Movement.expandRaw(b, new int[] {rowCount, cols}));
    }
    return out;
  }

  /** {@code dst = a @ b + beta * dst} for matrices (any strides; dst contiguous). */
  private static void gemm(Tensor dst, Tensor a, Tensor b, double beta) {
    if (dst.numel() > 0) {
      dst.backend().matmul(batchOfOne(dst), batchOfOne(a), batchOfOne(b), 1, beta);
    }
  }

  /** {@code dst = a @ b + addend} for matrices: one matmulAdd (addend not overlapping dst). */
  private static void gemmAdd(Tensor dst, Tensor a, Tensor b, Tensor addend) {
    if (dst.numel() > 0) {
      dst.backend().matmulAdd(batchOfOne(dst), batchOfOne(a), batchOfOne(b), batchOfOne(addend),
          1, 1);
    }
  }

  /** A matrix as a batch of one, (1, rows, cols), for the backend's batched products. */
  private static Tensor batchOfOne(Tensor m) {
    int[] s = m.shapeRef();
    return Movement.expandRaw(m, new int[] {1, s[0], s[1]});
  }

  /** The column sums of a matrix, as a new 1-D tensor. */
  private static Tensor sumRows(Tensor m) {
    Tensor out = Tensor.allocate(m.dtype(), m.device(), new int[] {1, m.size(1)});
    if (m.size(0) == 0) {
      out.backend().fill(out, 0);
    } else {
      out.backend().reduce(ReduceOp.SUM, out, m, new int[] {0});
    }
    return Tensor.wrap(out.storage(), new int[] {m.size(1)});
  }

  /** Rows {@code [first, first + count)} of a contiguous tensor seen as (*, cols), as a matrix. */
  private static Tensor rows(Tensor t, int first, int count, int cols) {
    return t.viewAs(new int[] {count, cols}, new int[] {cols, 1}, t.storageOffset() + first * cols);
  }

  /** A view of the whole of {@code t} outside autograd (a parameter's, for a backend call). */
  private static Tensor raw(Tensor t) {
    return t.viewAs(t.shapeRef(), t.stridesRef(), t.storageOffset());
  }

  /** The transpose of a matrix, as a view. */
  private static Tensor transposed(Tensor m) {
    int[] st = m.stridesRef();
    return m.viewAs(new int[] {m.shapeRef()[1], m.shapeRef()[0]}, new int[] {st[1], st[0]},
        m.storageOffset());
  }

  /** {@code t} itself if contiguous, else a contiguous copy; no autograd. */
  private static Tensor contiguousRaw(Tensor t) {
    if (t.isContiguous()) {
      return t;
    }
    return contiguousCopy(t);
  }

  private static Tensor contiguousCopy(Tensor t) {
    Tensor c = Tensor.allocate(t.dtype(), t.device(), t.shapeRef());
    c.backend().copy(c, t);
    return c;
  }

  private static Tensor zerosRaw(Tensor like, int n, int h) {
    Tensor z = Tensor.allocate(like.dtype(), like.device(), new int[] {n, h});
    z.backend().fill(z, 0);
    return z;
  }

  private static void noDoubleBackward(String op) {
    if (Autograd.isGradEnabled()) {
      throw new UnsupportedOperationException(
          "the fused " + op + " backward cannot be differentiated (createGraph); compose the cell"
              + " from tensor operators for higher-order gradients");
    }
  }

  private static void floating(String op, Tensor... ts) {
    Tensor first = null;
    for (Tensor t : ts) {
      if (t == null) {
        continue;
      }
      if (!t.dtype().isFloatingPoint()) {
        throw new IllegalArgumentException(
            op + ": expected floating-point tensors, got " + t.describe());
      }
      if (first == null) {
        first = t;
      } else if (t.dtype() != first.dtype()) {
        throw new IllegalArgumentException(op + ": expected all tensors of one dtype, got "
            + first.describe() + " and " + t.describe());
      } else {
        Elementwise.sameDevice(op, first, t);
      }
    }
  }

  private static void expectShape(String op, String name, Tensor t, int rows, int cols) {
    if (t.dim() != 2 || t.size(0) != rows || t.size(1) != cols) {
      throw new IllegalArgumentException(
          op + ": " + name + " must have shape (" + rows + ", " + cols + "), got " + t.describe());
    }
  }
}
