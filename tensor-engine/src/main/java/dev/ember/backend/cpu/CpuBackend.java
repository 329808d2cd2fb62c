package dev.ember.backend.cpu;

import dev.ember.backend.Backend;
import dev.ember.backend.BinaryOp;
import dev.ember.backend.HostArrays;
import dev.ember.backend.OperandChecks;
import dev.ember.backend.OptimizerUpdate;
import dev.ember.backend.RandomOp;
import dev.ember.backend.ReduceOp;
import dev.ember.backend.Storage;
import dev.ember.backend.UnaryOp;
import dev.ember.backend.cpu.CpuLoops.View;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;
import java.lang.reflect.Array;
import java.util.Arrays;

/**
 * The CPU backend: every primitive of {@link Backend} on Java arrays, the reference that other
 * backends are tested against.
 *
 * <p>Operands are turned into views (array, dtype, offset, shape, strides) and handed to the op
 * families: {@link CpuElementwise}, {@link CpuReduce}, {@link CpuMatmul}, {@link CpuIndex} and
 * {@link CpuRandom}, all built on the iteration engine {@link CpuLoops}. Work is spread over
 * {@link Parallel}'s threads; results do not depend on the number of threads.
 */
public final class CpuBackend implements Backend {
  /** The one instance. */
  public static final CpuBackend INSTANCE = new CpuBackend();

  /**
   * With {@code -Dember.cpu.poison=true} every allocation is filled with garbage (NaN, or an
   * extreme integer), so code that reads memory it never wrote fails its tests at once; the test
   * build turns it on.
   */
  private static final boolean POISON = Boolean.getBoolean("ember.cpu.poison");

  private final CpuPool pool = new CpuPool(CpuPool.defaultCapacity());

  private CpuBackend() {
    // The GEMM and the SIMD kernels are chosen (and logged) when the backend is created, not in
    // the first operation that needs them: choosing loads the system BLAS through JNI and a few
    // hundred classes of jdk.incubator.vector, about 0.2 s that would otherwise land inside a
    // training loop's first step. (PyTorch pays the same when it is imported.) A choice that
    // failed is reported here in the log and thrown at the first use.
    Gemm.load();
    FloatMath.get();
  }

  @Override
  public Device device() {
    return Device.CPU;
  }

  /** A fresh array, or one that a scope returned to the pool (then with stale contents). */
  @Override
  public Storage allocate(DType dtype, int size) {
    if (size < 0) {
      throw new IllegalArgumentException("storage size must be >= 0, got " + size);
    }
    Object array = pool.take(dtype, size);
    if (array == null) {
      array = CpuStorage.newArray(dtype, size);
    }
    if (POISON) {
      poison(array);
    }
    return new CpuStorage(this, dtype, array, size);
  }

  private static void poison(Object array) {
    if (array instanceof float[] f) {
      Arrays.fill(f, Float.NaN);
    } else if (array instanceof double[] d) {
      Arrays.fill(d, Double.NaN);
    } else if (array instanceof long[] l) {
      Arrays.fill(l, Long.MIN_VALUE + 12345);
    } else if (array instanceof int[] i) {
      Arrays.fill(i, Integer.MIN_VALUE + 12345);
    } else {
      Arrays.fill((byte[]) array, (byte) 1);
    }
  }

  /** Returns the array to the pool (see {@link CpuPool}); the garbage collector takes the rest. */
  @Override
  public void free(Storage storage) {
    pool.give(storage.dtype(), ((CpuStorage) storage).array(), storage.size());
  }

  /** Bytes held by freed arrays waiting to be reused. */
  public long cachedBytes() {
    return pool.cachedBytes();
  }

  /** Drops the cached arrays (like {@code torch.cuda.empty_cache}). */
  public void emptyCache() {
    pool.clear();
  }

