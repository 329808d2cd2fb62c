package dev.ember.backend;

import static dev.ember.backend.OperandChecks.operand;

import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;
import java.util.List;

/**
 * The backend SPI: the small set of primitives every device implements.
 *
 * <p>Every tensor operator is defined once, in the tensor engine, in terms of these primitives;
 * its gradient is written once in terms of tensor operators. A backend never sees autograd,
 * broadcasting rules or type promotion: operands arrive with their final shapes (broadcast inputs
 * have stride 0 on the expanded dims), on this backend's device, and with the dtypes each method
 * documents. Operands are any strided views: backends must be correct on every stride pattern,
 * including 0 (broadcast) and negative (flipped) strides, and fast on contiguous ones. Outputs are
 * never overlapping views. Unless said otherwise, {@code dst} has the same shape as the inputs.
 *
 * <p>Implementations are registered with {@link java.util.ServiceLoader} through a {@link
 * BackendProvider}; {@link Backends#get} is the one place that chooses.
 */
public interface Backend {

  /** The device this backend instance serves. */
  Device device();

  /**
   * A new storage of {@code size} elements with unspecified contents (backends reuse freed memory
   * without clearing it; callers write every element or fill first).
   */
  Storage allocate(DType dtype, int size);

  /** Returns a storage's memory (called once, when its last reference is released). */
  void free(Storage storage);

  /**
   * A new storage holding a copy of {@code array}: {@code float[]} for float32, {@code double[]}
   * for float64, {@code long[]} for int64, {@code int[]} for int32, {@code boolean[]} for bool.
   */
  Storage upload(Object array, DType dtype);

  /**
   * Copies a tensor's elements, in row-major order, into a new Java array of its dtype's type (the
   * types {@link #upload} takes). This is the one call that waits for pending device work.
   */
  Object download(Tensor src);

  /** {@code dst[i] = value}, converted to dst's dtype. */
  void fill(Tensor dst, double value);

  /** {@code dst[i] = (dtype of dst) src[i]}: strided copy with a cast. */
  void copy(Tensor dst, Tensor src);

  /**
   * {@code dst[i] = op(src[i]; p0, p1)}. src and dst have the same dtype, except for ops that
   * {@linkplain UnaryOp#producesBool() produce bool}.
   */
  void unary(UnaryOp op, Tensor dst, Tensor src, double p0, double p1);

  /**
   * {@code dst[i] = op(a[i], b[i])}. a and b have the same dtype; dst has it too, or bool for ops
   * that {@linkplain BinaryOp#producesBool() produce bool}.
   */
  void binary(BinaryOp op, Tensor dst, Tensor a, Tensor b);

  /**
   * A ReLU's gradient and its column sums in one pass: {@code gz = y <= 0 ? 0 : g} ({@link
   * BinaryOp#RELU_GRAD}) for 2-D float g and y (N, C) of any strides, and {@code sums} (C) = gz
   * summed over the rows: a Linear + ReLU layer's gradient before its GEMMs, and its bias
   * gradient. gz (N, C) and sums (C) are contiguous, all four of one dtype. The default runs the
   * gradient, then the sum.
   */
  default void reluGradColumnSums(Tensor gz, Tensor sums, Tensor g, Tensor y) {
    binary(BinaryOp.RELU_GRAD, gz, g, y);
    reduce(ReduceOp.SUM, sums.unsqueeze(0), gz, new int[] {0});
  }

  /** {@code dst[i] = cond[i] ? a[i] : b[i]}; cond is bool, a, b and dst share a dtype. */
  void where(Tensor dst, Tensor cond, Tensor a, Tensor b);

  /**
   * Reduces {@code src} over {@code dims} (sorted, distinct) into {@code dst}, which has src's
   * shape with those dims set to 1. dst's dtype: int64 for SUM/PROD over integers or bool, bool
   * for ANY/ALL, int64 for ARGMAX/ARGMIN (which take exactly one dim), else src's dtype.
   */
  void reduce(ReduceOp op, Tensor dst, Tensor src, int[] dims);

  /**
   * Inclusive scan ({@link ReduceOp#SUM} or {@link ReduceOp#PROD}) of {@code src} along {@code
   * dim}; dst has src's shape and src's dtype, or int64 for integer and bool inputs.
   */
  void scan(ReduceOp op, Tensor dst, Tensor src, int dim);

