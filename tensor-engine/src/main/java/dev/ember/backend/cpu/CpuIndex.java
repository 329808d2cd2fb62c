package dev.ember.backend.cpu;

import dev.ember.backend.OperandChecks;
import dev.ember.backend.cpu.CpuLoops.Plan;
import dev.ember.backend.cpu.CpuLoops.View;
import dev.ember.tensor.DType;

/**
 * Indexing primitives on the CPU: gather, scatter (optionally accumulating) and masked select.
 *
 * <p>Each walks its index space as segments and turns a tile of indices into element offsets, then
 * moves the elements with one loop per dtype. Scatter and masked select run sequentially in
 * row-major order, so duplicate scatter indices resolve (last write wins, or sums in that order)
 * the same way on every run.
 */
final class CpuIndex {
  private CpuIndex() {}

  /** {@code dst[..., i, ...] = src[..., index[..., i, ...], ...]} along {@code dim}. */
  static void gather(View dst, View src, int dim, View index) {
    OperandChecks.gather(dst.shape(), dst.dtype(), src.shape(), src.dtype(), dim, index.shape(),
        index.dtype());
    if (dst.dim() == 0) {
      gather(as1d(dst), as1d(src), 0, as1d(index));
      return;
    }
    int size = src.shape()[dim];
    int srcDimStride = src.strides()[dim];
    int[] srcStrides = src.strides().clone();
    srcStrides[dim] = 0;
    Plan p = Plan.of(dst.shape(), new int[][] {dst.strides(), index.strides(), srcStrides},
        new int[] {dst.offset(), index.offset(), src.offset()});
    long[] idx = (long[]) index.array();
    Parallel.forRange(p.numel, CpuLoops.GRAIN, (s, e) -> {
      int[] offsets = new int[CpuLoops.TILE];
      CpuLoops.walk(p, s, e, (pos, base, n) -> {
        int ds = p.innerStride(0);
        int is = p.innerStride(1);
        int ss = p.innerStride(2);
        if (is == 0 && ds == 1 && ss == 1) {
          // One index for a contiguous run (indexSelect of whole rows, as a data loader's batch
          // gather): a block copy instead of an offset per element.
          long i = idx[base[1]];
          checkIndex(i, dim, size);
          System.arraycopy(src.array(), base[2] + (int) i * srcDimStride, dst.array(), base[0], n);
          return;
        }
        for (int done = 0; done < n; done += CpuLoops.TILE) {
          int t = Math.min(CpuLoops.TILE, n - done);
          for (int k = 0; k < t; k++) {
            long i = idx[base[1] + (done + k) * is];
            checkIndex(i, dim, size);
            offsets[k] = base[2] + (done + k) * ss + (int) i * srcDimStride;
          }
          gatherOffsets(src.array(), src.dtype(), offsets, t, dst.array(), base[0] + done * ds,
              ds);
        }
      });
    });
  }

  /**
   * {@code dst[..., index[..., j, ...], ...] = src[..., j, ...]} along {@code dim} (or {@code +=}
   * when {@code accumulate}; for bool, logical or), in row-major order of index.
   */
  static void scatter(View dst, int dim, View index, View src, boolean accumulate) {
    OperandChecks.scatter(dst.shape(), dst.dtype(), dim, index.shape(), index.dtype(),
        src.shape(), src.dtype());
    if (dst.dim() == 0) {
      scatter(as1d(dst), 0, as1d(index), as1d(src), accumulate);
      return;
    }
    int size = dst.shape()[dim];
    int dstDimStride = dst.strides()[dim];
    int[] dstStrides = dst.strides().clone();
    dstStrides[dim] = 0;
    Plan p = Plan.of(index.shape(), new int[][] {dstStrides, index.strides(), src.strides()},
        new int[] {dst.offset(), index.offset(), src.offset()});
    if (p.numel == 0) {
      return;
    }
    long[] idx = (long[]) index.array();
    int[] offsets = new int[CpuLoops.TILE];
    CpuLoops.walk(p, 0, p.numel, (pos, base, n) -> {
      int ds = p.innerStride(0);
      int is = p.innerStride(1);
      int ss = p.innerStride(2);
      for (int done = 0; done < n; done += CpuLoops.TILE) {
        int t = Math.min(CpuLoops.TILE, n - done);
        for (int k = 0; k < t; k++) {
          long i = idx[base[1] + (done + k) * is];
          checkIndex(i, dim, size);
          offsets[k] = base[0] + (done + k) * ds + (int) i * dstDimStride;
        }
        scatterOffsets(src.array(), src.dtype(), base[2] + done * ss, ss, t, dst.array(), offsets,
            accumulate);
      }
    });
  }

