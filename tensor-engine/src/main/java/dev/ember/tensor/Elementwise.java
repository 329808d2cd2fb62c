package dev.ember.tensor;

import static dev.ember.autograd.Autograd.record;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.autograd.Node;
import dev.ember.autograd.SavedTensor;
import dev.ember.backend.BinaryOp;
import dev.ember.backend.UnaryOp;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Elementwise operators: forward on the backend's unary/binary/where primitives with broadcasting
 * and type promotion, backward written once with tensor operators; and the in-place protocol that
 * every {@code op_} goes through.
 */
final class Elementwise {
  private Elementwise() {}

  private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
  private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

  // ---------------------------------------------------------------------------------------------
  // Plumbing

  /** A 0-d tensor holding a Java scalar, typed like PyTorch's wrapped numbers next to {@code t}. */
  static Tensor scalarLike(Number v, Tensor t) {
    DType.Kind kind = v instanceof Double || v instanceof Float ? DType.Kind.FLOAT : DType.Kind.INT;
    DType dt = DType.promoteWithScalar(t.dtype(), kind);
    return Tensor.full(Shapes.SCALAR, v.doubleValue(), dt, t.device());
  }

  /**
   * The result dtype of an operation on two tensors, with PyTorch's rule for 0-d tensors (which
   * Java scalars become, see {@link #scalarLike}): a 0-d operand next to a dimensioned one
   * only counts when its category (bool < integer < floating point) is higher, so
   * {@code float32[3] + float64[]} is float32 and {@code int32[3] + int64[]} is int32, but
   * {@code int32[3] + float64[]} is float64.
   */
  static DType resultType(Tensor a, Tensor b) {
    boolean za = a.dim() == 0;
    if (za == (b.dim() == 0)) {
      return DType.promote(a.dtype(), b.dtype());
    }
    DType dimensioned = za ? b.dtype() : a.dtype();
    DType zeroDim = za ? a.dtype() : b.dtype();
    return zeroDim.kind().ordinal() > dimensioned.kind().ordinal()
        ? DType.promote(dimensioned, zeroDim) : dimensioned;
  }

  static Tensor mulScalar(Tensor t, Number alpha) {
    return alpha.doubleValue() == 1 ? t : mul(t, scalarLike(alpha, t));
  }

  static void sameDevice(String op, Tensor a, Tensor b) {
    if (!a.device().equals(b.device())) {
      throw new IllegalArgumentException(
          op + ": expected all tensors on the same device, found " + a.device() + " and " + b.device());
    }
  }

  /** {@code t} as {@code dtype} without recording (a fresh tensor unless already of that dtype). */
  static Tensor castRaw(Tensor t, DType dtype) {
    if (t.dtype() == dtype) {
      return t;
    }
    Tensor out = Tensor.allocate(dtype, t.device(), t.shapeRef());
    out.backend().copy(out, t);
    return out;
  }

  /** {@code t} converted to {@code dtype}, differentiable between floating-point dtypes. */
  static Tensor cast(Tensor t, DType dtype) {
    if (t.dtype() == dtype) {
      return t;
    }
    Tensor out = castRaw(t, dtype);
    DType from = t.dtype();
    if (from.isFloatingPoint()) {
      record("ToCopyBackward", out, (g, n) -> new Tensor[] {g.to(from)}, t);
    }
    return out;
  }

  private static Tensor unaryRaw(UnaryOp op, Tensor x, double p0, double p1) {
    Tensor out = Tensor.allocate(op.producesBool() ? DType.BOOL : x.dtype(), x.device(), x.shapeRef());
    out.backend().unary(op, out, x, p0, p1);
    return out;
  }

  /** Integer and bool inputs of floating-point functions are computed in float32, as PyTorch. */
  private static Tensor floating(Tensor x) {
    return x.dtype().isFloatingPoint() ? x : castRaw(x, DType.FLOAT32);
  }