  /**
   * Softmax ({@code log == false}) or log-softmax along {@code dim}, a fused primitive: one pass
   * for the maximum, one for the normalizer, one for the output, with no temporaries.
   */
  void softmax(Tensor dst, Tensor src, int dim, boolean log);

  /**
   * The per-row negative log-likelihood of cross-entropy: {@code loss[i] = -logp[i, target[i]]}
   * for the rows of a 2-D float {@code logp} (N, C), and 0 where {@code target[i] ==
   * ignoreIndex}. loss is (N) in logp's dtype, target (N) int64; the caller has checked every
   * target (in [0, C) or ignoreIndex). Any strides.
   */
  void nllRows(Tensor loss, Tensor logp, Tensor target, int ignoreIndex);

  /**
   * The gradient of cross-entropy through log-softmax, in one pass: {@code grad[i, j] = scale[i]
   * * (exp(logp[i, j]) - (j == target[i] ? 1 : 0))}, and 0 in the rows where {@code target[i] ==
   * ignoreIndex}. grad and logp are (N, C), target (N) int64 (checked by the caller), scale (N) in
   * logp's dtype (a broadcast stride of 0 for one scale). Any strides.
   */
  void crossEntropyBackward(Tensor grad, Tensor logp, Tensor target, Tensor scale,
      int ignoreIndex);

  /**
   * The gradient of {@link #nllMean}'s mean through log-softmax: {@link #crossEntropyBackward}
   * with every row's scale {@code g / count} (both 0-d, logp's dtype). A GPU divides in the same
   * launch; the default divides first, with the same values.
   */
  default void crossEntropyMeanBackward(Tensor grad, Tensor logp, Tensor target, Tensor g,
      Tensor count, int ignoreIndex) {
    crossEntropyBackward(grad, logp, target, g.div(count).expand(logp.shape()[0]), ignoreIndex);
  }

  /**
   * Cross-entropy's mean in one pass, with the targets checked where they are: {@code mean} (0-d)
   * becomes the mean of {@link #nllRows}' values over the rows whose target is not ignoreIndex
   * (NaN when there is none, as 0 / 0) and {@code count} (0-d) the number of those rows, both in
   * logp's dtype. A target outside [0, C) that is not ignoreIndex is an {@link
   * IndexOutOfBoundsException} whose message begins with {@code what} and names the target and
   * its position: thrown at once on the CPU; on a GPU the kernel flags it and the calling thread's
   * next read back to the host throws it (as PyTorch's device-side asserts are reported), so that
   * a training step needs no read. A flagged row is left out of the mean.
   */
  void nllMean(Tensor mean, Tensor count, Tensor logp, Tensor target, int ignoreIndex,
      String what);

  /**
   * Cross-entropy's mean from (N, C) float logits, N and C at least 1: {@code logp} (N, C)
   * becomes their log-softmax along dim 1 ({@link #softmax}), then {@link #nllMean} of it. A GPU
   * does both in one launch when the logits are small; the default runs the two in turn.
   */
  default void logSoftmaxNllMean(Tensor logp, Tensor mean, Tensor count, Tensor logits,
      Tensor target, int ignoreIndex, String what) {
    softmax(logp, logits, 1, true);
    nllMean(mean, count, logp, target, ignoreIndex, what);
  }

  /**
   * Batched matrix product {@code dst[b] = alpha * a[b] @ bm[b] + beta * dst[b]}, with a of shape
   * (B, M, K), bm of shape (B, K, N) and dst of shape (B, M, N), all float32 or all float64 (or
   * all int64/int32 on backends that support integer matmul). dst is not read when beta is 0.
   */
  void matmul(Tensor dst, Tensor a, Tensor bm, double alpha, double beta);

  /**
   * {@code dst[b] = alpha * a[b] @ bm[b] + beta * addend[b]}: {@link #matmul} with the beta term
   * read from {@code addend} (dst's shape and dtype, any strides: a broadcast bias) instead of
   * dst, so that a Linear's bias needs no pass of its own. addend may be dst itself; dst must not
   * overlap a or bm. addend is not read when beta is 0.
   */
  void matmulAdd(Tensor dst, Tensor a, Tensor bm, Tensor addend, double alpha, double beta);