  @Override
  public Storage upload(Object array, DType dtype) {
    Object copy = switch (dtype) {
      case FLOAT32 -> array instanceof float[] a ? a.clone() : null;
      case FLOAT64 -> array instanceof double[] a ? a.clone() : null;
      case INT64 -> array instanceof long[] a ? a.clone() : null;
      case INT32 -> array instanceof int[] a ? a.clone() : null;
      case BOOL -> array instanceof boolean[] a ? HostArrays.toBytes(a) : null;
    };
    if (copy == null) {
      throw new IllegalArgumentException("upload of " + dtype + " takes a " + javaType(dtype)
          + ", got " + (array == null ? "null" : array.getClass().getSimpleName()));
    }
    return new CpuStorage(this, dtype, copy, Array.getLength(copy));
  }

  private static String javaType(DType dtype) {
    return switch (dtype) {
      case FLOAT32 -> "float[]";
      case FLOAT64 -> "double[]";
      case INT64 -> "long[]";
      case INT32 -> "int[]";
      case BOOL -> "boolean[]";
    };
  }


  @Override
  public Object download(Tensor src) {
    View v = view(src);
    int n = v.numel();
    Object out;
    if (v.isContiguous()) {
      out = CpuStorage.newArray(v.dtype(), n);
      System.arraycopy(v.array(), v.offset(), out, 0, n);
    } else {
      View tmp = View.allocate(v.dtype(), v.shape());
      CpuElementwise.copy(tmp, v);
      out = tmp.array();
    }
    if (v.dtype() == DType.BOOL) {
      return HostArrays.toBooleans((byte[]) out, n);
    }
    return out;
  }

  @Override
  public void fill(Tensor dst, double value) {
    CpuElementwise.fill(view(dst), value);
  }

  @Override
  public void copy(Tensor dst, Tensor src) {
    View d = view(dst);
    View s = view(src);
    sameShape("copy", d, s);
    CpuElementwise.copy(d, s);
  }

  @Override
  public void unary(UnaryOp op, Tensor dst, Tensor src, double p0, double p1) {
    View d = view(dst);
    View s = view(src);
    sameShape("unary " + op, d, s);
    if (d.dtype() != (op.producesBool() ? DType.BOOL : s.dtype())) {
      throw new IllegalArgumentException("unary " + op + " on " + s.dtype()
          + " cannot write a " + d.dtype() + " dst");
    }
    CpuElementwise.unary(op, d, s, p0, p1);
  }

  @Override
  public void binary(BinaryOp op, Tensor dst, Tensor a, Tensor b) {
    View d = view(dst);
    View x = view(a);
    View y = view(b);
    sameShape("binary " + op, d, x, y);
    if (d.dtype() != (op.producesBool() ? DType.BOOL : x.dtype())) {
      throw new IllegalArgumentException("binary " + op + " on " + x.dtype()
          + " cannot write a " + d.dtype() + " dst");
    }
    CpuElementwise.binary(op, d, x, y);
  }

  @Override
  public void where(Tensor dst, Tensor cond, Tensor a, Tensor b) {
    View d = view(dst);
    View c = view(cond);
    View x = view(a);
    View y = view(b);
    sameShape("where", d, c, x, y);
    if (c.dtype() != DType.BOOL || x.dtype() != d.dtype() || y.dtype() != d.dtype()) {
      throw new IllegalArgumentException("where needs a bool cond and a, b, dst of one dtype, got "
          + c.dtype() + ", " + x.dtype() + ", " + y.dtype() + " -> " + d.dtype());
    }
    CpuElementwise.where(d, c, x, y);
  }

  @Override
  public void reduce(ReduceOp op, Tensor dst, Tensor src, int[] dims) {
    View d = view(dst);
    View s = view(src);
    int[] expected = s.shape().clone();
    for (int dim : dims) {
      if (dim >= 0 && dim < expected.length) {
        expected[dim] = 1;
      }
    }
    if (!Arrays.equals(expected, d.shape())) {
      throw new IllegalArgumentException("reduce " + op + " of " + Arrays.toString(s.shape())
          + " over " + Arrays.toString(dims) + " needs a dst of shape "
          + Arrays.toString(expected) + ", got " + Arrays.toString(d.shape()));
    }
    CpuReduce.reduce(op, d, s, dims);
  }

