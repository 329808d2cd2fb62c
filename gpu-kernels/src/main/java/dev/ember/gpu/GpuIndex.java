package dev.ember.gpu;

import dev.ember.backend.OperandChecks;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;

/**
 * Gather, scatter and masked select on the GPU (kernels in {@code index.c}), checked like the CPU
 * backend's {@code CpuIndex} and with its messages.
 *
 * <p>A bad index is found by the kernel, which records the first bad position (row-major in the
 * index tensor) in a one-element int32 tensor; the host reads it back after the launch and throws
 * {@link IndexOutOfBoundsException} naming the index, dim and size. Gather and scatter therefore
 * wait for their kernel, like every read to the host.
 */
final class GpuIndex {
  /** Mask elements per work item of masked select: {@code MASK_CHUNK} in index.c. */
  private static final int MASK_CHUNK = 16;

  private GpuIndex() {}

  /** {@code dst[..., i, ...] = src[..., index[..., i, ...], ...]} along {@code dim}. */
  /** Backend.nllRows: one work item per row (kernel nll_rows_<dtype>). */
  static void nllRows(GpuBackend b, Tensor loss, Tensor logp, Tensor target, int ignoreIndex) {
    OperandChecks.crossEntropy("nllRows", logp.shape(), logp.dtype(), target.shape(),
        target.dtype(), new int[][] {loss.shape()}, new DType[] {loss.dtype()}, new int[0][],
        new DType[0]);
    int n = logp.shape()[0];
    if (n == 0) {
      return;
    }
    int[] ps = logp.stride();
    b.launch("index", "nll_rows_" + GpuBackend.suffix(logp.dtype()), n, b.slab(loss),
        b.offset(loss), loss.stride()[0], b.slab(logp), b.offset(logp), ps[0], ps[1],
        b.slab(target), b.offset(target), target.stride()[0], n, ignoreIndex);
  }

  /**
   * Backend.crossEntropyBackward (div null) and crossEntropyMeanBackward (scale the mean's 0-d
   * gradient, broadcast, and div its count): one work item per element (kernel
   * ce_backward_<dtype>).
   */
  static void crossEntropyBackward(GpuBackend b, Tensor grad, Tensor logp, Tensor target,
      Tensor scale, Tensor div, int ignoreIndex) {
    OperandChecks.crossEntropy("crossEntropyBackward", logp.shape(), logp.dtype(),
        target.shape(), target.dtype(), new int[][] {scale.shape()}, new DType[] {scale.dtype()},
        new int[][] {grad.shape()}, new DType[] {grad.dtype()});
    int n = logp.shape()[0];
    int c = logp.shape()[1];
    long items = (long) n * c;
    if (items == 0) {
      return;
    }
    if (items > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("crossEntropyBackward: " + n + " x " + c
          + " elements exceed one launch");
    }
    int[] gs = grad.stride();
    int[] ps = logp.stride();
    b.launch("index", "ce_backward_" + GpuBackend.suffix(logp.dtype()), (int) items,
        b.slab(grad), b.offset(grad), gs[0], gs[1], b.slab(logp), b.offset(logp), ps[0], ps[1],
        b.slab(target), b.offset(target), target.stride()[0], b.slab(scale), b.offset(scale),
        scale.stride()[0], b.slab(div == null ? scale : div), b.offset(div == null ? scale : div),
        div == null ? 0 : 1, n, c, ignoreIndex);
  }

  static void gather(GpuBackend b, Tensor dst, Tensor src, int dim, Tensor index) {
    OperandChecks.gather(dst.shape(), dst.dtype(), src.shape(), src.dtype(), dim, index.shape(),
        index.dtype());
    int n = dst.numel();
    if (n == 0) {
      return;
    }
    // A 0-d operand is one element: GpuBackend.meta gives it shape [1] and stride 0.
    int size = src.dim() == 0 ? 1 : src.shape()[dim];
    int srcDimStride = src.dim() == 0 ? 0 : src.stride()[dim];
    int[] srcStrides = strides(src);
    srcStrides[dim] = 0;
    int[] meta = meta(shape(dst), strides(dst), strides(index), srcStrides);
    try (var scope = Tensor.scope()) {
      Tensor err = Tensor.full(new int[] {1}, n, DType.INT32, b.device());
      b.launch("index", "gather_" + GpuBackend.suffix(dst.dtype()), n, b.slab(dst), b.offset(dst),
          b.slab(src), b.offset(src), b.slab(index), b.offset(index), n, size, srcDimStride, meta,
          b.slab(err), b.offset(err));
      checkErr(b, err, n, index, dim, size);
    }
  }

