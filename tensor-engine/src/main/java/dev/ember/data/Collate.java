package dev.ember.data;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * PyTorch's {@code default_collate} for Java item types: items become tensors whose first dim is
 * the batch. The batch is always a {@code Tensor[]}, one tensor per component of the items:
 *
 * <table>
 *   <caption>default collation of a list of n items</caption>
 *   <tr><th>item type</th><th>batch</th></tr>
 *   <tr><td>{@code Tensor} of shape S</td>
 *       <td>{@code {stack(items)}}: one tensor (n, S...)</td></tr>
 *   <tr><td>{@code Number} or {@code Boolean}</td><td>{@code {tensor of shape (n)}}</td></tr>
 *   <tr><td>{@code Tensor[]} or {@code Object[]} of k components (each a tensor, number or
 *       boolean)</td><td>k tensors, component j collated as above</td></tr>
 * </table>
 *
 * <p>Numbers follow PyTorch's dtypes for Python scalars: {@code Integer}, {@code Long}, {@code
 * Short}, {@code Byte} give int64, {@code Double} float64, {@code Float} float32 (a NumPy float32
 * stays float32 in PyTorch too), {@code Boolean} bool.
 */
public final class Collate {
  private Collate() {}

  /**
   * The default collation of {@code items} (see the class comment).
   *
   * @throws IllegalArgumentException if the list is empty, an item has an unsupported type, items
   *     differ in their number of components or component types, or tensors differ in shape
   */
  public static Tensor[] defaultCollate(List<?> items) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("default collate: cannot collate an empty batch");
    }
    Object first = items.get(0);
    if (!(first instanceof Object[])) {
      return new Tensor[] {component(items, -1)};
    }
    int k = ((Object[]) first).length;
    for (int i = 0; i < items.size(); i++) {
      Object item = items.get(i);
      if (!(item instanceof Object[]) || ((Object[]) item).length != k) {
        throw new IllegalArgumentException(
            "default collate: each element in list of batch should be of equal size: item 0 has "
                + k + " components but item " + i + " is " + describe(item));
      }
    }
    Tensor[] out = new Tensor[k];
    for (int c = 0; c < k; c++) {
      out[c] = component(items, c);
    }
    return out;
  }

  private static String describe(Object o) {
    if (o == null) {
      return "null";
    }
    if (o instanceof Object[]) {
      return "an array of " + ((Object[]) o).length + " components";
    }
    return "a " + o.getClass().getSimpleName();
  }

  /** Component c of every item (c = -1: the items themselves). */
  private static Tensor component(List<?> items, int c) {
    int n = items.size();
    Object first = pick(items.get(0), c);
    String where = c < 0 ? "" : " (component " + c + ")";
    if (first instanceof Tensor) {
      List<Tensor> ts = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        Object o = pick(items.get(i), c);
        if (!(o instanceof Tensor)) {
          throw mixed(where, first, i, o);
        }
        ts.add((Tensor) o);
      }
      try {
        return Tensor.stack(ts, 0);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("default collate" + where + ": " + e.getMessage(), e);
      }
    }
    if (first instanceof Boolean) {
      boolean[] v = new boolean[n];
      for (int i = 0; i < n; i++) {
        Object o = pick(items.get(i), c);
        if (!(o instanceof Boolean)) {
          throw mixed(where, first, i, o);
        }
        v[i] = (Boolean) o;
      }
      return Tensor.of(v);
    }
    if (first instanceof Number) {
      DType dtype = numberType((Number) first, where);
      double[] d = dtype.isFloatingPoint() ? new double[n] : null;
      long[] l = dtype.isFloatingPoint() ? null : new long[n];
      for (int i = 0; i < n; i++) {
        Object o = pick(items.get(i), c);
        if (!(o instanceof Number) || numberType((Number) o, where) != dtype) {
          throw mixed(where, first, i, o);
        }
        if (d != null) {
          d[i] = ((Number) o).doubleValue();
        } else {
          l[i] = ((Number) o).longValue();
        }
      }
      return d != null ? Tensor.of(d).to(dtype) : Tensor.of(l);
    }
    throw new IllegalArgumentException(
        "default collate" + where + ": batch must contain tensors, numbers, booleans or arrays of"
            + " them; found " + describe(first) + "; give the DataLoader a collate function");
  }

  private static Object pick(Object item, int c) {
    return c < 0 ? item : ((Object[]) item)[c];
  }

  private static DType numberType(Number x, String where) {
    if (x instanceof Double) {
      return DType.FLOAT64;
    }
    if (x instanceof Float) {
      return DType.FLOAT32;
    }
    if (x instanceof Integer || x instanceof Long || x instanceof Short || x instanceof Byte) {
      return DType.INT64;
    }
    throw new IllegalArgumentException(
        "default collate" + where + ": unsupported number type " + x.getClass().getName());
  }

  private static IllegalArgumentException mixed(String where, Object first, int i, Object o) {
    return new IllegalArgumentException(
        "default collate" + where + ": item 0 is " + describe(first) + " but item " + i + " is "
            + describe(o));
  }
}