  @Override
  public void scan(ReduceOp op, Tensor dst, Tensor src, int dim) {
    View d = view(dst);
    View s = view(src);
    sameShape("scan " + op, d, s);
    CpuReduce.scan(op, d, s, dim);
  }

  @Override
  public void softmax(Tensor dst, Tensor src, int dim, boolean log) {
    View d = view(dst);
    View s = view(src);
    sameShape(log ? "log_softmax" : "softmax", d, s);
    CpuReduce.softmax(d, s, dim, log);
  }

  @Override
  public void nllRows(Tensor loss, Tensor logp, Tensor target, int ignoreIndex) {
    OperandChecks.crossEntropy("nllRows", logp.shape(), logp.dtype(), target.shape(),
        target.dtype(), new int[][] {loss.shape()}, new DType[] {loss.dtype()}, new int[0][],
        new DType[0]);
    View l = view(loss);
    View p = view(logp);
    View tv = view(target);
    long[] t = (long[]) tv.array();
    int n = p.shape()[0];
    for (int i = 0; i < n; i++) {
      long c = t[tv.offset() + i * tv.strides()[0]];
      double v = c == ignoreIndex ? 0
          : -CpuLoops.getDouble(p.array(), p.dtype(),
              p.offset() + i * p.strides()[0] + (int) c * p.strides()[1]);
      int at = l.offset() + i * l.strides()[0];
      if (l.dtype() == DType.FLOAT32) {
        ((float[]) l.array())[at] = (float) v;
      } else {
        ((double[]) l.array())[at] = v;
      }
    }
  }

  @Override
  public void nllMean(Tensor mean, Tensor count, Tensor logp, Tensor target, int ignoreIndex,
      String what) {
    OperandChecks.nllMean(mean.shape(), mean.dtype(), count.shape(), count.dtype(),
        logp.shape(), logp.dtype(), target.shape(), target.dtype());
    View p = view(logp);
    View tv = view(target);
    long[] t = (long[]) tv.array();
    int n = p.shape()[0];
    int classes = p.shape()[1];
    double sum = 0;
    int valid = 0;
    for (int i = 0; i < n; i++) {
      long c = t[tv.offset() + i * tv.strides()[0]];
      if (c == ignoreIndex) {
        continue;
      }
      if (c < 0 || c >= classes) {
        throw new IndexOutOfBoundsException(what + ": target " + c + " at position " + i
            + " is out of bounds for " + classes + " classes");
      }
      sum -= CpuLoops.getDouble(p.array(), p.dtype(),
          p.offset() + i * p.strides()[0] + (int) c * p.strides()[1]);
      valid++;
    }
    fill(mean, sum / valid);
    fill(count, valid);
  }

