package dev.ember.backend;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.Arrays;

/**
 * The argument checks of the SPI primitives that every backend makes the same way, on shapes,
 * strides and dtypes, so that a bad call gives the same message on every device.
 *
 * @see Backend
 */
public final class OperandChecks {
  private OperandChecks() {}

  // --- convolution and pooling ---------------------------------------------------------------

  /** Stride, padding and dilation of a 2-D window: 2 values each, >= 1, >= 0 and >= 1. */
  public static void convGeometry(String op, int[] stride, int[] padding, int[] dilation) {
    if (stride.length != 2 || padding.length != 2 || dilation.length != 2) {
      throw new IllegalArgumentException(op + " takes stride, padding and dilation of 2 values"
          + " each, got " + Arrays.toString(stride) + ", " + Arrays.toString(padding) + ", "
          + Arrays.toString(dilation));
    }
    for (int d = 0; d < 2; d++) {
      if (stride[d] < 1 || padding[d] < 0 || dilation[d] < 1) {
        throw new IllegalArgumentException(op + " needs stride >= 1, padding >= 0 and dilation"
            + " >= 1, got stride " + Arrays.toString(stride) + ", padding " + Arrays.toString(padding)
            + ", dilation " + Arrays.toString(dilation));
      }
    }
  }

  /** Two operands of one floating-point dtype. */
  public static void sameFloat(String op, DType a, DType b) {
    if (a != b || (a != DType.FLOAT32 && a != DType.FLOAT64)) {
      throw new IllegalArgumentException(op + " needs float32 or float64 operands of one dtype,"
          + " got " + a + " and " + b);
    }
  }

  /** An image (N, C, H, W) and columns (N, C, kH, kW, oH, oW) of one floating-point dtype. */
  public static void columns(String op, int[] image, DType imageDtype, int[] cols,
      DType colsDtype) {
    if (image.length != 4 || cols.length != 6 || image[0] != cols[0] || image[1] != cols[1]) {
      throw new IllegalArgumentException(op + " takes an image (N, C, H, W) and columns (N, C, kH,"
          + " kW, oH, oW) of the same N and C, got " + Arrays.toString(image) + " and "
          + Arrays.toString(cols));
    }
    sameFloat(op, imageDtype, colsDtype);
  }

  /** The operands of {@link Backend#maxPool2d}. */
  public static void maxPool2d(int[] dst, DType dstDtype, int[] indices, DType indicesDtype,
      int[] src, DType srcDtype, int[] kernel, int[] stride, int[] padding, int[] dilation) {
    if (src.length != 4 || dst.length != 4 || src[0] != dst[0] || src[1] != dst[1]
        || !Arrays.equals(dst, indices)) {
      throw new IllegalArgumentException("max_pool2d takes src (N, C, H, W), dst and indices (N, C,"
          + " oH, oW), got " + Arrays.toString(src) + ", " + Arrays.toString(dst) + " and "
          + Arrays.toString(indices));
    }
    sameFloat("max_pool2d", dstDtype, srcDtype);
    if (indicesDtype != DType.INT64) {
      throw new IllegalArgumentException("max_pool2d writes int64 indices, got " + indicesDtype);
    }
    convGeometry("max_pool2d", stride, padding, dilation);
    if (kernel.length != 2 || kernel[0] < 1 || kernel[1] < 1) {
      throw new IllegalArgumentException("max_pool2d needs a kernel of 2 sizes >= 1, got "
          + Arrays.toString(kernel));
    }
  }

  /** The operands of {@link Backend#maxPool2dBackward}. */
  public static void maxPool2dBackward(int[] dst, DType dstDtype, int[] grad, DType gradDtype,
      int[] indices, DType indicesDtype) {
    if (dst.length != 4 || grad.length != 4 || dst[0] != grad[0] || dst[1] != grad[1]
        || !Arrays.equals(grad, indices)) {
      throw new IllegalArgumentException("max_pool2d backward takes dst (N, C, H, W), grad and"
          + " indices (N, C, oH, oW), got " + Arrays.toString(dst) + ", " + Arrays.toString(grad)
          + " and " + Arrays.toString(indices));
    }
    sameFloat("max_pool2d backward", dstDtype, gradDtype);
    if (indicesDtype != DType.INT64) {
      throw new IllegalArgumentException("max_pool2d backward takes int64 indices, got "
          + indicesDtype);
    }
  }

