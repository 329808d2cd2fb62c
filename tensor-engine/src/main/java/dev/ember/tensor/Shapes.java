package dev.ember.tensor;

import java.util.Arrays;

/** Shape arithmetic shared by the operators: sizes, strides, broadcasting, dim normalization. */
final class Shapes {
  private Shapes() {}

  static final int[] SCALAR = new int[0];

  /**
   * The number of elements of a shape.
   *
   * @throws IllegalArgumentException on a negative size or more than 2^31 - 1 elements
   */
  static int numel(int[] shape) {
    long n = 1;
    for (int s : shape) {
      if (s < 0) {
        throw new IllegalArgumentException("negative size in shape " + Arrays.toString(shape));
      }
      n *= s;
      if (n > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(shape) + " has more than 2^31 - 1 elements, which a tensor"
                + " cannot hold");
      }
    }
    return (int) n;
  }

  /** Row-major strides of a contiguous tensor of this shape. */
  static int[] contiguousStrides(int[] shape) {
    int[] st = new int[shape.length];
    int s = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      st[i] = s;
      s *= Math.max(shape[i], 1);
    }
    return st;
  }

  /** Whether (shape, strides) describe a row-major contiguous layout (size-1 dims ignored). */
  static boolean isContiguous(int[] shape, int[] strides) {
    int expected = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] == 1) {
        continue;
      }
      if (shape[i] == 0) {
        return true;
      }
      if (strides[i] != expected) {
        return false;
      }
      expected *= shape[i];
    }
    return true;
  }

  /**
   * The broadcast shape of two shapes (NumPy/PyTorch rules: align right, sizes equal or 1).
   *
   * @throws IllegalArgumentException naming both shapes and the dim that does not match
   */
  static int[] broadcast(int[] a, int[] b) {
    int n = Math.max(a.length, b.length);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      int da = i - (n - a.length);
      int db = i - (n - b.length);
      int sa = da >= 0 ? a[da] : 1;
      int sb = db >= 0 ? b[db] : 1;
      if (sa != sb && sa != 1 && sb != 1) {
        throw new IllegalArgumentException(
            "shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " cannot be broadcast"
                + " together: size " + sa + " vs " + sb + " at dim " + i + " of the result");
      }
      out[i] = sa == 1 ? sb : sa;
    }
    return out;
  }

  /** The broadcast shape of several shapes. */
  static int[] broadcast(int[]... shapes) {
    int[] out = SCALAR;
    for (int[] s : shapes) {
      out = broadcast(out, s);
    }
    return out;
  }

  /**
   * Wraps a possibly negative dim into {@code [0, ndim)}.
   *
   * @throws IndexOutOfBoundsException naming the dim, the range and the shape
   */
  static int dim(int dim, int ndim, int[] shape) {
    int lo = -Math.max(ndim, 1);
    int hi = Math.max(ndim, 1) - 1;
    if (dim < lo || dim > hi) {
      throw new IndexOutOfBoundsException(
          "dim " + dim + " out of range for a tensor of " + ndim + " dims (shape "
              + Arrays.toString(shape) + "); expected a dim in [" + lo + ", " + hi + "]");
    }
    return dim < 0 ? dim + Math.max(ndim, 1) : dim;
  }

  /** Normalizes, sorts and checks a set of dims; an empty array means all dims. */
  static int[] dims(int[] dims, int ndim, int[] shape) {
    if (dims.length == 0) {
      int[] all = new int[ndim];
      for (int i = 0; i < ndim; i++) {
        all[i] = i;
      }
      return all;
    }
    int[] out = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      out[i] = dim(dims[i], ndim, shape);
    }
    Arrays.sort(out);
    for (int i = 1; i < out.length; i++) {
      if (out[i] == out[i - 1]) {
        throw new IllegalArgumentException(
            "dim " + out[i] + " appears more than once in " + Arrays.toString(dims));
      }
    }
    if (ndim == 0) {
      return new int[0];
    }
    return out;
  }

  /** The shape with the given (normalized, sorted) dims set to 1 or removed. */
  static int[] reduced(int[] shape, int[] dims, boolean keepDim) {
    boolean[] r = new boolean[shape.length];
    for (int d : dims) {
      r[d] = true;
    }
    int[] out = new int[keepDim ? shape.length : shape.length - dims.length];
    int j = 0;
    for (int i = 0; i < shape.length; i++) {
      if (!r[i]) {
        out[j++] = shape[i];
      } else if (keepDim) {
        out[j++] = 1;
      }
    }
    return out;
  }

  /**
   * Resolves a view shape with at most one -1 against a number of elements.
   *
   * @throws IllegalArgumentException if the shape is invalid for the input size
   */
  static int[] inferView(int[] shape, int numel, int[] from) {
    int[] out = shape.clone();
    int infer = -1;
    long prod = 1;
    for (int i = 0; i < out.length; i++) {
      if (out[i] == -1) {
        if (infer >= 0) {
          throw new IllegalArgumentException("only one dimension can be inferred (-1) in " + Arrays.toString(shape));
        }
        infer = i;
      } else if (out[i] < 0) {
        throw new IllegalArgumentException("invalid size " + out[i] + " in shape " + Arrays.toString(shape));
      } else {
        prod *= out[i];
      }
    }
    if (infer >= 0) {
      if (prod == 0 || numel % prod != 0) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(shape) + " is invalid for input of size " + numel
                + " (shape " + Arrays.toString(from) + ")");
      }
      out[infer] = (int) (numel / prod);
    } else if (prod != numel) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " is invalid for input of size " + numel + " (shape "
              + Arrays.toString(from) + ")");
    }
    return out;
  }

  static String str(int[] shape) {
    return Arrays.toString(shape);
  }
}
