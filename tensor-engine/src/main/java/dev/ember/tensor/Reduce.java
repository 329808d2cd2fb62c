package dev.ember.tensor;

import static dev.ember.autograd.Autograd.record;

import dev.ember.autograd.SavedTensor;
import dev.ember.backend.ReduceOp;

/**
 * Reductions over any set of dims (sum, mean, prod, max, min, argmax, argmin, var, std, norm,
 * logsumexp, all, any), softmax and log-softmax, and cumulative sums. Each reduction computes its
 * keep-dim result on the backend and views away the reduced dims when {@code keepDim} is false.
 */
final class Reduce {
  private Reduce() {}

  /** The reduction of {@code x} over normalized {@code dims} into a keep-dim tensor, raw. */
  private static Tensor reduceRaw(ReduceOp op, Tensor x, int[] dims, DType outType) {
    int[] keep = Shapes.reduced(x.shapeRef(), dims, true);
    Tensor out = Tensor.allocate(outType, x.device(), keep);
    if (x.dim() == 0 || dims.length == 0) {
      // Nothing to reduce: a 0-d tensor reduced over "all" dims is itself.
      if (op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN) {
        out.backend().fill(out, 0);
        return out;
      }
      out.backend().copy(out, x);
      return out;
    }
    out.backend().reduce(op, out, x, dims);
    return out;
  }

  /**
   * Drops the reduced dims of a fresh keep-dim result when not keeping them: a new tensor over the
   * same storage, not a view, so that the result owns its history.
   */
  private static Tensor finish(Tensor keepShaped, int[] inShape, int[] dims, boolean keepDim) {
    return keepDim ? keepShaped : Tensor.wrap(keepShaped.storage(), Shapes.reduced(inShape, dims, false));
  }

  /** The gradient of a reduced result broadcast back to the input's shape. */
  private static Tensor expandBack(Tensor g, int[] inShape, int[] dims) {
    return g.reshape(Shapes.reduced(inShape, dims, true)).expand(inShape);
  }

  private static int count(int[] shape, int[] dims) {
    int n = 1;
    for (int d : dims) {
      n *= shape[d];
    }
    return n;
  }

  static Tensor sum(Tensor x, int[] dimsIn, boolean keepDim) {
    int[] in = x.shapeRef();
    int[] dims = Shapes.dims(dimsIn, x.dim(), in);
    DType t = x.dtype().isFloatingPoint() ? x.dtype() : DType.INT64;
    Tensor out = finish(reduceRaw(ReduceOp.SUM, x, dims, t), in, dims, keepDim);
    record("SumBackward", out, (g, n) -> new Tensor[] {expandBack(g, in, dims)}, x);
    return out;
  }

  static Tensor mean(Tensor x, int[] dimsIn, boolean keepDim) {
    if (!x.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(
          "mean(): could not infer output dtype. Input dtype must be a floating point dtype, got "
              + x.describe());
    }
    int[] dims = Shapes.dims(dimsIn, x.dim(), x.shapeRef());
    return sum(x, dimsIn, keepDim).div(count(x.shapeRef(), dims));
  }

  static Tensor prod(Tensor x, int[] dimsIn, boolean keepDim) {
    int[] in = x.shapeRef();
    int[] dims = Shapes.dims(dimsIn, x.dim(), in);
    DType t = x.dtype().isFloatingPoint() ? x.dtype() : DType.INT64;
    Tensor out = finish(reduceRaw(ReduceOp.PROD, x, dims, t), in, dims, keepDim);
    SavedTensor sx = SavedTensor.of(x);
    SavedTensor so = SavedTensor.of(out);
    record("ProdBackward", out, (g, n) -> {
      // d prod / d x_i is the product of the others: out / x_i without zeros; with exactly one
      // zero in a slice only that position gets the product of the rest; with two, nothing.
      Tensor v = sx.get();
      Tensor ge = expandBack(g, in, dims);
      Tensor oe = expandBack(so.get(), in, dims);
      Tensor isZero = v.eq(0);
      Tensor zeros = expandBack(isZero.sum(dims, true), in, dims);
      Tensor safe = Tensor.where(isZero, 1.0, v);
      Tensor others = expandBack(safe.prod(dims, true), in, dims);
      Tensor noZero = ge.mul(oe).div(safe);
      Tensor oneZero = Tensor.where(isZero, ge.mul(others), Tensor.zerosLike(ge));
      return new Tensor[] {
          Tensor.where(zeros.eq(0), noZero, Tensor.where(zeros.eq(1), oneZero, Tensor.zerosLike(ge)))};
    }, x);
    return out;
  }