  // --- gather and scatter --------------------------------------------------------------------

  /** An int64 index, and dst, src and index of one number of dims of which {@code dim} is one. */
  public static void indexOp(String op, int[] dst, int[] src, int dim, int[] index,
      DType indexDtype) {
    if (indexDtype != DType.INT64) {
      throw new IllegalArgumentException(op + " needs an int64 index, got " + indexDtype);
    }
    int nd = Math.max(dst.length, 1);
    if (dst.length != src.length || dst.length != index.length || dim < 0 || dim >= nd) {
      throw new IllegalArgumentException(op + ": dst " + Arrays.toString(dst) + ", src "
          + Arrays.toString(src) + " and index " + Arrays.toString(index)
          + " must have the same number of dims, and dim " + dim + " must be one of them");
    }
  }

  /**
   * gather's operands: an index of dst's shape, src of dst's dtype, and dst within src in every
   * dim but {@code dim}.
   */
  public static void gather(int[] dst, DType dstDtype, int[] src, DType srcDtype, int dim,
      int[] index, DType indexDtype) {
    indexOp("gather", dst, src, dim, index, indexDtype);
    if (srcDtype != dstDtype) {
      throw new IllegalArgumentException("gather needs src and dst of one dtype, got "
          + srcDtype + " and " + dstDtype);
    }
    if (!Arrays.equals(index, dst)) {
      throw new IllegalArgumentException("gather index shape " + Arrays.toString(index)
          + " must equal dst shape " + Arrays.toString(dst));
    }
    if (dst.length > 0) {
      fits("gather", dst, "dst", src, "src", dim);
    }
  }

  /**
   * scatter's operands: an index of src's shape, src of dst's dtype, and the index within dst in
   * every dim but {@code dim}.
   */
  public static void scatter(int[] dst, DType dstDtype, int dim, int[] index, DType indexDtype,
      int[] src, DType srcDtype) {
    indexOp("scatter", dst, src, dim, index, indexDtype);
    if (srcDtype != dstDtype) {
      throw new IllegalArgumentException("scatter needs src and dst of one dtype, got "
          + srcDtype + " and " + dstDtype);
    }
    if (!Arrays.equals(index, src)) {
      throw new IllegalArgumentException("scatter index shape " + Arrays.toString(index)
          + " must equal src shape " + Arrays.toString(src));
    }
    if (dst.length > 0) {
      fits("scatter", index, "index", dst, "dst", dim);
    }
  }

  /** Every dim but {@code dim} of {@code inner} is at most that of {@code outer}. */
  public static void fits(String op, int[] inner, String innerName, int[] outer,
      String outerName, int dim) {
    for (int d = 0; d < inner.length; d++) {
      if (d != dim && inner[d] > outer[d]) {
        throw new IllegalArgumentException(op + ": " + innerName + " shape "
            + Arrays.toString(inner) + " exceeds " + outerName + " shape "
            + Arrays.toString(outer) + " in dim " + d);
      }
    }
  }

  // --- recurrent cells -----------------------------------------------------------------------

  /**
   * One operand of a recurrent cell as a backend sees it.
   *
   * @param name the operand's name in messages
   * @param shape its shape
   * @param strides its strides
   * @param contiguous whether it is laid out row-major without gaps
   * @param dtype its dtype
   */
  public record Operand(String name, int[] shape, int[] strides, boolean contiguous,
      DType dtype) {}

  /** A tensor as these checks see it (null: an absent operand). */
  public static Operand operand(Tensor t, String name) {
    return t == null ? null
        : new Operand(name, t.shape(), t.stride(), t.isContiguous(), t.dtype());
  }

  /** The operands of lstmCell: gates (N, 4H), cPrev, h, c (N, H), one float dtype; returns H. */
  public static int lstmCell(Operand gates, Operand cPrev, Operand h, Operand c) {
    String op = "lstmCell";
    int hs = blocks(op, gates, 4);
    int n = gates.shape()[0];
    cell(op, n, hs, new Operand[] {gates, cPrev, h, c}, new int[] {4, 1, 1, 1});
    return hs;
  }