  /**
   * {@link #matmulAdd} followed by an activation on dst, float types only: {@code act} is {@link
   * UnaryOp#RELU}, {@link UnaryOp#GELU}, {@link UnaryOp#GELU_TANH} or {@link UnaryOp#SILU}, with
   * {@link #unary}'s formulas: a Linear and its activation. A GPU applies it as each tile is
   * stored, in the same launch; the default runs the two in turn, with the same values.
   *
   * @throws IllegalArgumentException for integer operands or another activation
   */
  default void matmulAddActivation(Tensor dst, Tensor a, Tensor bm, Tensor addend, double alpha,
      double beta, UnaryOp act) {
    checkEpilogue(dst, act);
    matmulAdd(dst, a, bm, addend, alpha, beta);
    unary(act, dst, dst, 0, 0);
  }

  /**
   * The checks of {@link #matmulAddActivation}'s dtype and activation.
   *
   * @throws IllegalArgumentException for integer operands or another activation
   */
  static void checkEpilogue(Tensor dst, UnaryOp act) {
    if (act != UnaryOp.RELU && act != UnaryOp.GELU && act != UnaryOp.GELU_TANH
        && act != UnaryOp.SILU) {
      throw new IllegalArgumentException("matmulAddActivation: the activation must be RELU, GELU,"
          + " GELU_TANH or SILU, got " + act);
    }
    if (!dst.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException("matmulAddActivation needs float operands, got "
          + dst.dtype());
    }
  }

  /**
   * Two independent products, {@code dst1 = a1 @ b1} and {@code dst2 = a2 @ b2}, each as {@link
   * #matmul} with alpha 1 and beta 0, of one dtype: a Linear's input and weight gradients. Neither
   * dst may overlap an operand. A GPU runs both in one launch where they fit one kernel; the
   * default runs the two in turn, with the same values.
   */
  default void matmulPair(Tensor dst1, Tensor a1, Tensor b1, Tensor dst2, Tensor a2,
      Tensor b2) {
    matmul(dst1, a1, b1, 1, 0);
    matmul(dst2, a2, b2, 1, 0);
  }

  /**
   * {@code dst[..., i_dim, ...] = src[..., index[..., i_dim, ...], ...]} along {@code dim}; index
   * is int64 with dst's shape (broadcast strides allowed).
   *
   * @throws IndexOutOfBoundsException naming the index, dim and size on a bad index
   */
  void gather(Tensor dst, Tensor src, int dim, Tensor index);

  /**
   * In place on {@code dst}: {@code dst[..., index[..., j, ...], ...] = src[..., j, ...]} along
   * {@code dim}, or {@code +=} when {@code accumulate}; index (int64) and src have the same shape.
   *
   * @throws IndexOutOfBoundsException naming the index, dim and size on a bad index
   */
  void scatter(Tensor dst, int dim, Tensor index, Tensor src, boolean accumulate);

  /**
   * Writes the elements of {@code src} where {@code mask} (bool, same shape) is true, in row-major
   * order, into the 1-D {@code dst}, whose length is the number of true elements.
   */
  void maskedSelect(Tensor dst, Tensor src, Tensor mask);

  /**
   * Fills {@code dst} (float32 or float64) from a distribution with the counter-based Philox4x32-10
   * generator keyed by {@code seed}, starting at 128-bit block {@code offset}. Element {@code i} of
   * a float32 tensor uses 32-bit word {@code i % 4} of block {@code offset + i / 4}; float64 uses two
   * words per element ({@code offset + i / 2}). Every backend produces the same numbers.
   */
  void random(RandomOp op, Tensor dst, long seed, long offset, double a, double b);

  // --- optim: fused optimizer updates (dev.ember.optim) ---

  /**
   * One optimizer step over one parameter, fused into a single pass (see {@link OptimizerUpdate}
   * for the formulas and the layout of {@code state} and {@code hyper}): {@code param} and the
   * non-null {@code state} tensors are updated in place, {@code grad} is only read. All tensors are
   * contiguous, of one floating dtype (float32 or float64) and of one number of elements.
   *
   * @throws IllegalArgumentException on a wrong array length, a missing state tensor, a dtype,
   *     size or layout mismatch
   */
  void optimizerUpdate(
      OptimizerUpdate kind, Tensor param, Tensor grad, Tensor[] state, double[] hyper);