  @Override
  public void crossEntropyBackward(Tensor grad, Tensor logp, Tensor target, Tensor scale,
      int ignoreIndex) {
    OperandChecks.crossEntropy("crossEntropyBackward", logp.shape(), logp.dtype(),
        target.shape(), target.dtype(), new int[][] {scale.shape()}, new DType[] {scale.dtype()},
        new int[][] {grad.shape()}, new DType[] {grad.dtype()});
    View g = view(grad);
    View p = view(logp);
    View tv = view(target);
    View sv = view(scale);
    long[] t = (long[]) tv.array();
    int n = p.shape()[0];
    int c = p.shape()[1];
    boolean f32 = p.dtype() == DType.FLOAT32;
    // The arithmetic of the composed loss's gradient, in its order, so that the fused one equals
    // it bit for bit: e = exp(logp) as Tensor.exp computes it, then e * s off the target and
    // e * s - s on it.
    Parallel.forRange(n, Math.max(1, CpuLoops.GRAIN_HEAVY / Math.max(1, c)), (r0, r1) -> {
      float[] row = f32 ? new float[c] : null;
      for (int i = r0; i < r1; i++) {
        long ti = t[tv.offset() + i * tv.strides()[0]];
        int pRow = p.offset() + i * p.strides()[0];
        int gRow = g.offset() + i * g.strides()[0];
        int ps = p.strides()[1];
        int gs = g.strides()[1];
        if (f32) {
          float[] pa = (float[]) p.array();
          float[] ga = (float[]) g.array();
          float s = ((float[]) sv.array())[sv.offset() + i * sv.strides()[0]];
          for (int j = 0; j < c; j++) {
            row[j] = pa[pRow + j * ps];
          }
          FloatMath.get().exp(row, 0, row, 0, c);
          for (int j = 0; j < c; j++) {
            float es = row[j] * s;
            ga[gRow + j * gs] = ti == ignoreIndex ? 0f : j == ti ? es - s : es;
          }
        } else {
          double[] pa = (double[]) p.array();
          double[] ga = (double[]) g.array();
          double s = ((double[]) sv.array())[sv.offset() + i * sv.strides()[0]];
          for (int j = 0; j < c; j++) {
            double es = Math.exp(pa[pRow + j * ps]) * s;
            ga[gRow + j * gs] = ti == ignoreIndex ? 0d : j == ti ? es - s : es;
          }
        }
      }
    });
  }

  @Override
  public void matmul(Tensor dst, Tensor a, Tensor bm, double alpha, double beta) {
    CpuMatmul.matmul(view(dst), view(a), view(bm), alpha, beta);
  }

  /** The addend copied into dst, then a GEMM accumulating onto it (BLAS has no addend). */
  @Override
  public void matmulAdd(Tensor dst, Tensor a, Tensor bm, Tensor addend, double alpha,
      double beta) {
    OperandChecks.addend(dst.shape(), dst.dtype(), addend.shape(), addend.dtype());
    if (beta != 0 && addend != dst) {
      copy(dst, addend);
    }
    matmul(dst, a, bm, alpha, beta);
  }

  @Override
  public void gather(Tensor dst, Tensor src, int dim, Tensor index) {
    CpuIndex.gather(view(dst), view(src), dim, view(index));
  }

  @Override
  public void scatter(Tensor dst, int dim, Tensor index, Tensor src, boolean accumulate) {
    CpuIndex.scatter(view(dst), dim, view(index), view(src), accumulate);
  }

  @Override
  public void maskedSelect(Tensor dst, Tensor src, Tensor mask) {
    CpuIndex.maskedSelect(view(dst), view(src), view(mask));
  }

  @Override
  public void random(RandomOp op, Tensor dst, long seed, long offset, double a, double b) {
    CpuRandom.random(op, view(dst), seed, offset, a, b);
  }

  /** A tensor's elements as a view of its storage array. */
  private static View view(Tensor t) {
    Storage s = t.storage();
    if (!(s instanceof CpuStorage cs)) {
      throw new IllegalArgumentException(
          "the CPU backend got tensor " + t.describe() + " on device " + s.device());
    }
    return new View(cs.array(), t.dtype(), t.storageOffset(), t.shape(), t.stride());
  }

  private static void sameShape(String op, View dst, View... inputs) {
    for (View in : inputs) {
      if (!Arrays.equals(dst.shape(), in.shape())) {
        throw new IllegalArgumentException(op + ": operand shape " + Arrays.toString(in.shape())
            + " differs from dst shape " + Arrays.toString(dst.shape())
            + " (operands arrive broadcast)");
      }
    }
  }

  // --- optim: fused optimizer updates (dev.ember.optim) ---