  /**
   * {@code dst[..., index[..., j, ...], ...] = src[..., j, ...]} along {@code dim} (or {@code +=}
   * when {@code accumulate}; for bool, logical or), duplicates resolved in row-major order.
   */
  static void scatter(GpuBackend b, Tensor dst, int dim, Tensor index, Tensor src,
      boolean accumulate) {
    OperandChecks.scatter(dst.shape(), dst.dtype(), dim, index.shape(), index.dtype(),
        src.shape(), src.dtype());
    int total = index.numel();
    if (total == 0) {
      return;
    }
    int[] lineShape = shape(index);
    int len = lineShape[dim];
    lineShape[dim] = 1;
    int lines = total / len;
    int inner = 1;
    for (int d = dim + 1; d < lineShape.length; d++) {
      inner *= lineShape[d];
    }
    int size = dst.dim() == 0 ? 1 : dst.shape()[dim];
    int[] dstStrides = strides(dst);
    int[] indexStrides = strides(index);
    int[] srcStrides = strides(src);
    int[] meta = meta(lineShape, dstStrides, indexStrides, srcStrides);
    try (var scope = Tensor.scope()) {
      Tensor err = Tensor.full(new int[] {1}, total, DType.INT32, b.device());
      b.launch("index", "scatter_" + GpuBackend.suffix(dst.dtype()), lines, b.slab(dst),
          b.offset(dst), b.slab(index), b.offset(index), b.slab(src), b.offset(src), lines, len,
          inner, size, dstStrides[dim], indexStrides[dim], srcStrides[dim], accumulate ? 1 : 0,
          meta, b.slab(err), b.offset(err));
      checkErr(b, err, total, index, dim, size);
    }
  }

  /** Writes src's elements where mask is true, in row-major order, into the 1-D dst. */
  static void maskedSelect(GpuBackend b, Tensor dst, Tensor src, Tensor mask) {
    OperandChecks.maskedSelect(dst.shape(), dst.dtype(), src.shape(), src.dtype(), mask.shape(),
        mask.dtype());
    int length = dst.shape()[0];
    int n = src.numel();
    int count = 0;
    if (n > 0) {
      int local = b.localSize();
      int groups = (int) (((long) n + (long) MASK_CHUNK * local - 1) / ((long) MASK_CHUNK * local));
      int[] meta = GpuBackend.meta(src, mask);
      int contiguous = GpuBackend.contiguous(src, mask) ? 1 : 0;
      try (var scope = Tensor.scope()) {
        // counts[g]: the trues of group g's chunk, then its exclusive prefix sum; counts[groups]:
        // the total.
        Tensor counts = Tensor.empty(DType.INT32, b.device(), groups + 1);
        b.launch("index", "masked_count", groups * local, b.slab(mask), b.offset(mask), n, meta,
            contiguous, b.slab(counts), b.offset(counts));
        b.launch("index", "masked_scan", local, b.slab(counts), b.offset(counts), groups);
        b.launch("index", "masked_select_" + GpuBackend.suffix(dst.dtype()), groups * local,
            b.slab(dst), b.offset(dst), dst.stride()[0], length, b.slab(src), b.offset(src),
            b.slab(mask), b.offset(mask), n, meta, contiguous, b.slab(counts),
            b.offset(counts));
        count = counts.narrow(0, groups, 1).toIntArray()[0];
      }
    }
    if (count != length) {
      throw new IllegalArgumentException("maskedSelect: the mask has " + count
          + " true elements but dst's length is " + length);
    }
  }

  /** Throws for the bad index the kernel recorded in {@code err}, if any (none: {@code end}). */
  private static void checkErr(GpuBackend b, Tensor err, int end, Tensor index, int dim,
      int size) {
    int pos = err.toIntArray()[0];
    if (pos < end) {
      // The error path only: the index's value at that row-major position, for the message.
      long i = ((long[]) b.download(index))[pos];
      throw new IndexOutOfBoundsException(
          "index " + i + " is out of bounds for dim " + dim + " with size " + size);
    }
  }

  /** The shape, a 0-d tensor being one element of shape [1]. */
  private static int[] shape(Tensor t) {
    return t.dim() == 0 ? new int[] {1} : t.shape().clone();
  }

  /** The strides, a 0-d tensor's being [0]. */
  private static int[] strides(Tensor t) {
    return t.dim() == 0 ? new int[] {0} : t.stride().clone();
  }

  /** {@code [nd, shape, strides[0], strides[1], ...]} as the kernels read it. */
  private static int[] meta(int[] shape, int[]... strides) {
    int nd = shape.length;
    int[] m = new int[1 + nd * (1 + strides.length)];
    m[0] = nd;
    System.arraycopy(shape, 0, m, 1, nd);
    for (int k = 0; k < strides.length; k++) {
      System.arraycopy(strides[k], 0, m, 1 + nd * (1 + k), nd);
    }
    return m;
  }
}