  /**
   * {@link #optimizerUpdate} of several parameters with the same {@code hyper} (the same step
   * count, for the updates that take one): {@code states.get(i)} goes with {@code params.get(i)}
   * and {@code grads.get(i)}. The results are those of the updates one by one; a GPU runs them in
   * fewer launches (every kind: one per up to eight buffers of each role). The default runs them
   * one by one.
   */
  default void optimizerUpdates(OptimizerUpdate kind, List<Tensor> params, List<Tensor> grads,
      List<Tensor[]> states, double[] hyper) {
    for (int i = 0; i < params.size(); i++) {
      optimizerUpdate(kind, params.get(i), grads.get(i), states.get(i), hyper);
    }
  }

  /**
   * Whether the calling thread is recording a step graph on this backend (a GPU's {@code
   * StepGraph}): an optimizer's step then registers itself with {@link #onReplay}.
   */
  default boolean recordingStepGraph() {
    return false;
  }

  /**
   * While {@link #recordingStepGraph}: {@code action} runs on the host at the start of every
   * replay of the graph, before its launches. An optimizer's {@code step()} runs there: it
   * advances its step counts and rewrites the scalars (learning rate, bias corrections) that the
   * recorded update kernels read from the device, launching nothing.
   *
   * @throws UnsupportedOperationException if this backend records no step graphs
   * @throws IllegalStateException if the calling thread is not recording one
   */
  default void onReplay(Runnable action) {
    throw new UnsupportedOperationException(device() + " records no step graphs");
  }

  // convolution and pooling

  /**
   * im2col (unfold), the gather behind convolution: for src of shape (N, C, H, W) and dst of shape
   * (N, C, kH, kW, oH, oW), both float32 or both float64,
   *
   * <pre>
   * dst[n, c, i, j, oh, ow] = src[n, c, oh*sH - pH + i*dH, ow*sW - pW + j*dW]   (0 outside src)
   * </pre>
   *
   * with {@code stride = {sH, sW}}, {@code padding = {pH, pW}} (>= 0), {@code dilation = {dH, dW}}
   * (>= 1). The kernel size (kH, kW) and the grid of windows (oH, oW) are dst's shape; the grid
   * may be any size (a window may lie wholly in the padding or beyond it). Every element of dst
   * is written.
   */
  void im2col(Tensor dst, Tensor src, int[] stride, int[] padding, int[] dilation);

  /**
   * col2im (fold), the adjoint of {@link #im2col}: for src of shape (N, C, kH, kW, oH, oW) and dst
   * of shape (N, C, H, W), both float32 or both float64, every element of dst is written with the
   * sum of the src elements that {@code im2col} with the same arguments would have read from it
   * (0 where none): {@code <col2im(y), x> == <y, im2col(x)>}.
   */
  void col2im(Tensor dst, Tensor src, int[] stride, int[] padding, int[] dilation);

  /**
   * 2-D max pooling with the position of each maximum: for src (N, C, H, W) and dst and indices
   * (int64) of shape (N, C, oH, oW), window (oh, ow) covers rows {@code oh*sH - pH + i*dH} ({@code
   * 0 <= i < kH}) and columns likewise, clipped to src; dst gets its maximum, indices its position
   * {@code h * W + w} in the (H, W) plane. As PyTorch: the first maximum wins ties, NaN counts as
   * a maximum (the last NaN wins), and a window with no element inside src is an error of the
   * caller (it cannot happen when {@code pad <= kernel / 2}).
   */
  void maxPool2d(Tensor dst, Tensor indices, Tensor src, int[] kernel, int[] stride, int[] padding,
      int[] dilation);

  /**
   * The backward of {@link #maxPool2d}: dst (N, C, H, W) becomes zeros, then {@code
   * dst[n, c].flat[indices[n, c, oh, ow]] += grad[n, c, oh, ow]} for grad and indices (int64) of
   * shape (N, C, oH, oW); grad has dst's dtype.
   *
   * @throws IndexOutOfBoundsException naming the index if one is outside the (H, W) plane
   */
  void maxPool2dBackward(Tensor dst, Tensor grad, Tensor indices);