  private static Tensor binaryRaw(BinaryOp op, Tensor a, Tensor b, DType compute) {
    sameDevice(op.name().toLowerCase(java.util.Locale.ROOT), a, b);
    int[] shape = Shapes.broadcast(a.shapeRef(), b.shapeRef());
    Tensor ac = Movement.expandRaw(castRaw(a, compute), shape);
    Tensor bc = Movement.expandRaw(castRaw(b, compute), shape);
    Tensor out = Tensor.allocate(op.producesBool() ? DType.BOOL : compute, a.device(), shape);
    out.backend().binary(op, out, ac, bc);
    return out;
  }

  /** The gradient {@code g} of a broadcast result summed back to an operand's shape. */
  static Tensor sumTo(Tensor g, int[] shape) {
    int[] gs = g.shapeRef();
    if (java.util.Arrays.equals(gs, shape)) {
      return g;
    }
    int lead = gs.length - shape.length;
    int count = lead;
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] == 1 && gs[i + lead] != 1) {
        count++;
      }
    }
    int[] dims = new int[count];
    int k = 0;
    for (int i = 0; i < lead; i++) {
      dims[k++] = i;
    }
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] == 1 && gs[i + lead] != 1) {
        dims[k++] = i + lead;
      }
    }
    Tensor s = count == 0 ? g : Reduce.sum(g, dims, true);
    return s.reshape(shape);
  }

  // ---------------------------------------------------------------------------------------------
  // Arithmetic

  static Tensor add(Tensor a, Tensor b) {
    Tensor out = binaryRaw(BinaryOp.ADD, a, b, resultType(a, b));
    int[] as = a.shapeRef();
    int[] bs = b.shapeRef();
    record("AddBackward", out, (g, n) -> new Tensor[] {sumTo(g, as), sumTo(g, bs)}, a, b);
    return out;
  }

  static Tensor sub(Tensor a, Tensor b) {
    if (a.dtype() == DType.BOOL && b.dtype() == DType.BOOL) {
      throw new IllegalArgumentException(
          "subtraction of two bool tensors is not supported; use logicalXor() instead");
    }
    Tensor out = binaryRaw(BinaryOp.SUB, a, b, resultType(a, b));
    int[] as = a.shapeRef();
    int[] bs = b.shapeRef();
    record("SubBackward", out,
        (g, n) -> new Tensor[] {sumTo(g, as), n[1] ? sumTo(g.neg(), bs) : null}, a, b);
    return out;
  }

  static Tensor mul(Tensor a, Tensor b) {
    Tensor out = binaryRaw(BinaryOp.MUL, a, b, resultType(a, b));
    SavedTensor sa = Autograd.needsGrad(b) ? SavedTensor.of(a) : null;
    SavedTensor sb = Autograd.needsGrad(a) ? SavedTensor.of(b) : null;
    int[] as = a.shapeRef();
    int[] bs = b.shapeRef();
    record("MulBackward", out, (g, n) -> new Tensor[] {
        n[0] ? sumTo(g.mul(sb.get()), as) : null,
        n[1] ? sumTo(g.mul(sa.get()), bs) : null}, a, b);
    return out;
  }

  static Tensor div(Tensor a, Tensor b) {
    DType t = resultType(a, b);
    if (!t.isFloatingPoint()) {
      t = DType.FLOAT32;
    }
    Tensor out = binaryRaw(BinaryOp.DIV, a, b, t);
    SavedTensor sa = Autograd.needsGrad(b) ? SavedTensor.of(a) : null;
    SavedTensor sb = SavedTensor.of(b);
    int[] as = a.shapeRef();
    int[] bs = b.shapeRef();
    record("DivBackward", out, (g, n) -> {
      Tensor bv = sb.get();
      return new Tensor[] {
          n[0] ? sumTo(g.div(bv), as) : null,
          n[1] ? sumTo(g.neg().mul(sa.get()).div(bv.mul(bv)), bs) : null};
    }, a, b);
    return out;
  }

  static Tensor pow(Tensor a, Tensor b) {
    DType t = resultType(a, b);
    Tensor out = binaryRaw(BinaryOp.POW, a, b, t);
    SavedTensor sa = SavedTensor.of(a);
    SavedTensor sb = SavedTensor.of(b);
    SavedTensor so = Autograd.needsGrad(b) ? SavedTensor.of(out) : null;
    int[] as = a.shapeRef();
    int[] bs = b.shapeRef();
    record("PowBackward", out, (g, n) -> {
      Tensor x = sa.get();
      Tensor e = sb.get();
      Tensor ga = null;
      Tensor gb = null;
      if (n[0]) {
        // d/dx x^e = e x^(e-1), defined as 0 where e == 0 (also at x == 0).
        Tensor d = g.mul(e).mul(x.pow(e.sub(1)));
        ga = sumTo(where(e.eq(0), zerosFor(d), d), as);
      }
      if (n[1]) {
        // d/de x^e = x^e log x, defined as 0 where x == 0 and e >= 0.
        Tensor d = g.mul(so.get()).mul(x.log());
        gb = sumTo(where(x.eq(0).logicalAnd(e.ge(0)), zerosFor(d), d), bs);
      }
      return new Tensor[] {ga, gb};
    }, a, b);
    return out;
  }

  private static Tensor zerosFor(Tensor like) {
    return Tensor.full(Shapes.SCALAR, 0, like.dtype(), like.device());
  }

  static Tensor powScalar(Tensor x, Number exponent) {
    boolean floatExp = exponent instanceof Double || exponent instanceof Float;
    if (!x.dtype().isFloatingPoint() && floatExp) {
      x = castRaw(x, DType.FLOAT32);
    }
    double e = exponent.doubleValue();
    if (!x.dtype().isFloatingPoint() && e < 0) {
      throw new IllegalArgumentException(
          "Integers to negative integer powers are not allowed (" + x.describe() + " ^ " + exponent + ")");
    }
    Tensor out = unaryRaw(UnaryOp.POW_SCALAR, x, e, 0);
    SavedTensor sx = SavedTensor.of(x);
    record("PowBackward", out, (g, n) -> new Tensor[] {
        e == 0 ? Tensor.zerosLike(g) : g.mul(sx.get().pow(e - 1).mul(e))}, x);
    return out;
  }

  static Tensor maximum(Tensor a, Tensor b) {
    return extremum(BinaryOp.MAXIMUM, a, b);
  }

  static Tensor minimum(Tensor a, Tensor b) {
    return extremum(BinaryOp.MINIMUM, a, b);
  }

  private static Tensor extremum(BinaryOp op, Tensor a, Tensor b) {
    Tensor out = binaryRaw(op, a, b, resultType(a, b));
    SavedTensor sa = SavedTensor.of(a);
    SavedTensor sb = SavedTensor.of(b);
    int[] as = a.shapeRef();
    int[] bs = b.shapeRef();
    boolean max = op == BinaryOp.MAXIMUM;
    record(max ? "MaximumBackward" : "MinimumBackward", out, (g, n) -> {
      // Ties split the gradient in half, as PyTorch does.
      Tensor x = sa.get();
      Tensor y = sb.get();
      Tensor shared = where(x.eq(y), g.div(2), g);
      Tensor zero = zerosFor(g);
      Tensor ga = n[0] ? sumTo(where(max ? x.lt(y) : x.gt(y), zero, shared), as) : null;
      Tensor gb = n[1] ? sumTo(where(max ? x.gt(y) : x.lt(y), zero, shared), bs) : null;
      return new Tensor[] {ga, gb};
    }, a, b);
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Unary functions

  /** A unary op whose backward needs the input. */
  private static Tensor unaryIn(UnaryOp op, String name, Tensor x, double p0, double p1,
      BinaryOperator<Tensor> grad) {
    Tensor out = unaryRaw(op, x, p0, p1);
    SavedTensor sx = SavedTensor.of(x);
    record(name, out, (g, n) -> new Tensor[] {grad.apply(g, sx.get())}, x);
    return out;
  }

  /** A unary op whose backward needs the output. */
  private static Tensor unaryOut(UnaryOp op, String name, Tensor x, BinaryOperator<Tensor> grad) {
    Tensor out = unaryRaw(op, x, 0, 0);
    if (Autograd.needsGrad(x) && out.dtype().isFloatingPoint()) {
      SavedTensor so = SavedTensor.of(out);
      record(name, out, (g, n) -> new Tensor[] {grad.apply(g, so.get())}, x);
    }
    return out;
  }

  static Tensor neg(Tensor x) {
    if (x.dtype() == DType.BOOL) {
      throw new IllegalArgumentException("negation of a bool tensor is not supported; use logicalNot()");
    }
    Tensor out = unaryRaw(UnaryOp.NEG, x, 0, 0);
    record("NegBackward", out, (g, n) -> new Tensor[] {g.neg()}, x);
    return out;
  }

  static Tensor abs(Tensor x) {
    return unaryIn(UnaryOp.ABS, "AbsBackward", x, 0, 0, (g, v) -> g.mul(v.sign()));
  }

  static Tensor sign(Tensor x) {
    Tensor out = unaryRaw(UnaryOp.SIGN, x, 0, 0);
    record("SignBackward", out, (g, n) -> new Tensor[] {Tensor.zerosLike(g)}, x);
    return out;
  }

  static Tensor exp(Tensor x) {
    return unaryOut(UnaryOp.EXP, "ExpBackward", floating(x), Tensor::mul);
  }

  static Tensor log(Tensor x) {
    return unaryIn(UnaryOp.LOG, "LogBackward", floating(x), 0, 0, Tensor::div);
  }

  static Tensor log1p(Tensor x) {
    return unaryIn(UnaryOp.LOG1P, "Log1PBackward", floating(x), 0, 0, (g, v) -> g.div(v.add(1)));
  }

  static Tensor expm1(Tensor x) {
    return unaryOut(UnaryOp.EXPM1, "Expm1Backward", floating(x), (g, y) -> g.mul(y.add(1)));
  }

  static Tensor sqrt(Tensor x) {
    return unaryOut(UnaryOp.SQRT, "SqrtBackward", floating(x), (g, y) -> g.div(y.mul(2)));
  }

  static Tensor rsqrt(Tensor x) {
    return unaryOut(UnaryOp.RSQRT, "RsqrtBackward", floating(x),
        (g, y) -> g.mul(y.pow(3)).mul(-0.5));
  }

  static Tensor reciprocal(Tensor x) {
    return unaryOut(UnaryOp.RECIPROCAL, "ReciprocalBackward", floating(x),
        (g, y) -> g.mul(y.mul(y)).neg());
  }

  static Tensor sin(Tensor x) {
    return unaryIn(UnaryOp.SIN, "SinBackward", floating(x), 0, 0, (g, v) -> g.mul(v.cos()));
  }

  static Tensor cos(Tensor x) {
    return unaryIn(UnaryOp.COS, "CosBackward", floating(x), 0, 0, (g, v) -> g.mul(v.sin()).neg());
  }

  static Tensor tanh(Tensor x) {
    return unaryOut(UnaryOp.TANH, "TanhBackward", floating(x),
        (g, y) -> g.mul(Tensor.onesLike(y).sub(y.mul(y))));
  }

  static Tensor sigmoid(Tensor x) {
    return unaryOut(UnaryOp.SIGMOID, "SigmoidBackward", floating(x),
        (g, y) -> g.mul(y).mul(Tensor.onesLike(y).sub(y)));
  }

  static Tensor relu(Tensor x) {
    if (x.dtype() == DType.BOOL) {
      throw new IllegalArgumentException("relu is not defined for bool tensors");
    }
    // The gradient passes where the output is not <= 0, NaN included (PyTorch's threshold_backward).
    return unaryOut(UnaryOp.RELU, "ReluBackward", x, Elementwise::reluGrad);
  }

  /** {@code y <= 0 ? 0 : g} in one pass; differentiable in {@code g} (for double backward). */
  static Tensor reluGrad(Tensor g, Tensor y) {
    if (g.dtype() != y.dtype() || !g.dtype().isFloatingPoint()) {
      return where(y.le(0), zerosFor(g), g);
    }
    Tensor out = binaryRaw(BinaryOp.RELU_GRAD, g, y, g.dtype());
    SavedTensor sy = SavedTensor.of(y);
    record("ReluGradBackward", out, (gg, n) -> new Tensor[] {
        n[0] ? sumTo(reluGrad(gg, sy.get()), g.shapeRef()) : null, null}, g, y);
    return out;
  }

  static Tensor leakyRelu(Tensor x, double slope) {
    return unaryIn(UnaryOp.LEAKY_RELU, "LeakyReluBackward", floating(x), slope, 0,
        (g, v) -> where(v.gt(0), g, g.mul(slope)));
  }

  /**
   * The fused backward of an activation (one {@link BinaryOp} pass: {@code g * act'(v)}) when
   * no graph is built; with {@code createGraph} the composed form, which is differentiable.
   */
  private static Tensor activationGrad(BinaryOp fused, Tensor g, Tensor v,
      BinaryOperator<Tensor> composed) {
    return Autograd.isGradEnabled() ? composed.apply(g, v) : binaryRaw(fused, g, v, g.dtype());
  }

  static Tensor gelu(Tensor x, boolean tanhApprox) {
    if (!tanhApprox) {
      // d/dx x Phi(x) = Phi(x) + x phi(x)
      return unaryIn(UnaryOp.GELU, "GeluBackward", floating(x), 0, 0,
          (g, v) -> activationGrad(BinaryOp.GELU_GRAD, g, v, Elementwise::geluGradComposed));
    }
    return unaryIn(UnaryOp.GELU_TANH, "GeluBackward", floating(x), 0, 0,
        (g, v) -> activationGrad(BinaryOp.GELU_TANH_GRAD, g, v,
            Elementwise::geluTanhGradComposed));
  }

  private static Tensor geluGradComposed(Tensor g, Tensor v) {
    Tensor cdf = v.mul(Math.sqrt(0.5)).erf().add(1).mul(0.5);
    Tensor pdf = v.mul(v).mul(-0.5).exp().mul(INV_SQRT_2PI);
    return g.mul(cdf.add(v.mul(pdf)));
  }

  private static Tensor geluTanhGradComposed(Tensor g, Tensor v) {
    // u = k (x + 0.044715 x^3); y = 0.5 x (1 + tanh u);
    // dy/dx = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) k (1 + 3 * 0.044715 x^2)
    Tensor x2 = v.mul(v);
    Tensor th = v.add(x2.mul(v).mul(0.044715)).mul(SQRT_2_OVER_PI).tanh();
    Tensor left = th.add(1).mul(0.5);
    Tensor right = v.mul(0.5).mul(Tensor.onesLike(th).sub(th.mul(th)))
        .mul(x2.mul(3 * 0.044715).add(1).mul(SQRT_2_OVER_PI));
    return g.mul(left.add(right));
  }

  static Tensor silu(Tensor x) {
    return unaryIn(UnaryOp.SILU, "SiluBackward", floating(x), 0, 0,
        (g, v) -> activationGrad(BinaryOp.SILU_GRAD, g, v, Elementwise::siluGradComposed));
  }

  private static Tensor siluGradComposed(Tensor g, Tensor v) {
    Tensor s = v.sigmoid();
    return g.mul(s.mul(v.mul(Tensor.onesLike(s).sub(s)).add(1)));
  }

  static Tensor softplus(Tensor x, double beta, double threshold) {
    return unaryIn(UnaryOp.SOFTPLUS, "SoftplusBackward", floating(x), beta, threshold, (g, v) -> {
      Tensor bx = v.mul(beta);
      return where(bx.gt(threshold), g, g.mul(bx.sigmoid()));
    });
  }

  static Tensor erf(Tensor x) {
    return unaryIn(UnaryOp.ERF, "ErfBackward", floating(x), 0, 0,
        (g, v) -> g.mul(v.mul(v).neg().exp().mul(2 / Math.sqrt(Math.PI))));
  }

  static Tensor clamp(Tensor x, Number min, Number max) {
    if (min == null && max == null) {
      throw new IllegalArgumentException("clamp: at least one of min and max must be given");
    }
    if (!x.dtype().isFloatingPoint()
        && (min instanceof Double || min instanceof Float || max instanceof Double || max instanceof Float)) {
      x = castRaw(x, DType.FLOAT32);
    }
    double lo = min == null ? Double.NaN : min.doubleValue();
    double hi = max == null ? Double.NaN : max.doubleValue();
    return unaryIn(UnaryOp.CLAMP, "ClampBackward", x, lo, hi, (g, v) -> {
      Tensor keep = null;
      if (min != null) {
        keep = v.ge(lo);
      }
      if (max != null) {
        keep = keep == null ? v.le(hi) : keep.logicalAnd(v.le(hi));
      }
      return where(keep, g, zerosFor(g));
    });
  }

  private static Tensor rounding(UnaryOp op, String name, Tensor x) {
    if (!x.dtype().isFloatingPoint()) {
      return x.clone();
    }
    Tensor out = unaryRaw(op, x, 0, 0);
    record(name, out, (g, n) -> new Tensor[] {Tensor.zerosLike(g)}, x);
    return out;
  }

  static Tensor floor(Tensor x) {
    return rounding(UnaryOp.FLOOR, "FloorBackward", x);
  }

  static Tensor ceil(Tensor x) {
    return rounding(UnaryOp.CEIL, "CeilBackward", x);
  }

  static Tensor round(Tensor x) {
    return rounding(UnaryOp.ROUND, "RoundBackward", x);
  }

  static Tensor isnan(Tensor x) {
    return x.dtype().isFloatingPoint() ? unaryRaw(UnaryOp.ISNAN, x, 0, 0)
        : Tensor.zeros(DType.BOOL, x.device(), x.shapeRef());
  }

  static Tensor isinf(Tensor x) {
    return x.dtype().isFloatingPoint() ? unaryRaw(UnaryOp.ISINF, x, 0, 0)
        : Tensor.zeros(DType.BOOL, x.device(), x.shapeRef());
  }

  static Tensor logicalNot(Tensor x) {
    return unaryRaw(UnaryOp.LOGICAL_NOT, x, 0, 0);
  }

  // ---------------------------------------------------------------------------------------------
  // Comparisons and selection

  /** Comparisons and logical ops: computed in the promoted dtype, bool result, no gradient. */
  static Tensor compare(BinaryOp op, Tensor a, Tensor b) {
    return binaryRaw(op, a, b, resultType(a, b));
  }

  static Tensor where(Tensor cond, Tensor a, Tensor b) {
    if (cond.dtype() != DType.BOOL) {
      throw new IllegalArgumentException(
          "where expected condition to be a bool tensor, but got " + cond.describe());
    }
    sameDevice("where", cond, a);
    sameDevice("where", a, b);
    DType t = resultType(a, b);
    int[] shape = Shapes.broadcast(cond.shapeRef(), a.shapeRef(), b.shapeRef());
    Tensor out = Tensor.allocate(t, a.device(), shape);
    out.backend().where(out, Movement.expandRaw(cond, shape),
        Movement.expandRaw(castRaw(a, t), shape), Movement.expandRaw(castRaw(b, t), shape));
    SavedTensor sc = SavedTensor.of(cond);
    int[] as = a.shapeRef();
    int[] bs = b.shapeRef();
    record("WhereBackward", out, (g, n) -> {
      Tensor c = sc.get();
      Tensor z = zerosFor(g);
      return new Tensor[] {
          n[0] ? sumTo(where(c, g, z), as) : null, n[1] ? sumTo(where(c, z, g), bs) : null};
    }, a, b);
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // In place

  /** {@code self = f(self)} with the in-place rules (see {@link #inplace(Tensor, UnaryOperator, Consumer, Tensor...)}). */
  static Tensor inplace(Tensor self, UnaryOperator<Tensor> f) {
    return inplace(self, f, null);
  }

  /** {@code self = f(self, other)} with the in-place rules. */
  static Tensor inplace(Tensor self, BinaryOperator<Tensor> f, Tensor other) {
    Tensor o = separate(self, other);
    return inplace(self, x -> f.apply(x, o), null, o);
  }

  /**
   * The in-place protocol. {@code outOfPlace} computes the new value from the old one; {@code
   * direct}, if given, writes it straight into {@code self} when no graph is recorded.
   *
   * <p>Without autograd, the new value is written and the storage's version bumped (so saved
   * tensors of this storage fail loudly in a later backward). With autograd, the old value is
   * cloned, the new value computed out of place from the clone, copied in, and the history of
   * this tensor (or, for a view, of its base) rewritten to go through the operation.
   *
   * @throws IllegalStateException for a leaf that requires grad (or a view of one) while grad is
   *     enabled, and for a tensor with several elements sharing one memory location
   */
  static Tensor inplace(Tensor self, UnaryOperator<Tensor> outOfPlace, Consumer<Tensor> direct,
      Tensor... others) {
    checkWritable(self);
    boolean grad = Autograd.needsGrad(self) || Autograd.needsGrad(others);
    if (!grad) {
      if (direct != null) {
        direct.accept(self);
      } else {
        Tensor r;
        try (GradMode g = Autograd.noGrad()) {
          r = outOfPlace.apply(self);
        }
        writeResult(self, r);
      }
      self.storage().bumpVersion();
      return self;
    }
    Tensor base = self.base();
    if (self.isLeaf() && self.requiresGrad()) {
      throw new IllegalStateException(
          "a leaf tensor that requires grad (" + self.describe() + ") is being used in an in-place"
              + " operation; do it under Autograd.noGrad() or on a clone()");
    }
    if (base != null && base.isLeaf() && base.requiresGrad()) {
      throw new IllegalStateException(
          "a view of a leaf tensor that requires grad (" + base.describe() + ") is being used in"
              + " an in-place operation; do it under Autograd.noGrad() or on a clone()");
    }
    Tensor old = Movement.clone(self);
    Tensor r = outOfPlace.apply(old);
    r = writeResult(self, r);
    self.storage().bumpVersion();
    if (base == null) {
      Node node = r.gradFn();
      if (node == null && !r.requiresGrad() && Autograd.needsGrad(self)) {
        // The new value does not depend on the graph (fill_, zero_, copy_ of a constant): as in
        // PyTorch the tensor still requires grad, and its old value gets a zero gradient.
        node = Autograd.node("FillBackward", (g, n) -> new Tensor[] {Tensor.zerosLike(g)}, old);
      }
      self.rebaseHistory(node);
    } else {
      Node node = Movement.copySlicesNode(base, self, r);
      base.rebaseHistory(node);
    }
    return self;
  }

  private static Tensor writeResult(Tensor self, Tensor r) {
    if (!java.util.Arrays.equals(r.shapeRef(), self.shapeRef())) {
      throw new IllegalArgumentException(
          "output with shape " + Shapes.str(self.shapeRef()) + " doesn't match the broadcast shape "
              + Shapes.str(r.shapeRef()));
    }
    if (!DType.canCast(r.dtype(), self.dtype())) {
      throw new IllegalArgumentException(
          "result type " + r.dtype() + " can't be cast to the desired output type " + self.dtype()
              + " of " + self.describe());
    }
    r = cast(r, self.dtype());
    self.backend().copy(self, r);
    return r;
  }

  /** Rejects writes to a tensor with several elements at one memory location (an expanded view). */
  static void checkWritable(Tensor t) {
    int[] shape = t.shapeRef();
    int[] st = t.stridesRef();
    for (int i = 0; i < shape.length; i++) {
      if (st[i] == 0 && shape[i] > 1) {
        throw new IllegalStateException(
            "unsupported operation: more than one element of the written-to tensor " + t.describe()
                + " refers to a single memory location; clone() it before the in-place operation");
      }
    }
  }

  /**
   * {@code other}, or a copy of it when it shares memory with {@code self} in another layout, so
   * that writing {@code self} cannot change values still to be read.
   */
  static Tensor separate(Tensor self, Tensor other) {
    if (other.storage() == self.storage()
        && !(other.storageOffset() == self.storageOffset()
            && java.util.Arrays.equals(other.shapeRef(), self.shapeRef())
            && java.util.Arrays.equals(other.stridesRef(), self.stridesRef()))) {
      return Movement.clone(other);
    }
    return other;
  }

  /**
   * In-place arithmetic ({@code add_}, {@code mul_}, ...): written straight into {@code self} by
   * the backend when no graph is recorded and no conversion is needed.
   */
  static Tensor arith_(BinaryOp op, BinaryOperator<Tensor> f, Tensor self, Tensor other) {
    Tensor o = separate(self, other);
    sameDevice(op.name().toLowerCase(java.util.Locale.ROOT) + "_", self, o);
    DType t = resultType(self, o);
    if (op == BinaryOp.DIV && !t.isFloatingPoint()) {
      t = DType.FLOAT32;
    }
    int[] shape = self.shapeRef();
    Consumer<Tensor> direct = null;
    if (t == self.dtype() && java.util.Arrays.equals(Shapes.broadcast(o.shapeRef(), shape), shape)) {
      DType dt = t;
      direct = x -> x.backend().binary(op, x, x, Movement.expandRaw(castRaw(o, dt), shape));
    }
    return inplace(self, x -> f.apply(x, o), direct, o);
  }

  static Tensor copy_(Tensor self, Tensor src) {
    Tensor s = src.device().equals(self.device()) ? src : Movement.toDevice(src, self.device());
    int[] shape = self.shapeRef();
    Shapes.broadcast(s.shapeRef(), shape);
    Tensor from = separate(self, s);
    return inplace(self, x -> Movement.expand(cast(from, x.dtype()), shape).clone(), x -> {
      Tensor e = Movement.expandRaw(from, shape);
      if (!java.util.Arrays.equals(Shapes.broadcast(from.shapeRef(), shape), shape)) {
        throw new IllegalArgumentException(
            "copy_: source of shape " + Shapes.str(from.shapeRef()) + " cannot be broadcast to "
                + Shapes.str(shape));
      }
      x.backend().copy(x, e);
    }, from);
  }

  static Tensor fill_(Tensor self, Number value) {
    if (!self.dtype().isFloatingPoint() && (value instanceof Double || value instanceof Float)
        && value.doubleValue() != Math.rint(value.doubleValue())) {
      throw new IllegalArgumentException(
          "fill_: value " + value + " cannot be converted to " + self.dtype() + " without overflow"
              + " or loss");
    }
    double v = value.doubleValue();
    return inplace(self, x -> Tensor.full(x.shapeRef(), v, x.dtype(), x.device()),
        x -> x.backend().fill(x, v));
  }
}
