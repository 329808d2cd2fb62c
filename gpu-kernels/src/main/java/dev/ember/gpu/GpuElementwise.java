package dev.ember.gpu;

import dev.ember.backend.BinaryOp;
import dev.ember.backend.UnaryOp;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;

/**
 * The elementwise primitives (unary, binary, where) as launches of the kernels of {@code
 * elementwise.c}: one work item per output element, over strided operands with broadcasting, one
 * kernel per (family, dtype) with the op passed as an int code.
 *
 * <p>Semantics are the CPU backend's: floating-point ops on float32 and float64 only; integer and
 * bool operands compute in 64-bit integers (wrapping) and store as their dtype; integer DIV is
 * refused (the op layer promotes it); integer powers with a negative exponent are an {@link
 * IllegalArgumentException}, as on the CPU.
 */
final class GpuElementwise {
  private static final String FAMILY = "elementwise";

  private GpuElementwise() {}

  /** {@code dst = op(src; p0, p1)}; see {@link UnaryOp}. */
  static void unary(GpuBackend b, UnaryOp op, Tensor dst, Tensor src, double p0, double p1) {
    DType in = src.dtype();
    int n = dst.numel();
    int code = code(op);
    if (op.producesBool()) {
      expectDtype("unary " + op, dst, DType.BOOL);
      if (n > 0) {
        b.launch(FAMILY, "unary_bool_" + GpuBackend.suffix(in), n, b.slab(dst), b.offset(dst),
            b.slab(src), b.offset(src), n, code, GpuBackend.meta(dst, src),
            contiguous(dst, src));
      }
      return;
    }
    expectDtype("unary " + op, dst, in);
    String kernel = "unary_" + GpuBackend.suffix(in);
    switch (in) {
      case FLOAT32, FLOAT64 -> {
        double q0 = p0;
        double q1 = p1;
        if (op == UnaryOp.CLAMP) {
          // A NaN bound is no bound: the infinities never clamp.
          q0 = Double.isNaN(p0) ? Double.NEGATIVE_INFINITY : p0;
          q1 = Double.isNaN(p1) ? Double.POSITIVE_INFINITY : p1;
        }
        if (n == 0) {
          return;
        }
        // Scalars travel as the kernel parameter's exact type: float for float32.
        Object a0;
        Object a1;
        if (in == DType.FLOAT32) {
          a0 = (float) q0;
          a1 = (float) q1;
        } else {
          a0 = q0;
          a1 = q1;
        }
        b.launch(FAMILY, kernel, n, b.slab(dst), b.offset(dst), b.slab(src), b.offset(src), n,
            code, a0, a1, GpuBackend.meta(dst, src), contiguous(dst, src));
      }
      case INT64, INT32, BOOL -> {
        long q0 = 0;
        long q1 = 0;
        switch (op) {
          case NEG, ABS, SIGN, RELU, FLOOR, CEIL, ROUND -> { }
          case CLAMP -> {
            // Integer bounds that clamp exactly as the real ones would: ceil(p0) and floor(p1).
            q0 = Double.isNaN(p0) ? Long.MIN_VALUE : (long) Math.ceil(p0);
            q1 = Double.isNaN(p1) ? Long.MAX_VALUE : (long) Math.floor(p1);
          }
          case POW_SCALAR -> {
            if (p0 != Math.rint(p0) || p0 < 0) {
              throw new IllegalArgumentException("unary op POW_SCALAR on dtype " + in
                  + " needs an integer exponent >= 0, got " + p0
                  + " (Integers to negative integer powers are not allowed)");
            }
            q0 = (long) p0;
          }
          default -> throw new IllegalArgumentException(
              "unary op " + op + " is not defined for dtype " + in
                  + " (floating-point only; the op layer promotes integers first)");
        }
        if (n == 0) {
          return;
        }
        b.launch(FAMILY, kernel, n, b.slab(dst), b.offset(dst), b.slab(src), b.offset(src), n,
            code, (int) q0, (int) (q0 >>> 32), (int) q1, (int) (q1 >>> 32),
            GpuBackend.meta(dst, src), contiguous(dst, src));
      }
    }
  }

