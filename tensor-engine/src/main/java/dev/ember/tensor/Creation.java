package dev.ember.tensor;

import dev.ember.backend.Backends;
import java.lang.reflect.Array;

/** Tensors from Java arrays and from formulas (arange, linspace, eye, full). */
final class Creation {
  private Creation() {}

  static Tensor fromArray(Object data, DType dtype, int[] shape) {
    int n = Shapes.numel(shape);
    int len = Array.getLength(data);
    if (len != n) {
      throw new IllegalArgumentException(
          "data has " + len + " elements but shape " + Shapes.str(shape) + " needs " + n);
    }
    return Tensor.wrap(Backends.get(Device.CPU).upload(data, dtype), shape);
  }

  /** A tensor from rectangular nested arrays ({@code float[][]}, {@code float[][][]}, ...). */
  static Tensor fromNested(Object data, DType dtype) {
    int depth = 0;
    for (Class<?> c = data.getClass(); c.isArray(); c = c.getComponentType()) {
      depth++;
    }
    int[] shape = new int[depth];
    Object probe = data;
    for (int d = 0; d < depth; d++) {
      shape[d] = Array.getLength(probe);
      if (d < depth - 1) {
        if (shape[d] == 0) {
          break;
        }
        probe = Array.get(probe, 0);
      }
    }
    int n = Shapes.numel(shape);
    Object flat = Array.newInstance(leafType(data.getClass()), n);
    int[] pos = {0};
    flatten(data, 0, shape, flat, pos, new int[depth]);
    return fromArray(flat, dtype, shape);
  }

  private static Class<?> leafType(Class<?> c) {
    while (c.isArray()) {
      c = c.getComponentType();
    }
    return c;
  }

  private static void flatten(Object data, int d, int[] shape, Object flat, int[] pos, int[] where) {
    int len = Array.getLength(data);
    if (len != shape[d]) {
      StringBuilder at = new StringBuilder();
      for (int i = 0; i < d; i++) {
        at.append('[').append(where[i]).append(']');
      }
      throw new IllegalArgumentException(
          "ragged nested array: element " + (at.length() == 0 ? "at top level" : at.toString())
              + " has length " + len + ", expected " + shape[d]);
    }
    if (d == shape.length - 1) {
      System.arraycopy(data, 0, flat, pos[0], len);
      pos[0] += len;
      return;
    }
    for (int i = 0; i < len; i++) {
      where[d] = i;
      flatten(Array.get(data, i), d + 1, shape, flat, pos, where);
    }
  }

  static Tensor fullInfer(int[] shape, Object value, Device device) {
    if (value instanceof Boolean b) {
      return Tensor.full(shape, b ? 1 : 0, DType.BOOL, device);
    }
    if (value instanceof Double || value instanceof Float) {
      return Tensor.full(shape, ((Number) value).doubleValue(), DType.FLOAT32, device);
    }
    if (value instanceof Number num) {
      return Tensor.full(shape, num.doubleValue(), DType.INT64, device);
    }
    throw new IllegalArgumentException(
        "full: value must be a Number or Boolean, got " + (value == null ? "null" : value.getClass().getName()));
  }

  static Tensor arange(double start, double end, double step, DType dtype) {
    if (step == 0 || Double.isNaN(step)) {
      throw new IllegalArgumentException("arange: step must be nonzero, got " + step);
    }
    if (!Double.isFinite(start) || !Double.isFinite(end)) {
      throw new IllegalArgumentException("arange: unsupported range " + start + " -> " + end);
    }
    if ((step > 0 && end < start) || (step < 0 && end > start)) {
      throw new IllegalArgumentException(
          "arange: upper bound and larger bound inconsistent with step sign (start " + start
              + ", end " + end + ", step " + step + ")");
    }
    double count = Math.ceil((end - start) / step);
    if (dtype == DType.INT64) {
      // PyTorch counts an int64 range with the bounds and step truncated to integers first
      // (arange(0.0, 5.0, 1.5, dtype=int64) is [0, 1, 2, 3, 4]); int32 counts in double.
      long st = (long) step;
      if (st == 0) {
        throw new IllegalArgumentException(
            "arange: step " + step + " truncates to 0 for dtype int64; step must be nonzero");
      }
      count = Math.max(0, Math.ceil((double) ((long) end - (long) start) / st));
    }
    if (count > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("arange: too many elements (" + count + ")");
    }
    int n = (int) count;
    if (dtype == DType.INT64 || dtype == DType.INT32) {
      long[] v = new long[n];
      long s = (long) start;
      long st = (long) step;
      for (int i = 0; i < n; i++) {
        v[i] = s + i * st;
      }
      return Tensor.of(v, n).to(dtype);
    }
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = start + i * step;
    }
    return Tensor.of(v, n).to(dtype);
  }

  static Tensor linspace(double start, double end, int steps, DType dtype) {
    if (steps < 0) {
      throw new IllegalArgumentException("linspace: number of steps must be non-negative, got " + steps);
    }
    double[] v = new double[steps];
    if (steps == 1) {
      v[0] = start;
    } else if (steps > 1) {
      // Symmetric from both ends, as PyTorch, so the last value is exactly end.
      double step = (end - start) / (steps - 1);
      int half = steps / 2;
      for (int i = 0; i < steps; i++) {
        v[i] = i < half ? start + i * step : end - (steps - 1 - i) * step;
      }
    }
    return Tensor.of(v, steps).to(dtype);
  }

  static Tensor eye(int n, int m, DType dtype, Device device) {
    if (n < 0 || m < 0) {
      throw new IllegalArgumentException("eye: sizes must be non-negative, got " + n + " x " + m);
    }
    Tensor t = Tensor.zeros(dtype, device, n, m);
    int k = Math.min(n, m);
    if (k > 0) {
      Tensor diag = t.viewAs(new int[] {k}, new int[] {m + 1}, 0);
      t.backend().fill(diag, 1);
    }
    return t;
  }
}