  /**
   * The operands of lstmCellBackward: act, dGates (N, 4H), cPrev, c, dcPrev and the optional
   * (null) dh, dc (N, H), one float dtype; returns H.
   */
  public static int lstmCellBackward(Operand act, Operand cPrev, Operand c, Operand dh,
      Operand dc, Operand dGates, Operand dcPrev) {
    String op = "lstmCellBackward";
    int hs = blocks(op, act, 4);
    int n = act.shape()[0];
    cell(op, n, hs, new Operand[] {act, cPrev, c, dh, dc, dGates, dcPrev},
        new int[] {4, 1, 1, 1, 1, 4, 1});
    return hs;
  }

  /**
   * The operands of gruCell: xg, hg (N, 3H), hPrev, h (N, H), saved (N, 4H), one float dtype;
   * returns H.
   */
  public static int gruCell(Operand xg, Operand hg, Operand hPrev, Operand h, Operand saved) {
    String op = "gruCell";
    int hs = blocks(op, xg, 3);
    int n = xg.shape()[0];
    cell(op, n, hs, new Operand[] {xg, hg, hPrev, h, saved}, new int[] {3, 3, 1, 1, 4});
    return hs;
  }

  /**
   * The operands of gruCellBackward: saved (N, 4H), hPrev, dh, dhPrev (N, H), dxg, dhg (N, 3H),
   * one float dtype; returns H.
   */
  public static int gruCellBackward(Operand saved, Operand hPrev, Operand dh, Operand dxg,
      Operand dhg, Operand dhPrev) {
    String op = "gruCellBackward";
    int hs = blocks(op, saved, 4);
    int n = saved.shape()[0];
    cell(op, n, hs, new Operand[] {saved, hPrev, dh, dxg, dhg, dhPrev},
        new int[] {4, 1, 1, 3, 3, 1});
    return hs;
  }

  /**
   * The operands of lstmRecurrence: gates (L N, 4H), whh (4H, H) of any strides, h0, c0, cN (N,
   * H), hs, cs (L N, H), contiguous but whh, one float dtype; returns {L, N, H}.
   */
  public static int[] lstmRecurrence(Operand gates, Operand whh, Operand h0, Operand c0,
      Operand hs, Operand cs, Operand cN) {
    String op = "lstmRecurrence";
    int[] d = sequence(op, 4, whh, h0, gates);
    cell(op, d[0] * d[1], d[2], new Operand[] {gates, hs, cs}, new int[] {4, 1, 1});
    cell(op, d[1], d[2], new Operand[] {gates, h0, c0, cN, whh}, new int[] {-1, 1, 1, 1, -1});
    return d;
  }

  /**
   * The operands of lstmRecurrenceBackward: act, dGates (L N, 4H), cs, gradOut (L N, H), c0,
   * dcN, dh, dc (N, H), contiguous, and whh (4H, H) of any strides, one float dtype; returns {L,
   * N, H}.
   */
  public static int[] lstmRecurrenceBackward(Operand act, Operand cs, Operand c0, Operand whh,
      Operand gradOut, Operand dcN, Operand dh, Operand dc, Operand dGates) {
    String op = "lstmRecurrenceBackward";
    int[] d = sequence(op, 4, whh, dh, act);
    cell(op, d[0] * d[1], d[2], new Operand[] {act, cs, gradOut, dGates}, new int[] {4, 1, 1, 4});
    cell(op, d[1], d[2], new Operand[] {act, c0, dcN, dh, dc, whh},
        new int[] {-1, 1, 1, 1, 1, -1});
    return d;
  }

