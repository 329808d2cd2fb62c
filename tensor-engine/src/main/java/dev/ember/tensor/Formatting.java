package dev.ember.tensor;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import java.util.Locale;

/** Reading values out of tensors: item, comparisons of whole tensors, and PyTorch-style text. */
final class Formatting {
  private Formatting() {}

  /** Tensors with more elements than this print their first and last 3 entries per dim. */
  private static final int SUMMARIZE_ABOVE = 1000;
  private static final int EDGE_ITEMS = 3;

  private static void checkOne(Tensor t) {
    if (t.numel() != 1) {
      throw new IllegalStateException(
          "a tensor with " + t.numel() + " elements cannot be converted to a scalar (" + t.describe() + ")");
    }
  }

  static double item(Tensor t) {
    checkOne(t);
    Object a = t.backend().download(t);
    return switch (t.dtype()) {
      case FLOAT32 -> ((float[]) a)[0];
      case FLOAT64 -> ((double[]) a)[0];
      case INT64 -> ((long[]) a)[0];
      case INT32 -> ((int[]) a)[0];
      case BOOL -> ((boolean[]) a)[0] ? 1 : 0;
    };
  }

  static long itemLong(Tensor t) {
    checkOne(t);
    Object a = t.backend().download(t);
    return switch (t.dtype()) {
      case FLOAT32 -> (long) ((float[]) a)[0];
      case FLOAT64 -> (long) ((double[]) a)[0];
      case INT64 -> ((long[]) a)[0];
      case INT32 -> ((int[]) a)[0];
      case BOOL -> ((boolean[]) a)[0] ? 1 : 0;
    };
  }

  static boolean allClose(Tensor a, Tensor b, double rtol, double atol, boolean equalNan) {
    Elementwise.sameDevice("allclose", a, b);
    try (GradMode g = Autograd.noGrad()) {
      Tensor x = a.detach().to(DType.FLOAT64);
      Tensor y = b.detach().to(DType.FLOAT64);
      Tensor close = x.sub(y).abs().le(y.abs().mul(rtol).add(atol)).logicalOr(x.eq(y));
      if (equalNan) {
        close = close.logicalOr(x.isnan().logicalAnd(y.isnan()));
      }
      return close.all().item() != 0;
    }
  }

  static boolean equal(Tensor a, Tensor b) {
    if (a == b) {
      return a.dtype().isFloatingPoint() ? equalValues(a, b) : true;
    }
    return java.util.Arrays.equals(a.shapeRef(), b.shapeRef()) && a.dtype() == b.dtype()
        && a.device().equals(b.device()) && equalValues(a, b);
  }

  private static boolean equalValues(Tensor a, Tensor b) {
    try (GradMode g = Autograd.noGrad()) {
      return a.detach().eq(b.detach()).all().item() != 0;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Text

  static String toString(Tensor t) {
    if (t.isReleased()) {
      return "tensor(<released>, shape=" + Shapes.str(t.shapeRef()) + ", dtype=" + t.dtype()
          + ", device=" + t.device() + ")";
    }
    StringBuilder sb = new StringBuilder("tensor(");
    Tensor values;
    try (GradMode g = Autograd.noGrad()) {
      values = t.detach();
    }
    boolean summarize = t.numel() > SUMMARIZE_ABOVE;
    if (t.dtype().isFloatingPoint()) {
      double[] v = values.toDoubleArray();
      String[] fmt = floatFormat(v);
      appendNested(sb, t.shapeRef(), v.length, i -> format(v[i], fmt), 0, 0, 7, summarize);
    } else if (t.dtype() == DType.BOOL) {
      boolean[] v = values.toBooleanArray();
      appendNested(sb, t.shapeRef(), v.length, i -> v[i] ? "true" : "false", 0, 0, 7, summarize);
    } else {
      long[] v = values.toLongArray();
      appendNested(sb, t.shapeRef(), v.length, i -> Long.toString(v[i]), 0, 0, 7, summarize);
    }
    sb.append(", shape=").append(Shapes.str(t.shapeRef()));
    sb.append(", dtype=").append(t.dtype());
    sb.append(", device=").append(t.device());
    if (t.gradFn() != null) {
      sb.append(", gradFn=").append(t.gradFn());
    } else if (t.requiresGrad()) {
      sb.append(", requiresGrad=true");
    }
    return sb.append(')').toString();
  }

  /** Fixed with 4 decimals, integers as {@code 1.}, or scientific when magnitudes differ widely. */
  private static String[] floatFormat(double[] v) {
    boolean allInt = true;
    double maxAbs = 0;
    double minAbs = Double.POSITIVE_INFINITY;
    for (double x : v) {
      if (!Double.isFinite(x)) {
        continue;
      }
      double a = Math.abs(x);
      if (x != Math.rint(x)) {
        allInt = false;
      }
      maxAbs = Math.max(maxAbs, a);
      if (a > 0) {
        minAbs = Math.min(minAbs, a);
      }
    }
    if (allInt && maxAbs < 1e8) {
      return new String[] {"int"};
    }
    if (maxAbs >= 1e8 || (minAbs < 1e-4) || (minAbs != Double.POSITIVE_INFINITY && maxAbs / minAbs > 1000)) {
      return new String[] {"%.4e"};
    }
    return new String[] {"%.4f"};
  }

  private static String format(double x, String[] fmt) {
    if (Double.isNaN(x)) {
      return "nan";
    }
    if (Double.isInfinite(x)) {
      return x > 0 ? "inf" : "-inf";
    }
    if (fmt[0].equals("int")) {
      return String.format(Locale.ROOT, "%.0f.", x);
    }
    return String.format(Locale.ROOT, fmt[0], x);
  }

  private interface Cell {
    String at(int flatIndex);
  }

  private static void appendNested(StringBuilder sb, int[] shape, int n, Cell cell, int dim,
      int base, int indent, boolean summarize) {
    if (shape.length == 0) {
      sb.append(cell.at(0));
      return;
    }
    int size = shape[dim];
    int inner = 1;
    for (int d = dim + 1; d < shape.length; d++) {
      inner *= shape[d];
    }
    sb.append('[');
    for (int i = 0; i < size; i++) {
      if (summarize && size > 2 * EDGE_ITEMS && i == EDGE_ITEMS) {
        sb.append(dim == shape.length - 1 ? "..., " : "...,\n" + " ".repeat(indent + dim + 1));
        i = size - EDGE_ITEMS - 1;
        continue;
      }
      if (dim == shape.length - 1) {
        sb.append(cell.at(base + i));
      } else {
        appendNested(sb, shape, n, cell, dim + 1, base + i * inner, indent, summarize);
      }
      if (i < size - 1) {
        sb.append(dim == shape.length - 1 ? ", " : ",\n" + "\n".repeat(shape.length - dim - 2)
            + " ".repeat(indent + dim + 1));
      }
    }
    sb.append(']');
  }
}