  /**
   * {@link #maxPool2dBackward} with indices that {@link #maxPool2d} produced and that nothing has
   * changed since (autograd's saved tensors are version-checked): every index is inside its
   * plane, so a backend may leave out the range check. The GPU backends do: theirs costs a fill,
   * and a read back to the host that waits for the device.
   */
  default void maxPool2dBackwardOwnIndices(Tensor dst, Tensor grad, Tensor indices) {
    maxPool2dBackward(dst, grad, indices);
  }

  // ---------------------------------------------------------------------------------------------
  // recurrent cells
  //
  // Fused because a composed cell makes about a dozen passes (and temporaries) over the gates per
  // time step; these make one. Every operand is a contiguous row-major matrix of one floating-point
  // dtype, rows = batch; H is the hidden size.

  /**
   * LSTM cell forward, PyTorch's gate order (i, f, g, o): with {@code i, f, o = sigmoid} and {@code
   * g = tanh} of their blocks of {@code gates},
   *
   * <pre>
   * c = f * cPrev + i * g        h = o * tanh(c)
   * </pre>
   *
   * {@code gates} (N, 4H) holds the pre-activations on entry and is overwritten with the
   * activations (i, f, g, o), which {@link #lstmCellBackward} takes; cPrev, h, c are (N, H).
   */
  void lstmCell(Tensor gates, Tensor cPrev, Tensor h, Tensor c);

  /**
   * LSTM cell backward: from the activations {@code act} (N, 4H) and the states {@code cPrev},
   * {@code c} (N, H) of {@link #lstmCell}, and the gradients {@code dh}, {@code dc} (N, H) of h
   * and c (either may be null: zero), writes the gradient of the pre-activations {@code dGates}
   * (N, 4H) and of the previous cell state {@code dcPrev} (N, H), which may be {@code dc} itself.
   */
  void lstmCellBackward(
      Tensor act, Tensor cPrev, Tensor c, Tensor dh, Tensor dc, Tensor dGates, Tensor dcPrev);

  /**
   * The recurrence of one LSTM layer-direction over all L steps, after its input projection: for
   * s = 0 .. L - 1 and t = {@code reverse ? L - 1 - s : s}, rows t N .. t N + N - 1 of {@code
   * gates} get {@code hPrev W_hh^T} added and go through {@link #lstmCell} with {@code cPrev},
   * which writes h_t into the same rows of {@code hs} and c_t into those of {@code cs}; hPrev and
   * cPrev are {@code h0} and {@code c0} at the first step, then the previous step's results. The
   * last step's c (c_N, the layer's final cell state) goes into {@code cN} as well.
   *
   * <p>gates (L N, 4H) holds the pre-activations (input projection and biases) on entry and the
   * activations on return, as lstmCell leaves them; whh (4H, H), any strides; h0, c0, cN (N, H);
   * hs, cs (L N, H), contiguous, one float dtype. A GPU runs the whole recurrence in one launch
   * (each group of work items owns a few batch rows, which the recurrence never mixes); the
   * default runs a matmul and an lstmCell per step, with the same formulas.
   */
  default void lstmRecurrence(Tensor gates, Tensor whh, Tensor h0, Tensor c0, Tensor hs,
      Tensor cs, Tensor cN, boolean reverse) {
    int[] d = OperandChecks.lstmRecurrence(operand(gates, "gates"), operand(whh, "whh"),
        operand(h0, "h0"), operand(c0, "c0"), operand(hs, "hs"), operand(cs, "cs"),
        operand(cN, "cN"));
    int len = d[0];
    int n = d[1];
    if (d[2] == 0) {
      return;
    }
    Tensor whhT = whh.transpose(0, 1).unsqueeze(0);
    Tensor hPrev = h0;
    Tensor cPrev = c0;
    for (int s = 0; s < len; s++) {
      int t = reverse ? len - 1 - s : s;
      Tensor gt = gates.narrow(0, t * n, n);
      matmul(gt.unsqueeze(0), hPrev.unsqueeze(0), whhT, 1, 1);
      Tensor ht = hs.narrow(0, t * n, n);
      Tensor ct = cs.narrow(0, t * n, n);
      lstmCell(gt, cPrev, ht, ct);
      hPrev = ht;
      cPrev = ct;
    }
    copy(cN, cPrev);
  }

