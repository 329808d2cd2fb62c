package dev.ember.nn;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.autograd.SavedTensor;
import dev.ember.backend.UnaryOp;
import dev.ember.tensor.Conv;
import dev.ember.tensor.DType;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Layers;
import dev.ember.tensor.Losses;
import dev.ember.tensor.Tensor;
import java.util.Arrays;

/**
 * The functional namespace, as {@code torch.nn.functional}: every layer and loss calls these, and
 * a custom model can call them directly. Each function is a composition of tensor operators, so
 * its gradient comes from theirs; the exceptions are noted where a fused primitive is used.
 */
public final class F {
  private F() {}

  // ---------------------------------------------------------------------------------------------
  // Linear

  /**
   * {@code y = x W^T + b}.
   *
   * <pre>
   * input  (*, in)      weight (out, in)      bias (out) or null      output (*, out)
   * </pre>
   *
   * @throws IllegalArgumentException if the last dim of the input is not {@code in}
   */
  public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
    checkLinear("linear", input, weight);
    Tensor x2 = rows(input, weight);
    Tensor y;
    try (GradMode ng = Autograd.noGrad()) {
      y = bias != null ? bias.addmm(x2, weight.t()) : x2.matmul(weight.t());
    }
    // Fused backward: the weight's gradient is computed as g^T x, already in W's (out, in)
    // layout, rather than (x^T g)^T through a transposed view that accumulation would copy.
    SavedTensor sx = SavedTensor.of(x2);
    SavedTensor sw = SavedTensor.of(weight);
    Autograd.record("LinearBackward", y, (g, n) -> {
      Tensor[] grads = Layers.linearGrads(g, sw.get(), sx.get(), n[0], n[1]);
      return new Tensor[] {grads[0], grads[1], n[2] ? g.sum(0) : null};
    }, x2, weight, bias);
    return unrows(input, y);
  }

  /**
   * {@code relu(linear(input, weight, bias))} in one fused operator ({@link
   * dev.ember.tensor.Layers#linearRelu}): on a GPU the ReLU is applied as the GEMM stores its
   * tiles, one launch instead of two; the same values and gradients. {@link Sequential} uses it
   * for a {@code Linear} followed by a {@code ReLU} on a GPU.
   */
  public static Tensor linearRelu(Tensor input, Tensor weight, Tensor bias) {
    checkLinear("linearRelu", input, weight);
    return unrows(input, Layers.linearRelu(rows(input, weight), weight, bias));
  }

  /**
   * {@code gelu(linear(input, weight, bias), approximate)} ({@code "none"} or {@code "tanh"}).
   * With no gradient to record (grad mode off, or no operand that requires one: inference) one
   * fused operator ({@link dev.ember.tensor.Layers#linearActivation}): on a GPU the GELU is
   * applied as the GEMM stores its tiles, one launch instead of two. Otherwise the two operators,
   * with their gradients. {@link Sequential} uses it for a {@code Linear} followed by a {@code
   * GELU} on a GPU.
   */
  public static Tensor linearGelu(Tensor input, Tensor weight, Tensor bias, String approximate) {
    UnaryOp act = switch (approximate) {
      case "none" -> UnaryOp.GELU;
      case "tanh" -> UnaryOp.GELU_TANH;
      default -> throw new IllegalArgumentException(
          "linearGelu: approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
    };
    if (Autograd.needsGrad(input, weight, bias)) {
      return gelu(linear(input, weight, bias), approximate);
    }
    checkLinear("linearGelu", input, weight);
    return unrows(input, Layers.linearActivation(rows(input, weight), weight, bias, act));
  }

  /**
   * {@code silu(linear(input, weight, bias))}: fused as {@link #linearGelu} is, when there is no
   * gradient to record. {@link Sequential} uses it for a {@code Linear} followed by a {@code
   * SiLU} on a GPU.
   */
  public static Tensor linearSilu(Tensor input, Tensor weight, Tensor bias) {
    if (Autograd.needsGrad(input, weight, bias)) {
      return silu(linear(input, weight, bias));
    }
    checkLinear("linearSilu", input, weight);
    return unrows(input, Layers.linearActivation(rows(input, weight), weight, bias,
        UnaryOp.SILU));
  }

  /** A Linear's input (*, in) as rows (N, in). */
  private static Tensor rows(Tensor input, Tensor weight) {
    return input.dim() == 2 ? input : input.reshape(-1, weight.size(1));
  }

  /** A Linear's output rows (N, out) in the input's leading shape (*, out). */
  private static Tensor unrows(Tensor input, Tensor y) {
    if (input.dim() == 2) {
      return y;
    }
    int[] shape = input.shape();
    shape[shape.length - 1] = y.size(1);
    return y.reshape(shape);
  }

  /** Checks that input (*, in) fits a weight (out, in). */
  private static void checkLinear(String op, Tensor input, Tensor weight) {
    int[] s = input.shape();
    if (weight.dim() != 2 || s.length == 0 || s[s.length - 1] != weight.size(1)) {
      throw new IllegalArgumentException(
          op + ": input " + input.describe() + " does not match weight " + weight.describe()
              + " (expected input of shape (*, " + (weight.dim() == 2 ? weight.size(1) : "?")
              + "))");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Convolution and pooling (see dev.ember.tensor.Conv for shapes and checks)

  /** 1-D convolution: input (N, C, L), weight (O, C / groups, K). */
  public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, int padding,
      int dilation, int groups) {
    return Conv.conv1d(input, weight, bias, stride, padding, dilation, groups);
  }

  /** 2-D convolution: input (N, C, H, W), weight (O, C / groups, kH, kW). */
  public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride,
      int[] padding, int[] dilation, int groups) {
    return Conv.conv2d(input, weight, bias, stride, padding, dilation, groups);
  }

  /**
   * {@code relu(conv2d(...))} in one fused operator ({@link Layers#conv2dRelu}): on a GPU, without
   * groups, the ReLU is applied as the product stores its tiles, one launch fewer; the same
   * values and gradients. {@link Sequential} uses it for a {@code Conv2d} followed by a {@code
   * ReLU} on a GPU.
   */
  public static Tensor conv2dRelu(Tensor input, Tensor weight, Tensor bias, int[] stride,
      int[] padding, int[] dilation, int groups) {
    return Layers.conv2dRelu(input, weight, bias, stride, padding, dilation, groups);
  }

  /** 2-D transposed convolution: input (N, C, H, W), weight (C, O / groups, kH, kW). */
  public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int[] stride,
      int[] padding, int[] outputPadding, int groups, int[] dilation) {
    return Conv.convTranspose2d(input, weight, bias, stride, padding, outputPadding, groups,
        dilation);
  }

  /** Max pooling over (kH, kW) windows. */
  public static Tensor maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding,
      int[] dilation, boolean ceilMode) {
    return Conv.maxPool2d(input, kernel, stride, padding, dilation, ceilMode);
  }

  /** Average pooling over (kH, kW) windows; {@code divisorOverride} 0 for none. */
  public static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding,
      boolean ceilMode, boolean countIncludePad, int divisorOverride) {
    return Conv.avgPool2d(input, kernel, stride, padding, ceilMode, countIncludePad,
        divisorOverride);
  }

  /** Adaptive average pooling to {oH, oW}. */
  public static Tensor adaptiveAvgPool2d(Tensor input, int[] outputSize) {
    return Conv.adaptiveAvgPool2d(input, outputSize);
  }

  // ---------------------------------------------------------------------------------------------
  // Activations

  /** {@code max(x, 0)}. */
  public static Tensor relu(Tensor x) {
    return x.relu();
  }

  /** {@code x} where positive, else {@code slope * x}. */
  public static Tensor leakyRelu(Tensor x, double negativeSlope) {
    return x.leakyRelu(negativeSlope);
  }

  /** {@code x} where positive, else {@code alpha * (exp(x) - 1)}. */
  public static Tensor elu(Tensor x, double alpha) {
    // expm1 of min(x, 0): the unselected branch stays finite, so its zero gradient is not 0 * inf.
    Tensor neg = x.clampMax(0).expm1().mul(alpha);
    return Tensor.where(x.gt(0), x, neg);
  }

  /** GELU, exact ({@code "none"}) or with the tanh approximation ({@code "tanh"}). */
  public static Tensor gelu(Tensor x, String approximate) {
    return x.gelu(approximate);
  }

  /** {@code x * sigmoid(x)}. */
  public static Tensor silu(Tensor x) {
    return x.silu();
  }

  /** {@code 1 / (1 + exp(-x))}. */
  public static Tensor sigmoid(Tensor x) {
    return x.sigmoid();
  }

  /** Hyperbolic tangent. */
  public static Tensor tanh(Tensor x) {
    return x.tanh();
  }

  /** {@code log(1 + exp(beta x)) / beta}, linear above {@code threshold}. */
  public static Tensor softplus(Tensor x, double beta, double threshold) {
    return x.softplus(beta, threshold);
  }

  /** Softmax along {@code dim}. */
  public static Tensor softmax(Tensor x, int dim) {
    return x.softmax(dim);
  }

  /** Log-softmax along {@code dim}. */
  public static Tensor logSoftmax(Tensor x, int dim) {
    return x.logSoftmax(dim);
  }

  // ---------------------------------------------------------------------------------------------
  // Dropout and embedding

  /**
   * Zeroes each element with probability {@code p} and scales the rest by {@code 1 / (1 - p)}
   * when {@code training}; the identity otherwise.
   *
   * @throws IllegalArgumentException unless {@code 0 <= p <= 1}
   */
  public static Tensor dropout(Tensor x, double p, boolean training, Generator gen) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(
          "dropout probability has to be between 0 and 1, but got " + p);
    }
    if (!training || p == 0) {
      return x;
    }
    if (p == 1) {
      return x.mul(0);
    }
    // PyTorch's form: noise = bernoulli_(1 - p), then x * (noise / (1 - p)).
    Tensor keep = Tensor.emptyLike(x).bernoulli_(1 - p, gen);
    return x.mul(keep.div(1 - p));
  }

  /** {@link #dropout(Tensor, double, boolean, Generator)} with the default generator. */
  public static Tensor dropout(Tensor x, double p, boolean training) {
    return dropout(x, p, training, Generator.getDefault());
  }

  /**
   * Rows of {@code weight} picked by {@code indices}: output shape {@code indices.shape + [dim]}.
   * Rows at {@code paddingIdx} (negative counts from the end; {@code null} for none) get no
   * gradient.
   *
   * @throws IllegalArgumentException for non-integer indices
   * @throws IndexOutOfBoundsException naming the first index outside {@code [0, numEmbeddings)}
   */
  public static Tensor embedding(Tensor indices, Tensor weight, Integer paddingIdx) {
    if (indices.dtype() != DType.INT64 && indices.dtype() != DType.INT32) {
      throw new IllegalArgumentException(
          "embedding: indices must be int64 or int32, got " + indices.describe());
    }
    if (weight.dim() != 2) {
      throw new IllegalArgumentException(
          "embedding: weight must be 2-D (numEmbeddings, dim), got " + weight.describe());
    }
    int n = weight.size(0);
    Tensor flat = indices.reshape(-1).to(DType.INT64);
    Tensor rows = weight.indexSelect(0, flat);
    if (paddingIdx != null) {
      int pad = paddingIdx < 0 ? paddingIdx + n : paddingIdx;
      if (pad < 0 || pad >= n) {
        throw new IllegalArgumentException(
            "embedding: paddingIdx " + paddingIdx + " is out of range for " + n + " embeddings");
      }
      // Same values; the padding rows come through a detached copy, so they get no gradient.
      rows = Tensor.where(flat.ne(pad).unsqueeze(1), rows, rows.detach());
    }
    int[] shape = Arrays.copyOf(indices.shape(), indices.dim() + 1);
    shape[indices.dim()] = weight.size(1);
    return rows.reshape(shape);
  }

  // ---------------------------------------------------------------------------------------------
  // Normalization

  /**
   * Layer normalization over the last {@code normalizedShape.length} dims: {@code (x - mean) /
   * sqrt(var + eps) * weight + bias}, with the biased variance; weight and bias (shape {@code
   * normalizedShape}) may be null.
   *
   * @throws IllegalArgumentException if the input's trailing dims are not {@code normalizedShape}
   */
  public static Tensor layerNorm(
      Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
    int k = normalizedShape.length;
    int[] s = x.shape();
    if (k == 0 || k > s.length
        || !Arrays.equals(Arrays.copyOfRange(s, s.length - k, s.length), normalizedShape)) {
      throw new IllegalArgumentException(
          "layerNorm: expected input with shape [*, " + Arrays.toString(normalizedShape)
              .replaceAll("[\\[\\]]", "") + "], but got " + x.describe());
    }
    int[] dims = new int[k];
    for (int i = 0; i < k; i++) {
      dims[i] = s.length - k + i;
    }
    Tensor centered = x.sub(x.mean(dims, true));
    Tensor y = centered.mul(centered.square().mean(dims, true).add(eps).rsqrt());
    if (weight != null) {
      y = y.mul(weight);
    }
    return bias == null ? y : y.add(bias);
  }

  /**
   * Batch normalization over every dim but 1 (channels). In training, normalizes with the batch's
   * mean and biased variance and, when running statistics are given, updates them in place:
   * {@code running = (1 - momentum) running + momentum batch} (the variance unbiased). In
   * evaluation, normalizes with the running statistics.
   *
   * <pre>
   * input (N, C) or (N, C, *)    runningMean, runningVar, weight, bias: (C) or null
   * </pre>
   *
   * @throws IllegalArgumentException when training on one value per channel, or on a channel
   *     count that does not match the statistics
   */
  public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight,
      Tensor bias, boolean training, double momentum, double eps) {
    if (x.dim() < 2) {
      throw new IllegalArgumentException(
          "batchNorm: expected input of shape (N, C) or (N, C, *), got " + x.describe());
    }
    int c = x.size(1);
    for (Tensor t : new Tensor[] {runningMean, runningVar, weight, bias}) {
      if (t != null && (t.dim() != 1 || t.size(0) != c)) {
        throw new IllegalArgumentException(
            "batchNorm: input " + x.describe() + " has " + c + " channels but a parameter or"
                + " statistic has shape " + Arrays.toString(t.shape()));
      }
    }
    int[] shape = new int[x.dim()];
    Arrays.fill(shape, 1);
    shape[1] = c;
    int[] dims = new int[x.dim() - 1];
    dims[0] = 0;
    for (int i = 2; i < x.dim(); i++) {
      dims[i - 1] = i;
    }
    Tensor y;
    if (training) {
      long count = x.numel() / Math.max(c, 1);
      if (count <= 1) {
        throw new IllegalArgumentException(
            "batchNorm: expected more than 1 value per channel when training, got input of shape "
                + Arrays.toString(x.shape()));
      }
      Tensor mean = x.mean(dims, true);
      Tensor centered = x.sub(mean);
      Tensor var = centered.square().mean(dims, true);
      y = centered.mul(var.add(eps).rsqrt());
      if (runningMean != null || runningVar != null) {
        try (GradMode ng = Autograd.noGrad()) {
          if (runningMean != null) {
            runningMean.mul_(1 - momentum).add_(mean.reshape(c).detach().mul(momentum));
          }
          if (runningVar != null) {
            runningVar.mul_(1 - momentum)
                .add_(var.reshape(c).detach().mul(momentum * count / (count - 1.0)));
          }
        }
      }
    } else {
      if (runningMean == null || runningVar == null) {
        throw new IllegalArgumentException(
            "batchNorm: evaluation mode needs running statistics (track_running_stats)");
      }
      y = x.sub(runningMean.reshape(shape)).mul(runningVar.reshape(shape).add(eps).rsqrt());
    }
    if (weight != null) {
      y = y.mul(weight.reshape(shape));
    }
    return bias == null ? y : y.add(bias.reshape(shape));
  }

  // ---------------------------------------------------------------------------------------------
  // Losses

  private static Tensor reduce(Tensor loss, Reduction reduction) {
    return switch (reduction) {
      case NONE -> loss;
      case MEAN -> loss.mean();
      case SUM -> loss.sum();
    };
  }

  /**
   * Input and target of elementwise losses must have the same shape. PyTorch broadcasts them with
   * a warning; Ember refuses, because (N, 1) against (N) silently computes an N x N loss.
   */
  private static void sameShape(String loss, Tensor input, Tensor target) {
    if (!Arrays.equals(input.shape(), target.shape())) {
      throw new IllegalArgumentException(
          loss + ": input " + input.describe() + " and target " + target.describe()
              + " must have the same shape");
    }
  }

  /** Squared error {@code (x - y)^2}. */
  public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
    sameShape("mseLoss", input, target);
    return reduce(input.sub(target).square(), reduction);
  }

  /** Absolute error {@code |x - y|}. */
  public static Tensor l1Loss(Tensor input, Tensor target, Reduction reduction) {
    sameShape("l1Loss", input, target);
    return reduce(input.sub(target).abs(), reduction);
  }

  /**
   * {@code 0.5 d^2 / beta} where {@code |d| < beta}, else {@code |d| - 0.5 beta} ({@code beta = 0}
   * is the L1 loss).
   */
  public static Tensor smoothL1Loss(Tensor input, Tensor target, Reduction reduction, double beta) {
    sameShape("smoothL1Loss", input, target);
    if (beta < 0) {
      throw new IllegalArgumentException("smoothL1Loss: beta must be non-negative, got " + beta);
    }
    Tensor d = input.sub(target).abs();
    if (beta == 0) {
      return reduce(d, reduction);
    }
    Tensor loss = Tensor.where(d.lt(beta), d.square().mul(0.5 / beta), d.sub(0.5 * beta));
    return reduce(loss, reduction);
  }

  /** {@code 0.5 d^2} where {@code |d| < delta}, else {@code delta (|d| - 0.5 delta)}. */
  public static Tensor huberLoss(Tensor input, Tensor target, Reduction reduction, double delta) {
    sameShape("huberLoss", input, target);
    if (!(delta > 0)) {
      throw new IllegalArgumentException("huberLoss: delta must be positive, got " + delta);
    }
    Tensor d = input.sub(target).abs();
    Tensor loss = Tensor.where(d.lt(delta), d.square().mul(0.5), d.sub(0.5 * delta).mul(delta));
    return reduce(loss, reduction);
  }

  /** The class count of a checked class-index target, and whether any target is ignored. */
  private record ClassTarget(int classes, boolean anyIgnored, int valid) {}

  /** Checks a class-index target against a (N, C, *) input. */
  private static ClassTarget checkClassTarget(String loss, Tensor input, Tensor target, int ignoreIndex) {
    int c = checkClassTargetShape(loss, input, target);
    boolean anyIgnored = false;
    int valid = 0;
    if (target.numel() > 0) {
      long[] t = target.reshape(-1).toLongArray();
      for (int i = 0; i < t.length; i++) {
        anyIgnored |= t[i] == ignoreIndex;
        valid += t[i] == ignoreIndex ? 0 : 1;
        if ((t[i] < 0 || t[i] >= c) && t[i] != ignoreIndex) {
          throw new IndexOutOfBoundsException(
              loss + ": target " + t[i] + " at position " + i + " is out of bounds for " + c
                  + " classes");
        }
      }
    }
    return new ClassTarget(c, anyIgnored, valid);
  }

  /**
   * Checks a class-index target's dtype and shape against a (N, C, *) input, without reading its
   * values; returns C.
   */
  private static int checkClassTargetShape(String loss, Tensor input, Tensor target) {
    if (target.dtype() != DType.INT64 && target.dtype() != DType.INT32) {
      throw new IllegalArgumentException(
          loss + ": class-index targets must be int64 or int32, got " + target.describe());
    }
    int[] s = input.shape();
    if (s.length < 1) {
      throw new IllegalArgumentException(loss + ": input must have a class dim, got " + input.describe());
    }
    boolean batched = s.length >= 2;
    int c = batched ? s[1] : s[0];
    int[] expected;
    if (batched) {
      expected = new int[s.length - 1];
      expected[0] = s[0];
      System.arraycopy(s, 2, expected, 1, s.length - 2);
    } else {
      expected = new int[0];
    }
    if (!Arrays.equals(target.shape(), expected)) {
      throw new IllegalArgumentException(
          loss + ": expected target of shape " + Arrays.toString(expected) + " for input "
              + input.describe() + ", got " + target.describe());
    }
    return c;
  }

  /**
   * Negative log-likelihood of class-index targets given log-probabilities: {@code loss_i =
   * -weight[t_i] * input[i, t_i]}, 0 where {@code t_i == ignoreIndex}; the mean divides by the sum
   * of the weights of the targets that are not ignored.
   *
   * <pre>
   * input (N, C) or (N, C, d1, ...) or (C)    target (N) or (N, d1, ...) or () int64
   * weight (C) or null                        output: per reduction, (N, d1, ...) for NONE
   * </pre>
   *
   * @throws IndexOutOfBoundsException naming a target outside [0, C) that is not ignoreIndex
   */
  public static Tensor nllLoss(
      Tensor input, Tensor target, Tensor weight, int ignoreIndex, Reduction reduction) {
    ClassTarget ct = checkClassTarget("nllLoss", input, target, ignoreIndex);
    int c = ct.classes();
    boolean anyIgnored = ct.anyIgnored();
    if (weight != null && (weight.dim() != 1 || weight.size(0) != c)) {
      throw new IllegalArgumentException(
          "nllLoss: weight must have shape [" + c + "], got " + weight.describe());
    }
    boolean batched = input.dim() >= 2;
    Tensor t = target.to(DType.INT64);
    Tensor ignored = anyIgnored ? t.eq(ignoreIndex) : null;
    Tensor safe = anyIgnored ? Tensor.where(ignored, 0L, t) : t;
    Tensor picked = batched
        ? input.gather(1, safe.unsqueeze(1)).squeeze(1)
        : input.gather(0, safe.reshape(1)).reshape();
    Tensor w = weight == null ? null : weight.indexSelect(0, safe.reshape(-1)).reshape(safe.shape());
    if (anyIgnored) {
      Tensor keep = ignored.logicalNot().to(input.dtype());
      w = w == null ? keep : w.mul(keep);
    }
    Tensor loss = w == null ? picked.neg() : picked.mul(w).neg();
    if (reduction == Reduction.MEAN) {
      return w == null ? loss.mean() : loss.sum().div(w.sum());
    }
    return reduce(loss, reduction);
  }

  /**
   * Cross-entropy of logits against class indices (int64) or class probabilities (floating
   * point, the input's shape), as {@code torch.nn.functional.cross_entropy}: log-softmax over
   * dim 1 (dim 0 for an unbatched input) followed by {@link #nllLoss}, with optional class
   * weights, {@code ignoreIndex} (index targets only) and label smoothing {@code eps}, which mixes
   * the target with the uniform distribution: {@code (1 - eps) nll + eps / C * sum_c -w_c logp_c}.
   * With probability targets the mean divides by the number of samples.
   */
  public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, int ignoreIndex,
      Reduction reduction, double labelSmoothing) {
    if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
      throw new IllegalArgumentException(
          "crossEntropy: labelSmoothing must be in [0, 1], got " + labelSmoothing);
    }
    if (input.dim() < 1) {
      throw new IllegalArgumentException("crossEntropy: input must have a class dim, got " + input.describe());
    }
    int classDim = input.dim() >= 2 ? 1 : 0;
    int c = input.size(classDim);
    int[] wshape = new int[input.dim()];
    Arrays.fill(wshape, 1);
    wshape[classDim] = c;
    if (weight != null && (weight.dim() != 1 || weight.size(0) != c)) {
      throw new IllegalArgumentException(
          "crossEntropy: weight must have shape [" + c + "], got " + weight.describe());
    }
    if (!target.dtype().isFloatingPoint() && weight == null && labelSmoothing == 0
        && input.dim() == 2) {
      // The common case, fused (Losses.crossEntropyRows): the same values as log-softmax then
      // nllLoss, in fewer passes and, on a GPU, fewer launches.
      if (reduction == Reduction.MEAN && !input.device().isCpu()
          && target.device().equals(input.device())) {
        // On a GPU the mean and the target check are one kernel (Backend.nllMean), which flags
        // a bad target for the thread's next read instead of reading the targets here: a
        // training step then reads nothing back.
        checkClassTargetShape("nllLoss", input, target);
        return Losses.crossEntropyMean(input, target, ignoreIndex, "nllLoss");
      }
      ClassTarget ct = checkClassTarget("nllLoss", input, target, ignoreIndex);
      Tensor rows = Losses.crossEntropyRows(input, target, ignoreIndex);
      return switch (reduction) {
        case NONE -> rows;
        case SUM -> rows.sum();
        case MEAN -> ct.anyIgnored() ? rows.sum().div((double) ct.valid()) : rows.mean();
      };
    }
    Tensor logp = input.logSoftmax(classDim);
    if (target.dtype().isFloatingPoint()) {
      sameShape("crossEntropy (probability targets)", input, target);
      Tensor p = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / c) : target;
      Tensor prod = logp.mul(p);
      if (weight != null) {
        prod = prod.mul(weight.reshape(wshape));
      }
      Tensor loss = prod.sum(classDim).neg();
      if (reduction == Reduction.MEAN) {
        return loss.sum().div(Math.max(1, input.numel() / Math.max(c, 1)));
      }
      return reduce(loss, reduction);
    }
    Tensor nll = nllLoss(logp, target, weight, ignoreIndex, reduction);
    if (labelSmoothing == 0) {
      return nll;
    }
    Tensor smooth = weight == null ? logp.sum(classDim).neg()
        : logp.mul(weight.reshape(wshape)).sum(classDim).neg();
    Tensor t = target.to(DType.INT64);
    Tensor ignored = t.eq(ignoreIndex);
    smooth = smooth.maskedFill(ignored, 0);
    Tensor ret = switch (reduction) {
      case NONE -> smooth;
      case SUM -> smooth.sum();
      // As nllLoss: the mean is over the targets that are not ignored (weighted, with weights).
      case MEAN -> weight == null ? smooth.sum().div(Math.max(1, ignored.logicalNot().sum().item()))
          : smooth.sum().div(weight.indexSelect(0, t.maskedSelect(ignored.logicalNot())).sum());
    };
    return nll.mul(1 - labelSmoothing).add(ret.mul(labelSmoothing / c));
  }

  /**
   * Binary cross-entropy of probabilities: {@code -w (t log x + (1 - t) log(1 - x))}, each log
   * clamped at -100 as PyTorch does.
   *
   * @throws IllegalArgumentException if an input is outside [0, 1]
   */
  public static Tensor binaryCrossEntropy(
      Tensor input, Tensor target, Tensor weight, Reduction reduction) {
    sameShape("binaryCrossEntropy", input, target);
    if (input.numel() > 0) {
      double lo = input.min().item();
      double hi = input.max().item();
      if (!(lo >= 0 && hi <= 1)) {
        throw new IllegalArgumentException(
            "binaryCrossEntropy: all input elements must be in [0, 1], found values in [" + lo
                + ", " + hi + "]");
      }
    }
    Tensor loss = target.mul(input.log().clampMin(-100))
        .add(target.neg().add(1).mul(input.neg().add(1).log().clampMin(-100))).neg();
    if (weight != null) {
      loss = loss.mul(weight);
    }
    return reduce(loss, reduction);
  }

  /**
   * Binary cross-entropy of logits, computed stably: {@code (1 - t) x + lw softplus(-x)} with
   * {@code lw = 1 + (posWeight - 1) t}; {@code weight} scales each element, {@code posWeight}
   * (broadcast along the last dim, one per class) the positive examples.
   */
  public static Tensor binaryCrossEntropyWithLogits(
      Tensor input, Tensor target, Tensor weight, Tensor posWeight, Reduction reduction) {
    sameShape("binaryCrossEntropyWithLogits", input, target);
    // softplus(-x) = log1p(exp(-|x|)) + max(-x, 0), finite for every x.
    Tensor softplusNeg = input.abs().neg().exp().log1p().add(input.neg().clampMin(0));
    Tensor lw = posWeight == null ? null : posWeight.sub(1).mul(target).add(1);
    Tensor loss = target.neg().add(1).mul(input).add(lw == null ? softplusNeg : lw.mul(softplusNeg));
    if (weight != null) {
      loss = loss.mul(weight);
    }
    return reduce(loss, reduction);
  }

  // ---------------------------------------------------------------------------------------------
  // Recurrent

  private static Tensor zerosState(Tensor input, int hidden) {
    return Tensor.zeros(input.dtype(), input.device(), input.size(0), hidden);
  }

  private static void checkCell(String op, Tensor input, Tensor hx, Tensor wIh, Tensor wHh,
      int gates) {
    if (input.dim() != 2) {
      throw new IllegalArgumentException(
          op + ": input must have shape (N, inputSize), got " + input.describe());
    }
    if (wHh.dim() != 2 || wHh.size(0) != gates * wHh.size(1)) {
      throw new IllegalArgumentException(
          op + ": weightHh must have shape (" + gates + "H, H), got " + wHh.describe());
    }
    if (wIh.dim() != 2 || wIh.size(0) != wHh.size(0) || wIh.size(1) != input.size(1)) {
      throw new IllegalArgumentException(op + ": weightIh must have shape (" + wHh.size(0) + ", "
          + input.size(1) + ") for input " + input.describe() + ", got " + wIh.describe());
    }
    if (hx != null && (hx.dim() != 2 || hx.size(0) != input.size(0)
        || hx.size(1) != wHh.size(1))) {
      throw new IllegalArgumentException(op + ": expected hidden state of shape ("
          + input.size(0) + ", " + wHh.size(1) + "), got " + hx.describe());
    }
  }

  /**
   * One LSTM step, as {@code torch._VF.lstm_cell}, on the fused cell {@link
   * dev.ember.tensor.Recurrent#lstmCell}: gates (i, f, g, o) {@code = x W_ih^T + b_ih + h W_hh^T
   * + b_hh}, {@code c' = f c + i g}, {@code h' = o tanh(c')}.
   *
   * <pre>
   * input (N, in)   hx, cx (N, H) or null for zeros   wIh (4H, in)   wHh (4H, H)   biases (4H) or null
   * returns {h', c'}, each (N, H)
   * </pre>
   *
   * @throws IllegalArgumentException naming the shapes if they do not fit
   */
  public static Tensor[] lstmCell(Tensor input, Tensor hx, Tensor cx, Tensor wIh, Tensor wHh,
      Tensor bIh, Tensor bHh) {
    checkCell("lstmCell", input, hx, wIh, wHh, 4);
    checkCell("lstmCell", input, cx, wIh, wHh, 4);
    int h = wHh.size(1);
    Tensor gates = linear(input, wIh, bIh);
    if (hx != null) {
      gates = gates.add(linear(hx, wHh, bHh));
    } else if (bHh != null) {
      gates = gates.add(bHh);
    }
    return dev.ember.tensor.Recurrent.lstmCell(gates, cx != null ? cx : zerosState(input, h));
  }

  /**
   * One GRU step, as {@code torch._VF.gru_cell}, on the fused cell {@link
   * dev.ember.tensor.Recurrent#gruCell}: {@code r, z = sigmoid(x W_i^T + b_i + h W_h^T + b_h)},
   * {@code n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn))}, {@code h' = (1 - z) n + z h}.
   *
   * <pre>
   * input (N, in)   hx (N, H) or null for zeros   wIh (3H, in)   wHh (3H, H)   biases (3H) or null
   * returns h' (N, H)
   * </pre>
   *
   * @throws IllegalArgumentException naming the shapes if they do not fit
   */
  public static Tensor gruCell(
      Tensor input, Tensor hx, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
    checkCell("gruCell", input, hx, wIh, wHh, 3);
    Tensor h = hx != null ? hx : zerosState(input, wHh.size(1));
    return dev.ember.tensor.Recurrent.gruCell(linear(input, wIh, bIh), linear(h, wHh, bHh), h);
  }

  /**
   * One Elman RNN step, {@code h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)} (or relu with {@code
   * relu}), as {@code torch._VF.rnn_tanh_cell}; composed of tensor operators.
   *
   * <pre>
   * input (N, in)   hx (N, H) or null for zeros   wIh (H, in)   wHh (H, H)   biases (H) or null
   * returns h' (N, H)
   * </pre>
   *
   * @throws IllegalArgumentException naming the shapes if they do not fit
   */
  public static Tensor rnnCell(Tensor input, Tensor hx, Tensor wIh, Tensor wHh, Tensor bIh,
      Tensor bHh, boolean relu) {
    checkCell(relu ? "rnnReluCell" : "rnnTanhCell", input, hx, wIh, wHh, 1);
    Tensor pre = linear(input, wIh, bIh);
    if (hx != null) {
      pre = pre.add(linear(hx, wHh, bHh));
    } else if (bHh != null) {
      pre = pre.add(bHh);
    }
    return relu ? pre.relu() : pre.tanh();
  }
}