  /** Writes src's elements where mask is true, in row-major order, into the 1-D dst. */
  static void maskedSelect(View dst, View src, View mask) {
    OperandChecks.maskedSelect(dst.shape(), dst.dtype(), src.shape(), src.dtype(), mask.shape(),
        mask.dtype());
    int length = dst.shape()[0];
    int dstStride = dst.strides()[0];
    Plan p = Plan.of(src, mask);
    byte[] m = (byte[]) mask.array();
    int[] offsets = new int[CpuLoops.TILE];
    int[] count = new int[1];
    if (p.numel > 0) {
      CpuLoops.walk(p, 0, p.numel, (pos, base, n) -> {
        int ss = p.innerStride(0);
        int ms = p.innerStride(1);
        int t = 0;
        for (int k = 0; k < n; k++) {
          if (m[base[1] + k * ms] != 0) {
            offsets[t++] = base[0] + k * ss;
          }
          if (t == CpuLoops.TILE || (k == n - 1 && t > 0)) {
            if (count[0] + t > length) {
              throw new IllegalArgumentException("maskedSelect: the mask has more true elements"
                  + " than dst's length " + length);
            }
            gatherOffsets(src.array(), src.dtype(), offsets, t, dst.array(),
                dst.offset() + count[0] * dstStride, dstStride);
            count[0] += t;
            t = 0;
          }
        }
      });
    }
    if (count[0] != length) {
      throw new IllegalArgumentException("maskedSelect: the mask has " + count[0]
          + " true elements but dst's length is " + length);
    }
  }

  private static void checkIndex(long i, int dim, int size) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException(
          "index " + i + " is out of bounds for dim " + dim + " with size " + size);
    }
  }

  private static View as1d(View v) {
    return new View(v.array(), v.dtype(), v.offset(), new int[] {1}, new int[] {1});
  }

  /** {@code dst[db + k * ds] = src[offsets[k]]} for {@code k < n}. */
  private static void gatherOffsets(Object src, DType dtype, int[] offsets, int n, Object dst,
      int db, int ds) {
    switch (dtype) {
      case FLOAT32 -> {
        float[] s = (float[]) src;
        float[] d = (float[]) dst;
        for (int k = 0; k < n; k++) {
          d[db + k * ds] = s[offsets[k]];
        }
      }
      case FLOAT64 -> {
        double[] s = (double[]) src;
        double[] d = (double[]) dst;
        for (int k = 0; k < n; k++) {
          d[db + k * ds] = s[offsets[k]];
        }
      }
      case INT64 -> {
        long[] s = (long[]) src;
        long[] d = (long[]) dst;
        for (int k = 0; k < n; k++) {
          d[db + k * ds] = s[offsets[k]];
        }
      }
      case INT32 -> {
        int[] s = (int[]) src;
        int[] d = (int[]) dst;
        for (int k = 0; k < n; k++) {
          d[db + k * ds] = s[offsets[k]];
        }
      }
      case BOOL -> {
        byte[] s = (byte[]) src;
        byte[] d = (byte[]) dst;
        for (int k = 0; k < n; k++) {
          d[db + k * ds] = s[offsets[k]];
        }
      }
    }
  }

  /** {@code dst[offsets[k]] = src[sb + k * ss]} (or {@code +=}; bool: or) for {@code k < n}. */
  private static void scatterOffsets(Object src, DType dtype, int sb, int ss, int n, Object dst,
      int[] offsets, boolean accumulate) {
    switch (dtype) {
      case FLOAT32 -> {
        float[] s = (float[]) src;
        float[] d = (float[]) dst;
        if (accumulate) {
          for (int k = 0; k < n; k++) {
            d[offsets[k]] += s[sb + k * ss];
          }
        } else {
          for (int k = 0; k < n; k++) {
            d[offsets[k]] = s[sb + k * ss];
          }
        }
      }
      case FLOAT64 -> {
        double[] s = (double[]) src;
        double[] d = (double[]) dst;
        if (accumulate) {
          for (int k = 0; k < n; k++) {
            d[offsets[k]] += s[sb + k * ss];
          }
        } else {
          for (int k = 0; k < n; k++) {
            d[offsets[k]] = s[sb + k * ss];
          }
        }
      }
      case INT64 -> {
        long[] s = (long[]) src;
        long[] d = (long[]) dst;
        if (accumulate) {
          for (int k = 0; k < n; k++) {
            d[offsets[k]] += s[sb + k * ss];
          }
        } else {
          for (int k = 0; k < n; k++) {
            d[offsets[k]] = s[sb + k * ss];
          }
        }
      }
      case INT32 -> {
        int[] s = (int[]) src;
        int[] d = (int[]) dst;
        if (accumulate) {
          for (int k = 0; k < n; k++) {
            d[offsets[k]] += s[sb + k * ss];
          }
        } else {
          for (int k = 0; k < n; k++) {
            d[offsets[k]] = s[sb + k * ss];
          }
        }
      }
      case BOOL -> {
        byte[] s = (byte[]) src;
        byte[] d = (byte[]) dst;
        if (accumulate) {
          for (int k = 0; k < n; k++) {
            d[offsets[k]] |= s[sb + k * ss];
          }
        } else {
          for (int k = 0; k < n; k++) {
            d[offsets[k]] = s[sb + k * ss];
          }
        }
      }
    }
  }
}