  static Tensor amax(Tensor x, int[] dimsIn, boolean keepDim) {
    return extreme(x, dimsIn, keepDim, ReduceOp.MAX, "AmaxBackward", false);
  }

  static Tensor amin(Tensor x, int[] dimsIn, boolean keepDim) {
    return extreme(x, dimsIn, keepDim, ReduceOp.MIN, "AminBackward", false);
  }

  /**
   * The maximum ({@code max}) or minimum of all elements. Unlike amax/amin, a NaN result counts as
   * equal to the NaN elements, which share the gradient (PyTorch's evenly_distribute_backward).
   */
  static Tensor extremeAll(Tensor x, boolean max) {
    return extreme(x, new int[0], false, max ? ReduceOp.MAX : ReduceOp.MIN,
        max ? "MaxBackward" : "MinBackward", true);
  }

  private static Tensor extreme(Tensor x, int[] dimsIn, boolean keepDim, ReduceOp op, String name,
      boolean nanMatches) {
    int[] in = x.shapeRef();
    int[] dims = Shapes.dims(dimsIn, x.dim(), in);
    checkNonEmpty(x, dims, op);
    Tensor keep = reduceRaw(op, x, dims, x.dtype());
    Tensor out = finish(keep, in, dims, keepDim);
    SavedTensor sx = SavedTensor.of(x);
    SavedTensor sk = SavedTensor.of(keep);
    record(name, out, (g, n) -> {
      // The gradient is shared evenly among the elements equal to the extreme.
      Tensor v = sx.get();
      Tensor k = sk.get().expand(in);
      Tensor mask = v.eq(k);
      if (nanMatches) {
        mask = mask.logicalOr(v.isnan().logicalAnd(k.isnan()));
      }
      Tensor m = mask.to(g.dtype());
      Tensor cnt = m.sum(dims, true);
      return new Tensor[] {expandBack(g, in, dims).mul(m).div(cnt.expand(in))};
    }, x);
    return out;
  }

  private static void checkNonEmpty(Tensor x, int[] dims, ReduceOp op) {
    for (int d : dims) {
      if (x.shapeRef()[d] == 0) {
        throw new IllegalArgumentException(
            op.name().toLowerCase(java.util.Locale.ROOT) + "(): expected reduction dim " + d
                + " to have non-zero size (input " + x.describe() + ")");
      }
    }
    if (x.numel() == 0 && dims.length == 0) {
      throw new IllegalArgumentException(
          op.name().toLowerCase(java.util.Locale.ROOT) + "(): cannot reduce an empty tensor "
              + x.describe());
    }
  }

  static ValuesIndices maxWithIndices(Tensor x, int dim, boolean keepDim, boolean max) {
    int[] in = x.shapeRef();
    int d = Shapes.dim(dim, x.dim(), in);
    int[] dims = x.dim() == 0 ? new int[0] : new int[] {d};
    ReduceOp op = max ? ReduceOp.MAX : ReduceOp.MIN;
    checkNonEmpty(x, dims, op);
    Tensor keepVals = reduceRaw(op, x, dims, x.dtype());
    Tensor keepIdx = reduceRaw(max ? ReduceOp.ARGMAX : ReduceOp.ARGMIN, x, dims, DType.INT64);
    Tensor values = finish(keepVals, in, dims, keepDim);
    Tensor indices = finish(keepIdx, in, dims, keepDim);
    if (x.dim() > 0) {
      int[] keepShape = Shapes.reduced(in, dims, true);
      record(max ? "MaxBackward" : "MinBackward", values, (g, n) -> new Tensor[] {
          Tensor.zeros(g.dtype(), g.device(), in).scatter(d, keepIdx, g.reshape(keepShape))}, x);
    } else {
      record(max ? "MaxBackward" : "MinBackward", values, (g, n) -> new Tensor[] {g}, x);
    }
    return new ValuesIndices(values, indices);
  }

