package dev.ember.gpu;

import dev.ember.backend.OperandChecks;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;

/**
 * Batched GEMM on the tiled kernels of {@code matmul.c}: a work group of 256 work items computes
 * a 64 x 64 tile of the product (4 x 4 outputs per work item) or, for products too small to fill
 * such tiles, a 16 x 16 tile (one output each). The operands keep their strides (transposed views
 * and broadcast batches are read in place); the host picks, per operand, the order in which the
 * group loads a tile so that neighbouring work items read neighbouring addresses.
 */
final class GpuMatmul {
  /** The work-group size the kernels are written for. */
  private static final int GROUP = 256;

  private GpuMatmul() {}

  static void matmul(GpuBackend b, Tensor dst, Tensor x, Tensor y, double alpha, double beta) {
    check(dst, x, y);
    launch(b, dst, x, y, null, alpha, beta);
  }

  /**
   * Backend.matmulAdd: for float types one launch of the mma kernels, which read the beta term
   * from the addend as each tile is stored; integer types copy the addend into dst first.
   */
  static void matmulAdd(GpuBackend b, Tensor dst, Tensor x, Tensor y, Tensor addend,
      double alpha, double beta) {
    check(dst, x, y);
    OperandChecks.addend(dst.shape(), dst.dtype(), addend.shape(), addend.dtype());
    if (beta == 0 || addend == dst) {
      launch(b, dst, x, y, null, alpha, beta);
    } else if (dst.dtype().isFloatingPoint()) {
      launch(b, dst, x, y, addend, alpha, beta);
    } else {
      b.copy(dst, addend);
      launch(b, dst, x, y, null, alpha, beta);
    }
  }

  /**
   * One GEMM launch on checked operands; with {@code addend} (float types only) the beta term
   * reads it.
   */
  private static void launch(GpuBackend b, Tensor dst, Tensor x, Tensor y, Tensor addend,
      double alpha, double beta) {
    int[] as = x.shape();
    int batches = as[0];
    int m = as[1];
    int k = as[2];
    int n = y.shape()[2];
    if (batches == 0 || m == 0 || n == 0) {
      return;
    }
    if (b.runtime().maxLocalSize() < GROUP) {
      throw b.unsupported("matmul", "the kernels need work groups of " + GROUP + ", the device"
          + " allows " + b.runtime().maxLocalSize());
    }
    DType dtype = dst.dtype();
    boolean integer = !dtype.isFloatingPoint();
    // As the CPU backend: a zero alpha (or K) reads neither operand, dst becomes beta * dst.
    long ia = (long) alpha;
    boolean noProduct = k == 0 || (integer ? ia == 0 : alpha == 0);
    // Tiles of 64 pay off once most of them are full; below that the 16 x 16 tiles keep more
    // groups busy and waste less work on padding.
    int r = m >= 48 && n >= 48 ? 4 : 1;
    int ts = 16 * r;
    int tm = (m + ts - 1) / ts;
    int tn = (n + ts - 1) / ts;
    long groups = (long) batches * tm * tn;
    if (groups * GROUP > Integer.MAX_VALUE) {
      throw b.unsupported("matmul", "a product of " + groups + " tiles exceeds one launch");
    }
    int[] sa = x.stride();
    int[] sb = y.stride();
    int[] sc = dst.stride();
    int[] sd = addend == null ? new int[3] : addend.stride();
    int[] meta = {
      batches, m, n, noProduct ? 0 : k,
      batchStride(x), sa[1], sa[2],
      batchStride(y), sb[1], sb[2],
      batchStride(dst), sc[1], sc[2],
      tm, tn,
      Math.abs(sa[2]) <= Math.abs(sa[1]) ? 1 : 0,
      Math.abs(sb[2]) <= Math.abs(sb[1]) ? 1 : 0,
      addend == null ? 0 : batchStride(addend), sd[1], sd[2],
    };
    String kernel = (addend == null ? "mm" : "mma") + r + "_" + GpuBackend.suffix(dtype);
    Object[] args;
    switch (dtype) {
      case FLOAT32 -> args = new Object[] {(float) alpha, (float) beta};
      case FLOAT64 -> args = new Object[] {alpha, beta};
      case INT64, INT32 -> {
        long ib = (long) beta;
        args = new Object[] {(int) ia, (int) (ia >>> 32), (int) ib, (int) (ib >>> 32)};
      }
      default -> throw new IllegalStateException(dtype.name());
    }
    if (addend != null) {
      args = new Object[] {args[0], args[1], b.slab(addend), b.offset(addend)};
    }
    Object[] all = new Object[7 + args.length];
    all[0] = b.slab(dst);
    all[1] = b.offset(dst);
    all[2] = b.slab(x);
    all[3] = b.offset(x);
    all[4] = b.slab(y);
    all[5] = b.offset(y);
    all[6] = meta;
    System.arraycopy(args, 0, all, 7, args.length);
    b.launchGroups("matmul", kernel, (int) groups, GROUP, all);
  }

  /** A batch of one has no batch stride to follow (its stride may be anything). */
  private static int batchStride(Tensor t) {
    return t.shape()[0] == 1 ? 0 : t.stride()[0];
  }

  private static void check(Tensor dst, Tensor a, Tensor bm) {
    OperandChecks.matmul(dst.shape(), dst.dtype(), a.shape(), a.dtype(), bm.shape(), bm.dtype());
  }
}
