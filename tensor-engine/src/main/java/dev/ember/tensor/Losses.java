package dev.ember.tensor;

import static dev.ember.autograd.Autograd.record;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.SavedTensor;
import dev.ember.backend.Backend;

/**
 * Fused loss operators: fewer passes over the data and, on a GPU, fewer kernel launches than the
 * same loss composed from tensor operators, with the same values.
 */
public final class Losses {
  private Losses() {}

  /**
   * Per-row cross-entropy of (N, C) logits against int64 class indices (N): {@code loss_i =
   * -log_softmax(x_i)[t_i]}, 0 where {@code t_i == ignoreIndex}. Forward: the backend's
   * log-softmax, then one pass picking each row's target. Backward: one pass, {@code g_i *
   * (softmax(x_i) - onehot(t_i))}, instead of the gradients of the log-softmax and of the pick
   * (scatter into zeros, then a reduction and two elementwise passes). Under {@code createGraph}
   * the backward is composed from differentiable operators instead, so higher-order gradients
   * work.
   *
   * <p>The targets must already be checked (in [0, C) or ignoreIndex): {@code F.crossEntropy}
   * does, naming the first bad one.
   *
   * @throws IllegalArgumentException if the shapes or dtypes do not fit
   */
  public static Tensor crossEntropyRows(Tensor logits, Tensor target, int ignoreIndex) {
    Tensor logp = logSoftmax("crossEntropyRows", logits);
    Tensor t = target.to(DType.INT64);
    int n = logits.size(0);
    Tensor loss = Tensor.allocate(logits.dtype(), logits.device(), new int[] {n});
    if (n > 0) {
      logits.backend().nllRows(loss, logp, t, ignoreIndex);
    }
    recordBackward(loss, logits, logp, t, ignoreIndex, null);
    return loss;
  }

  /**
   * The mean of {@link #crossEntropyRows} over the rows whose target is not ignoreIndex (NaN when
   * there is none), with the targets checked by the backend ({@link Backend#nllMean}: on a GPU in
   * the kernel, reported at the thread's next read, so nothing is read back here). Forward: the
   * log-softmax, the mean and the count of the rows it covers in {@link
   * Backend#logSoftmaxNllMean} (on a GPU one launch for small logits).
   * Backward: {@code g / count} as the scale of every row, in the one pass of {@link
   * Backend#crossEntropyMeanBackward}; under {@code createGraph} composed from differentiable
   * operators instead.
   *
   * @param what the loss's name, which begins the message of a bad target's exception
   * @throws IllegalArgumentException if the shapes or dtypes do not fit
   */
  public static Tensor crossEntropyMean(Tensor logits, Tensor target, int ignoreIndex,
      String what) {
    Tensor t = target.to(DType.INT64);
    Tensor mean = Tensor.allocate(logits.dtype(), logits.device(), new int[0]);
    Tensor count = Tensor.allocate(logits.dtype(), logits.device(), new int[0]);
    Tensor logp;
    if (logits.dim() == 2 && logits.dtype().isFloatingPoint() && logits.numel() > 0) {
      // One backend pass for both (one launch on a GPU).
      logp = Tensor.allocate(logits.dtype(), logits.device(), logits.shapeRef());
      logits.backend().logSoftmaxNllMean(logp, mean, count, logits, t, ignoreIndex, what);
    } else {
      logp = logSoftmax("crossEntropyMean", logits);
      logits.backend().nllMean(mean, count, logp, t, ignoreIndex, what);
    }
    recordBackward(mean, logits, logp, t, ignoreIndex, count);
    return mean;
  }

  /** The log-softmax of (N, C) float logits, outside autograd (the losses record their own). */
  private static Tensor logSoftmax(String op, Tensor logits) {
    if (logits.dim() != 2 || !logits.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(
          op + " needs (N, C) float logits, got " + logits.describe());
    }
    try (var ng = Autograd.noGrad()) {
      return logits.logSoftmax(1);
    }
  }

  /**
   * Records the backward of a cross-entropy output: per row ({@code count} null; the rows'
   * upstream gradient is the scale) or a mean over {@code count} rows (the 0-d upstream gradient
   * over count is every row's scale): {@code scale_i * (softmax(x_i) - onehot(t_i))}, 0 in ignored
   * rows, in one pass of {@link Backend#crossEntropyBackward} or {@link
   * Backend#crossEntropyMeanBackward}; under {@code createGraph} the same formula from
   * differentiable operators, on a log-softmax that is itself recorded.
   */
  private static void recordBackward(Tensor out, Tensor logits, Tensor logp, Tensor t,
      int ignoreIndex, Tensor count) {
    int n = logits.size(0);
    SavedTensor savedLogp = SavedTensor.of(logp);
    SavedTensor savedLogits = SavedTensor.of(logits);
    SavedTensor savedTarget = SavedTensor.of(t);
    SavedTensor savedCount = SavedTensor.of(count);
    record("CrossEntropyBackward", out, (g, needs) -> {
      Tensor lp = savedLogp.get();
      Tensor tt = savedTarget.get();
      if (Autograd.isGradEnabled()) {
        Tensor scale = count == null ? g : g.div(savedCount.get());
        Tensor keep = tt.ne(ignoreIndex);
        Tensor safe = Tensor.where(keep, tt, 0L);
        Tensor onehot = Tensor.zeros(lp.dtype(), lp.device(), n, lp.size(1))
            .scatter(1, safe.unsqueeze(1), 1.0);
        Tensor p = savedLogits.get().logSoftmax(1).exp();
        return new Tensor[] {p.sub(onehot).mul(scale.mul(keep.to(lp.dtype())).unsqueeze(1))};
      }
      Tensor grad = Tensor.allocate(lp.dtype(), lp.device(), lp.shapeRef());
      if (n > 0) {
        if (count == null) {
          logits.backend().crossEntropyBackward(grad, lp, tt, g, ignoreIndex);
        } else {
          logits.backend().crossEntropyMeanBackward(grad, lp, tt, g, savedCount.get(),
              ignoreIndex);
        }
      }
      return new Tensor[] {grad};
    }, logits);
  }
}
