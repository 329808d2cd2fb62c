package dev.ember.spark;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The names, shapes and dtypes of a state dict in order, so that its values can travel and be
 * averaged as one flat {@code double[]} (which holds every float32 and every integer up to 2^53
 * exactly).
 */
final class StateLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One tensor of the state. */
  record Entry(String name, int[] shape, DType dtype, int offset, int numel)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean equals(Object o) {
      return o instanceof Entry e && name.equals(e.name) && Arrays.equals(shape, e.shape)
          && dtype == e.dtype && offset == e.offset && numel == e.numel;
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, Arrays.hashCode(shape), dtype, offset, numel);
    }

    @Override
    public String toString() {
      return name + Arrays.toString(shape) + " " + dtype;
    }
  }

  private final List<Entry> entries;
  private final int size;

  private StateLayout(List<Entry> entries, int size) {
    this.entries = Collections.unmodifiableList(entries);
    this.size = size;
  }

  /**
   * The layout of {@code state} in its iteration order.
   *
   * @throws IllegalArgumentException if a tensor's dtype is not float32, float64, int64 or int32,
   *     or the state has more than {@code Integer.MAX_VALUE} values
   */
  static StateLayout of(Map<String, Tensor> state) {
    List<Entry> entries = new ArrayList<>();
    long offset = 0;
    for (Map.Entry<String, Tensor> e : state.entrySet()) {
      Tensor t = e.getValue();
      if (t.dtype() == DType.BOOL) {
        throw new IllegalArgumentException("state entry '" + e.getKey() + "' is " + t.describe()
            + "; only numeric state can be averaged");
      }
      entries.add(new Entry(e.getKey(), t.shape(), t.dtype(), (int) offset, t.numel()));
      offset += t.numel();
      if (offset > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("the state has more than " + Integer.MAX_VALUE
            + " values");
      }
    }
    return new StateLayout(entries, (int) offset);
  }

  /** The entries in order. */
  List<Entry> entries() {
    return entries;
  }

  /** The total number of values. */
  int size() {
    return size;
  }

  /**
   * The values of {@code state} (which must have this layout's names and shapes) in layout order.
   *
   * @throws IllegalArgumentException naming the first entry that is missing or of another shape
   */
  double[] flatten(Map<String, Tensor> state) {
    double[] out = new double[size];
    for (Entry e : entries) {
      Tensor t = state.get(e.name());
      if (t == null) {
        throw new IllegalArgumentException("state has no entry '" + e.name() + "' (it has "
            + state.keySet() + ")");
      }
      if (!Arrays.equals(t.shape(), e.shape())) {
        throw new IllegalArgumentException("state entry '" + e.name() + "' has shape "
            + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(e.shape()));
      }
      double[] v = t.toDoubleArray();
      System.arraycopy(v, 0, out, e.offset(), e.numel());
    }
    return out;
  }

  /**
   * Tensors of this layout holding {@code values} (integer entries rounded to the nearest
   * integer), in the current scope, or persistent (outliving every scope) with {@code persist}.
   *
   * @throws IllegalArgumentException if {@code values} has another length
   */
  Map<String, Tensor> tensors(double[] values, boolean persist) {
    if (values.length != size) {
      throw new IllegalArgumentException(values.length + " values for a state of " + size);
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Entry e : entries) {
      Tensor t = tensor(e, values);
      out.put(e.name(), persist ? t.persist() : t);
    }
    return out;
  }

  private static Tensor tensor(Entry e, double[] values) {
    int from = e.offset();
    int n = e.numel();
    switch (e.dtype()) {
      case FLOAT32: {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
          f[i] = (float) values[from + i];
        }
        return Tensor.of(f, e.shape());
      }
      case FLOAT64:
        return Tensor.of(Arrays.copyOfRange(values, from, from + n), e.shape());
      case INT64: {
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
          l[i] = Math.round(values[from + i]);
        }
        return Tensor.of(l, e.shape());
      }
      case INT32: {
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
          l[i] = (int) Math.round(values[from + i]);
        }
        return Tensor.of(l, e.shape());
      }
      default:
        throw new IllegalArgumentException("state entry '" + e.name() + "' has dtype "
            + e.dtype());
    }
  }

  /**
   * {@code values} rounded to each entry's dtype, in place (float32 entries to the nearest float,
   * integer entries to the nearest integer): exactly the values that {@link #tensors} holds.
   * Returns {@code values}.
   */
  double[] round(double[] values) {
    for (Entry e : entries) {
      int end = e.offset() + e.numel();
      switch (e.dtype()) {
        case FLOAT32:
          for (int i = e.offset(); i < end; i++) {
            values[i] = (float) values[i];
          }
          break;
        case INT64:
        case INT32:
          for (int i = e.offset(); i < end; i++) {
            values[i] = Math.round(values[i]);
          }
          break;
        default:
          break;
      }
    }
    return values;
  }

  /**
   * The name of the entry holding flat index {@code i}, with the element index in brackets (for
   * messages about a bad value).
   */
  String describe(int i) {
    for (Entry e : entries) {
      if (i >= e.offset() && i < e.offset() + e.numel()) {
        return e.name() + "[" + (i - e.offset()) + "]";
      }
    }
    return "index " + i;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StateLayout l && size == l.size && entries.equals(l.entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  @Override
  public String toString() {
    return entries.toString();
  }
}