  /**
   * The backward of {@link #lstmRecurrence}, over all steps in reverse: from the activations
   * {@code act} (L N, 4H) and cells {@code cs} (L N, H) it left, its {@code c0} and {@code whh},
   * the gradient {@code gradOut} (L N, H) of its hs and {@code dcN} (N, H) of c_N, writes the
   * gradient of the pre-activations into {@code dGates} (L N, 4H). The last step's h gradient is
   * gradOut's rows of that step. {@code dh} and {@code dc} (N, H) are the running gradients of
   * h and c, whose contents on entry are not read (dc may be dcN itself); on return dc holds
   * c0's gradient and, with {@code needDh0}, dh holds h0's (without, dh's contents are
   * unspecified). Per step: {@link #lstmCellBackward}, then {@code dh = gradOut_{t'} + dGates_t
   * W_hh} for the step t' processed before t.
   *
   * <p>Operands contiguous but whh (any strides), one float dtype. A GPU runs it in one launch;
   * the default runs an lstmCellBackward and a matmulAdd per step.
   */
  default void lstmRecurrenceBackward(Tensor act, Tensor cs, Tensor c0, Tensor whh,
      Tensor gradOut, Tensor dcN, Tensor dh, Tensor dc, Tensor dGates, boolean needDh0,
      boolean reverse) {
    int[] d = OperandChecks.lstmRecurrenceBackward(operand(act, "act"), operand(cs, "cs"),
        operand(c0, "c0"), operand(whh, "whh"), operand(gradOut, "gradOut"),
        operand(dcN, "dcN"), operand(dh, "dh"), operand(dc, "dc"), operand(dGates, "dGates"));
    int len = d[0];
    int n = d[1];
    if (d[2] == 0) {
      return;
    }
    copy(dh, gradOut.narrow(0, (reverse ? 0 : len - 1) * n, n));
    copy(dc, dcN);
    Tensor w = whh.unsqueeze(0);
    for (int s = len - 1; s >= 0; s--) {
      int t = reverse ? len - 1 - s : s;
      int tp = reverse ? t + 1 : t - 1;
      Tensor cp = s == 0 ? c0 : cs.narrow(0, tp * n, n);
      Tensor dGt = dGates.narrow(0, t * n, n);
      lstmCellBackward(act.narrow(0, t * n, n), cp, cs.narrow(0, t * n, n), dh, dc, dGt, dc);
      if (s > 0) {
        matmulAdd(dh.unsqueeze(0), dGt.unsqueeze(0), w,
            gradOut.narrow(0, tp * n, n).unsqueeze(0), 1, 1);
      } else if (needDh0) {
        matmul(dh.unsqueeze(0), dGt.unsqueeze(0), w, 1, 0);
      }
    }
  }

  /**
   * The recurrence of one GRU layer-direction over all L steps (see {@link #lstmRecurrence} for
   * the order of the steps): per step {@code hg = hPrev W_hh^T + b_hh}, then {@link #gruCell}
   * with rows t of {@code xg}, writing h_t into rows t of {@code hs} and the saved values into
   * rows t of {@code saved}; hPrev is {@code h0} at the first step.
   *
   * <p>xg (L N, 3H) the input projections with b_ih; whh (3H, H), any strides; bhh (3H) or null;
   * h0 (N, H); hs (L N, H); saved (L N, 4H); contiguous but whh, one float dtype. A GPU runs it in
   * one launch; the default runs a matmul and a gruCell per step.
   */
  default void gruRecurrence(Tensor xg, Tensor whh, Tensor bhh, Tensor h0, Tensor hs,
      Tensor saved, boolean reverse) {
    int[] d = OperandChecks.gruRecurrence(operand(xg, "xg"), operand(whh, "whh"),
        operand(bhh, "bhh"), operand(h0, "h0"), operand(hs, "hs"), operand(saved, "saved"));
    int len = d[0];
    int n = d[1];
    int h = d[2];
    if (h == 0) {
      return;
    }
    Tensor hg = Tensor.empty(xg.dtype(), xg.device(), n, 3 * h);
    Tensor whhT = whh.transpose(0, 1).unsqueeze(0);
    Tensor hPrev = h0;
    for (int s = 0; s < len; s++) {
      int t = reverse ? len - 1 - s : s;
      if (bhh != null) {
        copy(hg, bhh.unsqueeze(0).expand(n, 3 * h));
      }
      matmul(hg.unsqueeze(0), hPrev.unsqueeze(0), whhT, 1, bhh != null ? 1 : 0);
      Tensor ht = hs.narrow(0, t * n, n);
      gruCell(xg.narrow(0, t * n, n), hg, hPrev, ht, saved.narrow(0, t * n, n));
      hPrev = ht;
    }
  }