  /**
   * The operands of gruRecurrence: xg (L N, 3H), whh (3H, H) of any strides, the optional (null)
   * bhh (3H), h0 (N, H), hs (L N, H), saved (L N, 4H), contiguous but whh, one float dtype;
   * returns {L, N, H}.
   */
  public static int[] gruRecurrence(Operand xg, Operand whh, Operand bhh, Operand h0,
      Operand hs, Operand saved) {
    String op = "gruRecurrence";
    int[] d = sequence(op, 3, whh, h0, xg);
    cell(op, d[0] * d[1], d[2], new Operand[] {xg, hs, saved}, new int[] {3, 1, 4});
    cell(op, d[1], d[2], new Operand[] {xg, h0, whh}, new int[] {-1, 1, -1});
    if (bhh != null) {
      int[] b = bhh.shape();
      if (b.length != 1 || b[0] != 3 * d[2] || !bhh.contiguous()) {
        throw new IllegalArgumentException(op + ": " + bhh.name() + " must be a contiguous ["
            + 3 * d[2] + "], got " + Arrays.toString(b) + " with strides "
            + Arrays.toString(bhh.strides()));
      }
      floatOperands(op, xg.dtype(), bhh.dtype());
    }
    return d;
  }

  /**
   * The operands of gruRecurrenceBackward: saved (L N, 4H), hs, gradOut (L N, H), h0, dh (N, H),
   * dXg, dHg (L N, 3H), contiguous, and whh (3H, H) of any strides, one float dtype; returns {L,
   * N, H}.
   */
  public static int[] gruRecurrenceBackward(Operand saved, Operand hs, Operand h0, Operand whh,
      Operand gradOut, Operand dh, Operand dXg, Operand dHg) {
    String op = "gruRecurrenceBackward";
    int[] d = sequence(op, 3, whh, dh, saved);
    cell(op, d[0] * d[1], d[2], new Operand[] {saved, hs, gradOut, dXg, dHg},
        new int[] {4, 1, 1, 3, 3});
    cell(op, d[1], d[2], new Operand[] {saved, h0, dh, whh}, new int[] {-1, 1, 1, -1});
    return d;
  }

  /**
   * The operands of rnnRecurrence: pre, hs (L N, H), whh (H, H) of any strides, h0 (N, H),
   * contiguous but whh, one float dtype; returns {L, N, H}.
   */
  public static int[] rnnRecurrence(Operand pre, Operand whh, Operand h0, Operand hs) {
    String op = "rnnRecurrence";
    int[] d = sequence(op, 1, whh, h0, pre);
    cell(op, d[0] * d[1], d[2], new Operand[] {pre, hs}, new int[] {1, 1});
    cell(op, d[1], d[2], new Operand[] {pre, h0, whh}, new int[] {-1, 1, -1});
    return d;
  }

  /**
   * The operands of rnnRecurrenceBackward: hs, gradOut, dG (L N, H), dh (N, H), contiguous, and
   * whh (H, H) of any strides, one float dtype; returns {L, N, H}.
   */
  public static int[] rnnRecurrenceBackward(Operand hs, Operand whh, Operand gradOut, Operand dh,
      Operand dG) {
    String op = "rnnRecurrenceBackward";
    int[] d = sequence(op, 1, whh, dh, hs);
    cell(op, d[0] * d[1], d[2], new Operand[] {hs, gradOut, dG}, new int[] {1, 1, 1});
    cell(op, d[1], d[2], new Operand[] {hs, dh, whh}, new int[] {-1, 1, -1});
    return d;
  }

  /**
   * {L, N, H} of a recurrence from whh (gates H, H), a state (N, H) and an operand {@code steps}
   * of L N rows, L >= 1; an empty batch (N = 0, no rows) gives L = 0: nothing to run.
   */
  private static int[] sequence(String op, int gates, Operand whh, Operand state,
      Operand steps) {
    int[] w = whh.shape();
    if (w.length != 2 || w[0] != gates * w[1]) {
      throw new IllegalArgumentException(op + ": " + whh.name() + " must have shape ["
          + (gates == 1 ? "" : gates) + "H, H], got " + Arrays.toString(w));
    }
    int[] st = state.shape();
    int[] g = steps.shape();
    if (st.length == 2 && g.length == 2 && st[0] == 0 && g[0] == 0) {
      return new int[] {0, 0, w[1]};
    }
    if (st.length != 2 || st[0] == 0 || g.length != 2 || g[0] == 0 || g[0] % st[0] != 0) {
      throw new IllegalArgumentException(op + ": " + steps.name() + " must have L N rows (L > 0)"
          + " for " + state.name() + " [N, H], got " + Arrays.toString(g) + " and "
          + Arrays.toString(st));
    }
    return new int[] {g[0] / st[0], st[0], w[1]};
  }