  static Tensor arg(Tensor x, int dim, boolean keepDim, boolean max) {
    int[] in = x.shapeRef();
    int d = Shapes.dim(dim, x.dim(), in);
    int[] dims = x.dim() == 0 ? new int[0] : new int[] {d};
    ReduceOp op = max ? ReduceOp.ARGMAX : ReduceOp.ARGMIN;
    checkNonEmpty(x, dims, op);
    return finish(reduceRaw(op, x, dims, DType.INT64), in, dims, keepDim);
  }

  static Tensor var(Tensor x, int[] dimsIn, int correction, boolean keepDim) {
    if (!x.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException("var/std need a floating point input, got " + x.describe());
    }
    if (correction < 0) {
      throw new IllegalArgumentException("correction must be >= 0, got " + correction);
    }
    int[] dims = Shapes.dims(dimsIn, x.dim(), x.shapeRef());
    int n = count(x.shapeRef(), dims);
    Tensor centered = x.sub(x.mean(dims, true));
    // N - correction <= 0 gives inf or nan, as in PyTorch.
    return centered.mul(centered).sum(dims, keepDim).div((double) Math.max(0, n - correction));
  }

  /** The square root of {@link #var}; where it is 0 the gradient is 0, as in PyTorch (not inf * 0). */
  static Tensor std(Tensor x, int[] dimsIn, int correction, boolean keepDim) {
    Tensor v = var(x, dimsIn, correction, keepDim);
    Tensor out;
    try (var g = dev.ember.autograd.Autograd.noGrad()) {
      out = v.sqrt();
    }
    SavedTensor so = SavedTensor.of(out);
    record("StdBackward", out, (g, n) -> {
      Tensor s = so.get();
      return new Tensor[] {Tensor.where(s.eq(0), 0.0, g.div(s.mul(2)))};
    }, v);
    return out;
  }

  static Tensor norm(Tensor x, double p, int[] dimsIn, boolean keepDim) {
    if (!x.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException("norm needs a floating point input, got " + x.describe());
    }
    if (p < 0 || Double.isNaN(p)) {
      throw new IllegalArgumentException("norm: p must be >= 0 or infinity, got " + p);
    }
    int[] in = x.shapeRef();
    int[] dims = Shapes.dims(dimsIn, x.dim(), in);
    Tensor out;
    try (var g = dev.ember.autograd.Autograd.noGrad()) {
      Tensor a = x.abs();
      if (p == Double.POSITIVE_INFINITY) {
        out = x.numel() == 0 ? Tensor.zeros(x.dtype(), x.device(), Shapes.reduced(in, dims, keepDim))
            : a.amax(dims, keepDim);
      } else if (p == 0) {
        out = a.ne(0).to(x.dtype()).sum(dims, keepDim);
      } else if (p == 1) {
        out = a.sum(dims, keepDim);
      } else if (p == 2) {
        out = x.mul(x).sum(dims, keepDim).sqrt();
      } else {
        out = a.pow(p).sum(dims, keepDim).pow(1 / p);
      }
    }
    SavedTensor sx = SavedTensor.of(x);
    SavedTensor so = SavedTensor.of(out);
    record("NormBackward", out, (g, n) -> {
      Tensor v = sx.get();
      Tensor ge = expandBack(g, in, dims);
      Tensor ne = expandBack(so.get(), in, dims);
      Tensor zero = Tensor.zerosLike(ge);
      Tensor r;
      if (p == 0) {
        r = zero;
      } else if (p == 1) {
        r = ge.mul(v.sign());
      } else if (p == Double.POSITIVE_INFINITY) {
        Tensor m = v.abs().eq(ne).to(v.dtype());
        Tensor cnt = expandBack(m.sum(dims, true), in, dims);
        r = ge.mul(v.sign()).mul(m).div(cnt);
      } else if (p == 2) {
        // x / ||x||, defined as 0 where the norm is 0 (PyTorch's subgradient).
        r = Tensor.where(ne.eq(0), zero, ge.mul(v).div(ne));
      } else {
        Tensor d = v.mul(v.abs().pow(p - 2)).div(ne.pow(p - 1));
        r = Tensor.where(ne.eq(0), zero, ge.mul(d));
      }
      return new Tensor[] {r};
    }, x);
    return out;
  }