  /**
   * The backward of {@link #gruRecurrence}, over all steps in reverse: from its {@code saved},
   * {@code hs} and {@code h0}, {@code whh}, and the gradient {@code gradOut} (L N, H) of hs,
   * writes the gradients of the input projections {@code dXg} and of the recurrent ones {@code
   * dHg} (L N, 3H). The last step's h gradient is gradOut's rows of that step; {@code dh} (N, H)
   * is the running gradient of h, whose contents on entry are not read, and, with {@code
   * needDh0}, holds h0's on return. Per step: {@link #gruCellBackward}, then {@code dh = dh z +
   * gradOut_{t'} + dHg_t W_hh} for the step t' processed before t.
   *
   * <p>Operands contiguous but whh (any strides), one float dtype. A GPU runs it in one launch;
   * the default runs a gruCellBackward, an add and a matmul per step.
   */
  default void gruRecurrenceBackward(Tensor saved, Tensor hs, Tensor h0, Tensor whh,
      Tensor gradOut, Tensor dh, Tensor dXg, Tensor dHg, boolean needDh0, boolean reverse) {
    int[] d = OperandChecks.gruRecurrenceBackward(operand(saved, "saved"), operand(hs, "hs"),
        operand(h0, "h0"), operand(whh, "whh"), operand(gradOut, "gradOut"), operand(dh, "dh"),
        operand(dXg, "dXg"), operand(dHg, "dHg"));
    int len = d[0];
    int n = d[1];
    if (d[2] == 0) {
      return;
    }
    copy(dh, gradOut.narrow(0, (reverse ? 0 : len - 1) * n, n));
    Tensor w = whh.unsqueeze(0);
    for (int s = len - 1; s >= 0; s--) {
      int t = reverse ? len - 1 - s : s;
      int tp = reverse ? t + 1 : t - 1;
      Tensor hp = s == 0 ? h0 : hs.narrow(0, tp * n, n);
      Tensor dHgt = dHg.narrow(0, t * n, n);
      gruCellBackward(saved.narrow(0, t * n, n), hp, dh, dXg.narrow(0, t * n, n), dHgt, dh);
      if (s > 0) {
        binary(BinaryOp.ADD, dh, dh, gradOut.narrow(0, tp * n, n));
      }
      if (s > 0 || needDh0) {
        matmul(dh.unsqueeze(0), dHgt.unsqueeze(0), w, 1, 1);
      }
    }
  }

  /**
   * The recurrence of one Elman RNN layer-direction over all L steps (see {@link
   * #lstmRecurrence} for the order of the steps): per step, rows t of {@code pre} get {@code
   * hPrev W_hh^T} added and h_t = tanh (or relu) of them goes into rows t of {@code hs}; hPrev is
   * {@code h0} at the first step.
   *
   * <p>pre (L N, H) the input projections with both biases, rewritten; whh (H, H), any strides;
   * h0 (N, H); hs (L N, H); contiguous but whh, one float dtype. A GPU runs it in one launch; the
   * default runs a matmul and a unary op per step.
   */
  default void rnnRecurrence(Tensor pre, Tensor whh, Tensor h0, Tensor hs, boolean relu,
      boolean reverse) {
    int[] d = OperandChecks.rnnRecurrence(operand(pre, "pre"), operand(whh, "whh"),
        operand(h0, "h0"), operand(hs, "hs"));
    int len = d[0];
    int n = d[1];
    if (d[2] == 0) {
      return;
    }
    Tensor whhT = whh.transpose(0, 1).unsqueeze(0);
    Tensor hPrev = h0;
    for (int s = 0; s < len; s++) {
      int t = reverse ? len - 1 - s : s;
      Tensor pt = pre.narrow(0, t * n, n);
      matmul(pt.unsqueeze(0), hPrev.unsqueeze(0), whhT, 1, 1);
      Tensor ht = hs.narrow(0, t * n, n);
      unary(relu ? UnaryOp.RELU : UnaryOp.TANH, ht, pt, 0, 0);
      hPrev = ht;
    }
  }