  /** {@code dst = op(x, y)}; see {@link BinaryOp}. */
  static void binary(GpuBackend b, BinaryOp op, Tensor dst, Tensor x, Tensor y) {
    DType in = x.dtype();
    if (y.dtype() != in) {
      throw new IllegalArgumentException("binary op " + op + " needs operands of one dtype, got "
          + in + " and " + y.dtype());
    }
    int n = dst.numel();
    String kernel;
    if (op.producesBool()) {
      expectDtype("binary " + op, dst, DType.BOOL);
      boolean logical = op == BinaryOp.LOGICAL_AND || op == BinaryOp.LOGICAL_OR
          || op == BinaryOp.LOGICAL_XOR;
      kernel = (logical ? "logical_" : "compare_") + GpuBackend.suffix(in);
    } else {
      expectDtype("binary " + op, dst, in);
      boolean integer = in == DType.INT64 || in == DType.INT32;
      if (op == BinaryOp.DIV && !in.isFloatingPoint()) {
        throw new IllegalArgumentException("binary op DIV is not defined for dtype " + in
            + " (the op layer promotes integer division to floating point)");
      }
      if (op.floatingOnly() && !in.isFloatingPoint()) {
        throw new IllegalArgumentException(
            "binary op " + op + " is defined for floating point dtypes only, got " + in);
      }
      if (op == BinaryOp.POW && integer) {
        integerPow(b, dst, x, y);
        return;
      }
      kernel = "binary_" + GpuBackend.suffix(in);
    }
    if (n == 0) {
      return;
    }
    b.launch(FAMILY, kernel, n, b.slab(dst), b.offset(dst), b.slab(x), b.offset(x), b.slab(y),
        b.offset(y), n, code(op), GpuBackend.meta(dst, x, y), contiguous(dst, x, y));
  }

  /**
   * Integer {@code x^y}: a negative exponent is an error, which the kernel reports through a
   * device flag the host reads after the launch (one synchronization, for a rare op).
   */
  private static void integerPow(GpuBackend b, Tensor dst, Tensor x, Tensor y) {
    int n = dst.numel();
    if (n == 0) {
      return;
    }
    int negative;
    try (var scope = Tensor.scope()) {
      Tensor flag = Tensor.zeros(DType.INT32, b.device(), 1);
      b.launch(FAMILY, "pow_" + GpuBackend.suffix(x.dtype()), n, b.slab(dst), b.offset(dst),
          b.slab(x), b.offset(x), b.slab(y), b.offset(y), n, b.slab(flag), b.offset(flag),
          GpuBackend.meta(dst, x, y), contiguous(dst, x, y));
      negative = ((int[]) b.download(flag))[0];
    }
    if (negative != 0) {
      throw new IllegalArgumentException("Integers to negative integer powers are not allowed.");
    }
  }

  /** {@code dst = cond ? x : y}: cond is bool, x, y and dst share a dtype. */
  static void where(GpuBackend b, Tensor dst, Tensor cond, Tensor x, Tensor y) {
    expectDtype("where", cond, DType.BOOL);
    expectDtype("where", x, dst.dtype());
    expectDtype("where", y, dst.dtype());
    int n = dst.numel();
    if (n == 0) {
      return;
    }
    b.launch(FAMILY, "where_" + GpuBackend.suffix(dst.dtype()), n, b.slab(dst), b.offset(dst),
        b.slab(cond), b.offset(cond), b.slab(x), b.offset(x), b.slab(y), b.offset(y), n,
        GpuBackend.meta(dst, cond, x, y), contiguous(dst, cond, x, y));
  }

  private static void expectDtype(String what, Tensor t, DType dtype) {
    if (t.dtype() != dtype) {
      throw new IllegalArgumentException(what + " expected " + dtype + ", got " + t.describe());
    }
  }

  private static int contiguous(Tensor... tensors) {
    return GpuBackend.contiguous(tensors) ? 1 : 0;
  }

  /** The code of a unary op in elementwise.c (its U_* constants). */
  static int code(UnaryOp op) {
    return switch (op) {
      case NEG -> 0;
      case ABS -> 1;
      case SIGN -> 2;
      case EXP -> 3;
      case LOG -> 4;
      case LOG1P -> 5;
      case EXPM1 -> 6;
      case SQRT -> 7;
      case RSQRT -> 8;
      case RECIPROCAL -> 9;
      case SIN -> 10;
      case COS -> 11;
      case TANH -> 12;
      case SIGMOID -> 13;
      case RELU -> 14;
      case LEAKY_RELU -> 15;
      case GELU -> 16;
      case GELU_TANH -> 17;
      case SILU -> 18;
      case SOFTPLUS -> 19;
      case ERF -> 20;
      case CLAMP -> 21;
      case POW_SCALAR -> 22;
      case FLOOR -> 23;
      case CEIL -> 24;
      case ROUND -> 25;
      case LOGICAL_NOT -> 26;
      case ISNAN -> 27;
      case ISINF -> 28;
    };
  }

  /** The code of a binary op in elementwise.c (its B_* constants). */
  static int code(BinaryOp op) {
    return switch (op) {
      case ADD -> 0;
      case SUB -> 1;
      case MUL -> 2;
      case DIV -> 3;
      case POW -> 4;
      case MAXIMUM -> 5;
      case MINIMUM -> 6;
      case RELU_GRAD -> 7;
      case EQ -> 8;
      case NE -> 9;
      case LT -> 10;
      case LE -> 11;
      case GT -> 12;
      case GE -> 13;
      case LOGICAL_AND -> 14;
      case LOGICAL_OR -> 15;
      case LOGICAL_XOR -> 16;
      case GELU_GRAD -> 17;
      case GELU_TANH_GRAD -> 18;
      case SILU_GRAD -> 19;
    };
  }
}