  @Override
  public void optimizerUpdate(
      OptimizerUpdate kind, Tensor param, Tensor grad, Tensor[] state, double[] hyper) {
    if (state.length != kind.stateSlots() || hyper.length != kind.hyperCount()) {
      throw new IllegalArgumentException("optimizer update " + kind + " takes " + kind.stateSlots()
          + " state slots and " + kind.hyperCount() + " hyperparameters, got " + state.length
          + " and " + hyper.length);
    }
    View p = view(param);
    if (p.dtype() != DType.FLOAT32 && p.dtype() != DType.FLOAT64) {
      throw new IllegalArgumentException("optimizer update " + kind
          + " needs a float32 or float64 parameter, got " + param.describe());
    }
    int n = p.numel();
    CpuOptim.Arr pa = optimArray(kind, "param", param, p, n);
    CpuOptim.Arr ga = optimArray(kind, "grad", grad, p, n);
    CpuOptim.Arr[] sa = new CpuOptim.Arr[state.length];
    for (int i = 0; i < state.length; i++) {
      if (state[i] != null) {
        sa[i] = optimArray(kind, "state[" + i + "]", state[i], p, n);
      }
    }
    boolean[] present = new boolean[sa.length];
    for (int i = 0; i < sa.length; i++) {
      present[i] = sa[i] != null;
    }
    OperandChecks.optimizerStates(kind, hyper, present);
    CpuOptim.update(kind, n, pa, ga, sa, hyper, p.dtype() == DType.FLOAT64);
  }

  private static CpuOptim.Arr optimArray(
      OptimizerUpdate kind, String what, Tensor t, View param, int n) {
    View v = view(t);
    if (v.dtype() != param.dtype() || v.numel() != n || !v.isContiguous()) {
      throw new IllegalArgumentException("optimizer update " + kind + ": " + what + " "
          + t.describe() + (v.isContiguous() ? "" : " (not contiguous)")
          + " must be a contiguous " + param.dtype() + " tensor of " + n + " elements");
    }
    return new CpuOptim.Arr(v.array(), v.offset());
  }

  // convolution and pooling

  @Override
  public void im2col(Tensor dst, Tensor src, int[] stride, int[] padding, int[] dilation) {
    CpuConv.im2col(view(dst), view(src), stride, padding, dilation);
  }

  @Override
  public void col2im(Tensor dst, Tensor src, int[] stride, int[] padding, int[] dilation) {
    CpuConv.col2im(view(dst), view(src), stride, padding, dilation);
  }

  @Override
  public void maxPool2d(Tensor dst, Tensor indices, Tensor src, int[] kernel, int[] stride,
      int[] padding, int[] dilation) {
    CpuConv.maxPool2d(view(dst), view(indices), view(src), kernel, stride, padding, dilation);
  }

  @Override
  public void maxPool2dBackward(Tensor dst, Tensor grad, Tensor indices) {
    CpuConv.maxPool2dBackward(view(dst), view(grad), view(indices));
  }

  // ---------------------------------------------------------------------------------------------
  // recurrent cells (loops in CpuRecurrent)

  @Override
  public void lstmCell(Tensor gates, Tensor cPrev, Tensor h, Tensor c) {
    CpuRecurrent.lstmCell(view(gates), view(cPrev), view(h), view(c));
  }

  @Override
  public void lstmCellBackward(
      Tensor act, Tensor cPrev, Tensor c, Tensor dh, Tensor dc, Tensor dGates, Tensor dcPrev) {
    CpuRecurrent.lstmCellBackward(view(act), view(cPrev), view(c), dh == null ? null : view(dh),
        dc == null ? null : view(dc), view(dGates), view(dcPrev));
  }

  @Override
  public void gruCell(Tensor xg, Tensor hg, Tensor hPrev, Tensor h, Tensor saved) {
    CpuRecurrent.gruCell(view(xg), view(hg), view(hPrev), view(h), view(saved));
  }

  @Override
  public void gruCellBackward(
      Tensor saved, Tensor hPrev, Tensor dh, Tensor dxg, Tensor dhg, Tensor dhPrev) {
    CpuRecurrent.gruCellBackward(
        view(saved), view(hPrev), view(dh), view(dxg), view(dhg), view(dhPrev));
  }
}