  /** H for an (N, k H) operand. */
  private static int blocks(String op, Operand t, int k) {
    if (t.shape().length != 2 || t.shape()[1] % k != 0) {
      throw new IllegalArgumentException(op + ": " + t.name() + " must have shape [N, " + k
          + "H], got " + Arrays.toString(t.shape()));
    }
    return t.shape()[1] / k;
  }

  /**
   * Each present operand is a contiguous (n, widths[i] H) matrix, in order (a width of -1: any
   * shape, already checked); then all share the first one's float dtype.
   */
  private static void cell(String op, int n, int hs, Operand[] operands, int[] widths) {
    DType[] dtypes = new DType[operands.length - 1];
    for (int i = 0; i < operands.length; i++) {
      Operand t = operands[i];
      if (t != null && widths[i] > 0) {
        matrix(op, t.name(), n, widths[i] * hs, t.shape(), t.strides(), t.contiguous());
      }
      if (i > 0) {
        dtypes[i - 1] = t == null ? null : t.dtype();
      }
    }
    floatOperands(op, operands[0].dtype(), dtypes);
  }

  /** A contiguous (rows, cols) matrix. */
  public static void matrix(String op, String name, int rows, int cols, int[] shape,
      int[] strides, boolean contiguous) {
    if (shape.length != 2 || shape[0] != rows || shape[1] != cols) {
      throw new IllegalArgumentException(op + ": " + name + " must have shape [" + rows + ", "
          + cols + "], got " + Arrays.toString(shape));
    }
    if (!contiguous) {
      throw new IllegalArgumentException(op + ": " + name + " must be contiguous, got strides "
          + Arrays.toString(strides));
    }
  }

  // --- cross-entropy ---------------------------------------------------------------------------

  /**
   * The operands of nllRows and crossEntropyBackward: logp (N, C) float; target (N) int64; each
   * of {@code rows} (loss, scale: (N)) and {@code matrices} (grad: (N, C)) in logp's dtype.
   */
  public static void crossEntropy(String op, int[] logp, DType logpDtype, int[] target,
      DType targetDtype, int[][] rows, DType[] rowDtypes, int[][] matrices,
      DType[] matrixDtypes) {
    if (logp.length != 2 || !logpDtype.isFloatingPoint()) {
      throw new IllegalArgumentException(op + " needs a 2-D float32 or float64 logp, got "
          + Arrays.toString(logp) + " " + logpDtype);
    }
    if (target.length != 1 || target[0] != logp[0] || targetDtype != DType.INT64) {
      throw new IllegalArgumentException(op + " needs an int64 target of shape [" + logp[0]
          + "], got " + Arrays.toString(target) + " " + targetDtype);
    }
    for (int i = 0; i < rows.length; i++) {
      if (rows[i].length != 1 || rows[i][0] != logp[0] || rowDtypes[i] != logpDtype) {
        throw new IllegalArgumentException(op + " needs a per-row operand of shape [" + logp[0]
            + "] and dtype " + logpDtype + ", got " + Arrays.toString(rows[i]) + " "
            + rowDtypes[i]);
      }
    }
    for (int i = 0; i < matrices.length; i++) {
      if (!Arrays.equals(matrices[i], logp) || matrixDtypes[i] != logpDtype) {
        throw new IllegalArgumentException(op + " needs a gradient of logp's shape "
            + Arrays.toString(logp) + " and dtype " + logpDtype + ", got "
            + Arrays.toString(matrices[i]) + " " + matrixDtypes[i]);
      }
    }
  }

  /** The operands of {@link Backend#nllMean}: two 0-d results in logp's dtype. */
  public static void nllMean(int[] mean, DType meanDtype, int[] count, DType countDtype,
      int[] logp, DType logpDtype, int[] target, DType targetDtype) {
    crossEntropy("nllMean", logp, logpDtype, target, targetDtype, new int[0][], new DType[0],
        new int[0][], new DType[0]);
    if (mean.length != 0 || count.length != 0 || meanDtype != logpDtype
        || countDtype != logpDtype) {
      throw new IllegalArgumentException("nllMean needs 0-d mean and count of dtype " + logpDtype
          + ", got " + Arrays.toString(mean) + " " + meanDtype + " and " + Arrays.toString(count)
          + " " + countDtype);
    }
  }