  /**
   * The backward of {@link #rnnRecurrence}, over all steps in reverse: from its {@code hs} and
   * {@code whh} and the gradient {@code gradOut} (L N, H) of hs, writes the gradient of the
   * pre-activations into {@code dG} (L N, H): {@code dh (1 - h^2)} for tanh, PyTorch's {@code
   * threshold_backward} ({@link BinaryOp#RELU_GRAD}) for relu. The last step's h gradient is
   * gradOut's rows of that step; {@code dh} (N, H) is the running gradient of h, whose contents
   * on entry are not read, and, with {@code needDh0}, holds h0's on return. Per step, after dG_t:
   * {@code dh = gradOut_{t'} + dG_t W_hh}.
   *
   * <p>Operands contiguous but whh (any strides), one float dtype. A GPU runs it in one launch;
   * the default runs one or three elementwise ops and a matmul per step.
   */
  default void rnnRecurrenceBackward(Tensor hs, Tensor whh, Tensor gradOut, Tensor dh,
      Tensor dG, boolean relu, boolean needDh0, boolean reverse) {
    int[] d = OperandChecks.rnnRecurrenceBackward(operand(hs, "hs"), operand(whh, "whh"),
        operand(gradOut, "gradOut"), operand(dh, "dh"), operand(dG, "dG"));
    int len = d[0];
    int n = d[1];
    if (d[2] == 0) {
      return;
    }
    copy(dh, gradOut.narrow(0, (reverse ? 0 : len - 1) * n, n));
    Tensor w = whh.unsqueeze(0);
    for (int s = len - 1; s >= 0; s--) {
      int t = reverse ? len - 1 - s : s;
      int tp = reverse ? t + 1 : t - 1;
      Tensor ht = hs.narrow(0, t * n, n);
      Tensor dGt = dG.narrow(0, t * n, n);
      if (relu) {
        binary(BinaryOp.RELU_GRAD, dGt, dh, ht);
      } else {
        // dh (1 - h^2) as dh - h h dh.
        binary(BinaryOp.MUL, dGt, ht, ht);
        binary(BinaryOp.MUL, dGt, dGt, dh);
        binary(BinaryOp.SUB, dGt, dh, dGt);
      }
      if (s > 0) {
        matmulAdd(dh.unsqueeze(0), dGt.unsqueeze(0), w,
            gradOut.narrow(0, tp * n, n).unsqueeze(0), 1, 1);
      } else if (needDh0) {
        matmul(dh.unsqueeze(0), dGt.unsqueeze(0), w, 1, 0);
      }
    }
  }

  /**
   * GRU cell forward, PyTorch's formula and gate order (r, z, n): with {@code xg = x W_ih^T +
   * b_ih} and {@code hg = hPrev W_hh^T + b_hh} (N, 3H),
   *
   * <pre>
   * r = sigmoid(xg_r + hg_r)   z = sigmoid(xg_z + hg_z)   n = tanh(xg_n + r * hg_n)
   * h = (1 - z) * n + z * hPrev
   * </pre>
   *
   * Writes h (N, H) and {@code saved} (N, 4H) = (r, z, n, hg_n) for {@link #gruCellBackward}.
   */
  void gruCell(Tensor xg, Tensor hg, Tensor hPrev, Tensor h, Tensor saved);

  /**
   * GRU cell backward: from {@code saved} (N, 4H) and {@code hPrev} of {@link #gruCell} and the
   * gradient {@code dh} of h, writes the gradients of the pre-activations {@code dxg}, {@code dhg}
   * (N, 3H) and the direct part {@code dh * z} of the previous state's gradient into {@code
   * dhPrev} (N, H; may be {@code dh} itself), to which the caller adds {@code dhg W_hh}.
   */
  void gruCellBackward(
      Tensor saved, Tensor hPrev, Tensor dh, Tensor dxg, Tensor dhg, Tensor dhPrev);
}