  static Tensor logsumexp(Tensor x, int[] dimsIn, boolean keepDim) {
    Tensor xf = x.dtype().isFloatingPoint() ? x : x.to(DType.FLOAT32);
    int[] in = xf.shapeRef();
    int[] dims = Shapes.dims(dimsIn, xf.dim(), in);
    Tensor out;
    try (var g = dev.ember.autograd.Autograd.noGrad()) {
      if (xf.numel() == 0) {
        out = Tensor.full(Shapes.reduced(in, dims, keepDim), Double.NEGATIVE_INFINITY, xf.dtype(), xf.device());
      } else {
        Tensor m = xf.amax(dims, true);
        m = Tensor.where(m.isinf(), 0.0, m);
        Tensor s = xf.sub(m).exp().sum(dims, true).log().add(m);
        out = finish(s, in, dims, keepDim);
      }
    }
    SavedTensor sx = SavedTensor.of(xf);
    SavedTensor so = SavedTensor.of(out);
    record("LogsumexpBackward", out, (g, n) -> new Tensor[] {
        expandBack(g, in, dims).mul(sx.get().sub(expandBack(so.get(), in, dims)).exp())}, xf);
    return out;
  }

  static Tensor softmax(Tensor x, int dim, boolean log) {
    Tensor xf = x.dtype().isFloatingPoint() ? x : x.to(DType.FLOAT32);
    int d = Shapes.dim(dim, xf.dim(), xf.shapeRef());
    Tensor out = Tensor.allocate(xf.dtype(), xf.device(), xf.shapeRef());
    if (xf.numel() > 0) {
      if (xf.dim() == 0) {
        out.backend().fill(out, log ? 0 : 1);
      } else {
        out.backend().softmax(out, xf, d, log);
      }
    }
    SavedTensor so = SavedTensor.of(out);
    if (log) {
      record("LogSoftmaxBackward", out, (g, n) -> {
        Tensor y = so.get();
        return new Tensor[] {g.sub(y.exp().mul(g.sum(d, true)))};
      }, xf);
    } else {
      record("SoftmaxBackward", out, (g, n) -> {
        Tensor y = so.get();
        return new Tensor[] {y.mul(g.sub(g.mul(y).sum(d, true)))};
      }, xf);
    }
    return out;
  }

  static Tensor cumsum(Tensor x, int dim) {
    int d = Shapes.dim(dim, x.dim(), x.shapeRef());
    DType t = x.dtype().isFloatingPoint() ? x.dtype() : DType.INT64;
    Tensor out = Tensor.allocate(t, x.device(), x.shapeRef());
    if (x.dim() == 0) {
      out.backend().copy(out, x);
    } else if (x.numel() > 0) {
      out.backend().scan(ReduceOp.SUM, out, x, d);
    }
    if (x.dim() == 0) {
      record("CumsumBackward", out, (g, n) -> new Tensor[] {g}, x);
    } else {
      record("CumsumBackward", out, (g, n) -> new Tensor[] {g.flip(d).cumsum(d).flip(d)}, x);
    }
    return out;
  }

  static Tensor logical(Tensor x, ReduceOp op, int[] dimsIn, boolean keepDim) {
    int[] in = x.shapeRef();
    int[] dims = Shapes.dims(dimsIn, x.dim(), in);
    if (x.dim() == 0 || dims.length == 0) {
      return finish(x.ne(0), in, dims, keepDim);
    }
    return finish(reduceRaw(op, x, dims, DType.BOOL), in, dims, keepDim);
  }
}
