package dev.ember.backend.cpu;

import dev.ember.backend.cpu.CpuLoops.View;
import dev.ember.tensor.DType;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;

/** Strided test operands for the CPU kernels, and slow reference accessors. */
final class CpuTesting {
  private CpuTesting() {}

  /** How a test view lays out its elements in its array. */
  enum Layout {
    /** Row-major, offset 0. */
    CONTIGUOUS,
    /** Dims in reversed memory order (a transpose), with an offset. */
    TRANSPOSED,
    /** Row-major with gaps between rows and elements. */
    PADDED,
    /** Every dim flipped (negative strides). */
    NEGATIVE,
    /** Random memory order, gaps and flips. */
    MIXED
  }

  /**
   * A view of {@code shape} over a fresh array filled with random values of {@code dtype}, in
   * {@code layout}; elements between the view's elements hold a sentinel.
   */
  static View view(DType dtype, int[] shape, Layout layout, Random rnd) {
    int nd = shape.length;
    int[] order = new int[nd];
    for (int d = 0; d < nd; d++) {
      order[d] = d;
    }
    int[] gaps = new int[nd];
    Arrays.fill(gaps, 1);
    boolean[] flip = new boolean[nd];
    switch (layout) {
      case CONTIGUOUS -> { }
      case TRANSPOSED -> {
        for (int d = 0; d < nd; d++) {
          order[d] = nd - 1 - d;
        }
      }
      case PADDED -> Arrays.fill(gaps, 2);
      case NEGATIVE -> Arrays.fill(flip, true);
      case MIXED -> {
        for (int d = nd - 1; d > 0; d--) {
          int j = rnd.nextInt(d + 1);
          int t = order[d];
          order[d] = order[j];
          order[j] = t;
        }
        for (int d = 0; d < nd; d++) {
          gaps[d] = 1 + rnd.nextInt(2);
          flip[d] = rnd.nextBoolean();
        }
      }
    }
    // order[k] is the dim with the k-th largest stride.
    int[] strides = new int[nd];
    int s = 1;
    for (int k = nd - 1; k >= 0; k--) {
      int d = order[k];
      s *= gaps[d];
      strides[d] = s;
      s *= Math.max(shape[d], 1);
    }
    int lead = layout == Layout.CONTIGUOUS ? 0 : 3;
    int offset = lead;
    for (int d = 0; d < nd; d++) {
      if (flip[d]) {
        offset += (shape[d] - 1) * strides[d];
        strides[d] = -strides[d];
      }
    }
    int size = lead + s + 2;
    if (Arrays.stream(shape).anyMatch(x -> x == 0)) {
      offset = 0;
      size = 1;
    }
    Object array = CpuStorage.newArray(dtype, size);
    for (int i = 0; i < size; i++) {
      CpuLoops.setDouble(array, dtype, i, sentinel(dtype));
    }
    View v = new View(array, dtype, offset, shape.clone(), strides);
    forEach(shape, idx -> set(v, idx, randomValue(dtype, rnd)));
    return v;
  }

  /** A broadcast view: {@code base} expanded to {@code shape} with stride 0 on new dims. */
  static View expand(View base, int[] shape) {
    int[] strides = new int[shape.length];
    int lead = shape.length - base.dim();
    for (int d = 0; d < shape.length; d++) {
      int bd = d - lead;
      strides[d] = bd < 0 || base.shape()[bd] == 1 ? 0 : base.strides()[bd];
    }
    return new View(base.array(), base.dtype(), base.offset(), shape.clone(), strides);
  }

  static double sentinel(DType dtype) {
    return dtype == DType.BOOL ? 1 : -777;
  }

  static double randomValue(DType dtype, Random rnd) {
    return switch (dtype) {
      case FLOAT32, FLOAT64 -> Math.round(rnd.nextGaussian() * 1000) / 100.0;
      case INT64, INT32 -> rnd.nextInt(21) - 10;
      case BOOL -> rnd.nextBoolean() ? 1 : 0;
    };
  }

  static int offset(View v, int[] idx) {
    int off = v.offset();
    for (int d = 0; d < idx.length; d++) {
      off += idx[d] * v.strides()[d];
    }
    return off;
  }

  static double get(View v, int[] idx) {
    return CpuLoops.getDouble(v.array(), v.dtype(), offset(v, idx));
  }

  static long getLong(View v, int[] idx) {
    int off = offset(v, idx);
    Object a = v.array();
    return switch (v.dtype()) {
      case FLOAT32 -> (long) ((float[]) a)[off];
      case FLOAT64 -> (long) ((double[]) a)[off];
      case INT64 -> ((long[]) a)[off];
      case INT32 -> ((int[]) a)[off];
      case BOOL -> ((byte[]) a)[off];
    };
  }

  static void set(View v, int[] idx, double value) {
    CpuLoops.setDouble(v.array(), v.dtype(), offset(v, idx), value);
  }

  /** Calls {@code body} with every multi-index of {@code shape} in row-major order. */
  static void forEach(int[] shape, Consumer<int[]> body) {
    for (int s : shape) {
      if (s == 0) {
        return;
      }
    }
    int[] idx = new int[shape.length];
    while (true) {
      body.accept(idx);
      int d = shape.length - 1;
      while (d >= 0 && ++idx[d] == shape[d]) {
        idx[d] = 0;
        d--;
      }
      if (d < 0) {
        return;
      }
    }
  }

  /** Every array element that no index of {@code v} reaches still holds the sentinel. */
  static boolean untouchedOutside(View v) {
    int size = java.lang.reflect.Array.getLength(v.array());
    boolean[] inside = new boolean[size];
    forEach(v.shape(), idx -> inside[offset(v, idx)] = true);
    for (int i = 0; i < size; i++) {
      if (!inside[i]
          && CpuLoops.getDouble(v.array(), v.dtype(), i) != sentinel(v.dtype())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Fails unless {@code actual} is {@code expected} as {@code dtype} holds it: equal NaN-ness, and
   * within an ulp for floating point (the kernels round once; the references may round twice).
   */
  static void assertClose(DType dtype, double expected, double actual, String what) {
    boolean ok;
    if (Double.isNaN(expected) || Double.isNaN(actual)) {
      ok = Double.isNaN(expected) && Double.isNaN(actual);
    } else if (dtype == DType.FLOAT32) {
      float e = (float) expected;
      ok = e == (float) actual || Math.abs(e - (float) actual) <= Math.ulp(e);
    } else if (dtype == DType.FLOAT64) {
      ok = expected == actual || Math.abs(expected - actual) <= 2 * Math.ulp(expected);
    } else {
      ok = expected == actual;
    }
    if (!ok) {
      throw new AssertionError(what + ": expected " + expected + " but was " + actual);
    }
  }

  static int numel(int[] shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    return n;
  }
}