  // --- matmul, masked select, optimizer updates ------------------------------------------------

  /** Batched matmul operands: {@code (B, M, K) @ (B, K, N) -> (B, M, N)}, one numeric dtype. */
  public static void matmul(int[] dst, DType dstDtype, int[] a, DType aDtype, int[] b,
      DType bDtype) {
    if (a.length != 3 || b.length != 3 || dst.length != 3) {
      throw new IllegalArgumentException("matmul takes 3-D operands (B, M, K) @ (B, K, N) ->"
          + " (B, M, N), got " + Arrays.toString(a) + " @ " + Arrays.toString(b) + " -> "
          + Arrays.toString(dst));
    }
    if (a[0] != b[0] || a[0] != dst[0] || a[2] != b[1] || dst[1] != a[1] || dst[2] != b[2]) {
      throw new IllegalArgumentException("matmul shapes do not match: " + Arrays.toString(a)
          + " @ " + Arrays.toString(b) + " -> " + Arrays.toString(dst));
    }
    if (aDtype != dstDtype || bDtype != dstDtype || dstDtype == DType.BOOL) {
      throw new IllegalArgumentException("matmul needs operands of one numeric dtype, got "
          + aDtype + " @ " + bDtype + " -> " + dstDtype);
    }
  }

  /** matmulAdd's addend: dst's shape and dtype. */
  public static void addend(int[] dst, DType dstDtype, int[] addend, DType addendDtype) {
    if (!Arrays.equals(dst, addend) || dstDtype != addendDtype) {
      throw new IllegalArgumentException("matmulAdd needs an addend of dst's shape "
          + Arrays.toString(dst) + " and dtype " + dstDtype + ", got " + Arrays.toString(addend)
          + " " + addendDtype);
    }
  }

  /** maskedSelect's operands: a bool mask of src's shape, a 1-D dst of src's dtype. */
  public static void maskedSelect(int[] dst, DType dstDtype, int[] src, DType srcDtype,
      int[] mask, DType maskDtype) {
    if (maskDtype != DType.BOOL) {
      throw new IllegalArgumentException("maskedSelect needs a bool mask, got " + maskDtype);
    }
    if (srcDtype != dstDtype) {
      throw new IllegalArgumentException("maskedSelect needs src and dst of one dtype, got "
          + srcDtype + " and " + dstDtype);
    }
    if (!Arrays.equals(mask, src) || dst.length != 1) {
      throw new IllegalArgumentException("maskedSelect needs a mask of src's shape "
          + Arrays.toString(src) + " and a 1-D dst, got mask " + Arrays.toString(mask)
          + " and dst " + Arrays.toString(dst));
    }
  }

  /**
   * The state slots an optimizer update reads with these hyperparameters ({@link
   * OptimizerUpdate}'s layout) are all given: {@code present[i]} says whether state[i] is.
   */
  public static void optimizerStates(OptimizerUpdate kind, double[] hyper, boolean[] present) {
    boolean[] required = switch (kind) {
      case SGD -> new boolean[] {hyper[1] != 0};
      case ADAM, ADAMW -> new boolean[] {true, true, hyper[6] != 0};
      case RMSPROP -> new boolean[] {true, hyper[4] > 0, hyper[5] != 0};
      case ADAGRAD -> new boolean[] {true};
    };
    for (int i = 0; i < required.length; i++) {
      if (required[i] && (i >= present.length || !present[i])) {
        throw new IllegalArgumentException(
            "optimizer update " + kind + " needs state[" + i + "] with these hyperparameters");
      }
    }
  }

  /** A floating-point {@code dtype} that every operand has ({@code null}: an absent operand). */
  public static void floatOperands(String op, DType dtype, DType... operands) {
    if (!dtype.isFloatingPoint()) {
      throw new IllegalArgumentException(op + " needs float32 or float64 operands, got " + dtype);
    }
    for (DType d : operands) {
      if (d != null && d != dtype) {
        throw new IllegalArgumentException(
            op + ": every operand must be " + dtype + ", got one of " + d);
      }
    }
  }
}
