package dev.ember.spark;

import java.io.Serializable;
import java.util.Locale;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.ArraySeq;

/**
 * A numeric feature column of a DataFrame read into {@code float[]} rows: a Spark ML {@code
 * Vector} (dense or sparse), an {@code array<float>} or an {@code array<double>} (what the tensor
 * feature transformers produce).
 *
 * <p>One reader serves training (the block encoder) and inference (the models), so both accept
 * and reject exactly the same values. Every value is checked: a null, a NaN or infinity, or a
 * length other than the expected one is an {@link InvalidRowException} naming the column and the
 * offending value.
 */
public final class FeatureColumn implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The column types read. */
  public enum Kind {
    /** {@code org.apache.spark.ml.linalg.Vector}, dense or sparse. */
    VECTOR,
    /** {@code array<float>}. */
    FLOAT_ARRAY,
    /** {@code array<double>}. */
    DOUBLE_ARRAY
  }

  private final String name;
  private final Kind kind;
  // What a row's values are called in messages: "features", or "targets" for a vector label.
  private final String noun;

  private FeatureColumn(String name, Kind kind, String noun) {
    this.name = name;
    this.kind = kind;
    this.noun = noun;
  }

  /**
   * The reader for column {@code name} of {@code schema}.
   *
   * @throws IllegalArgumentException if the column does not exist or is not a vector, {@code
   *     array<float>} or {@code array<double>} (the message names the column and its type)
   */
  public static FeatureColumn of(StructType schema, String name) {
    return new FeatureColumn(name, kindOf(schema, name), "features");
  }

  /**
   * A reader of the same column types for values that are not features (a vector label), whose
   * messages call them {@code noun}; the caller has checked the column's type.
   */
  static FeatureColumn of(StructType schema, String name, String noun) {
    return new FeatureColumn(name, kindOf(schema, name), noun);
  }

  /** The kind of column {@code name}; see {@link #of}. */
  public static Kind kindOf(StructType schema, String name) {
    if (!java.util.Arrays.asList(schema.fieldNames()).contains(name)) {
      throw new IllegalArgumentException("column '" + name + "' does not exist; the DataFrame has "
          + String.join(", ", schema.fieldNames()));
    }
    DataType t = schema.apply(name).dataType();
    if (t instanceof VectorUDT) {
      return Kind.VECTOR;
    }
    if (t instanceof ArrayType a && a.elementType().equals(DataTypes.FloatType)) {
      return Kind.FLOAT_ARRAY;
    }
    if (t instanceof ArrayType a && a.elementType().equals(DataTypes.DoubleType)) {
      return Kind.DOUBLE_ARRAY;
    }
    throw new IllegalArgumentException("column '" + name + "' has type "
        + t.simpleString() + "; features must be a Vector, array<float> or array<double>");
  }

  /** The column's name. */
  public String name() {
    return name;
  }

  /** The column's kind. */
  public Kind kind() {
    return kind;
  }

  /**
   * The length of the features in field {@code ordinal} of {@code row}.
   *
   * @throws InvalidRowException if the value is null
   */
  public int length(Row row, int ordinal) {
    if (row.isNullAt(ordinal)) {
      throw new InvalidRowException(name, "null " + noun);
    }
    return switch (kind) {
      case VECTOR -> ((Vector) row.get(ordinal)).size();
      case FLOAT_ARRAY, DOUBLE_ARRAY -> row.getList(ordinal).size();
    };
  }

  /**
   * Reads the features in field {@code ordinal} of {@code row} into {@code dst[offset ..
   * offset + length)}.
   *
   * @throws InvalidRowException if the value is null, has another length, or holds a null, NaN
   *     or infinite element; nothing is guaranteed about {@code dst}'s range then
   */
  public void read(Row row, int ordinal, int length, float[] dst, int offset) {
    if (row.isNullAt(ordinal)) {
      throw new InvalidRowException(name, "null " + noun);
    }
    Object v = row.get(ordinal);
    switch (kind) {
      case VECTOR -> readVector((Vector) v, length, dst, offset);
      case FLOAT_ARRAY, DOUBLE_ARRAY -> readArray(v, length, dst, offset);
    }
  }

  private void readVector(Vector v, int length, float[] dst, int offset) {
    checkLength(v.size(), length);
    if (v instanceof DenseVector d) {
      double[] values = d.values();
      for (int i = 0; i < length; i++) {
        dst[offset + i] = finite(values[i], i);
      }
    } else {
      SparseVector s = (SparseVector) v;
      java.util.Arrays.fill(dst, offset, offset + length, 0f);
      int[] idx = s.indices();
      double[] values = s.values();
      for (int j = 0; j < idx.length; j++) {
        dst[offset + idx[j]] = finite(values[j], idx[j]);
      }
    }
  }

  private void readArray(Object v, int length, float[] dst, int offset) {
    // Spark hands array columns to Java as a scala ArraySeq: a mutable one over a boxed Object[]
    // from a DataFrame (Spark 4.1), an immutable one, possibly over a primitive array, from
    // Scala code; read the backing array directly rather than element by element through Seq.
    Object array = v instanceof scala.collection.mutable.ArraySeq<?> m ? m.array()
        : v instanceof ArraySeq<?> im ? im.unsafeArray() : null;
    if (array instanceof float[] a) {
      checkLength(a.length, length);
      for (int i = 0; i < length; i++) {
        dst[offset + i] = finite(a[i], i);
      }
      return;
    }
    if (array instanceof double[] a) {
      checkLength(a.length, length);
      for (int i = 0; i < length; i++) {
        dst[offset + i] = finite(a[i], i);
      }
      return;
    }
    if (array instanceof Object[] a) {
      checkLength(a.length, length);
      for (int i = 0; i < length; i++) {
        dst[offset + i] = finite(element(a[i], i), i);
      }
      return;
    }
    scala.collection.Seq<?> seq = (scala.collection.Seq<?>) v;
    checkLength(seq.length(), length);
    for (int i = 0; i < length; i++) {
      dst[offset + i] = finite(element(seq.apply(i), i), i);
    }
  }

  private double element(Object x, int index) {
    if (x == null) {
      throw new InvalidRowException(name, "null element at index " + index);
    }
    return ((Number) x).doubleValue();
  }

  private void checkLength(int actual, int expected) {
    if (actual != expected) {
      throw new InvalidRowException(name, actual + " " + noun + ", expected " + expected);
    }
  }

  private float finite(double x, int index) {
    float f = (float) x;
    if (!Float.isFinite(f)) {
      throw new InvalidRowException(name, String.format(Locale.ROOT,
          "%s at index %d%s", x, index,
          Double.isFinite(x) ? " (beyond the float32 range)" : ""));
    }
    return f;
  }

  @Override
  public String toString() {
    return name + " (" + kind.name().toLowerCase(Locale.ROOT) + ")";
  }
}
