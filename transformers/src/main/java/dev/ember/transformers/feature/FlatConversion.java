package dev.ember.transformers.feature;

import dev.ember.spark.InvalidRowException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import scala.collection.Seq;
import scala.collection.immutable.ArraySeq;

/**
 * One row's flat sample (an array, binary or vector value) to a scaled, normalized float array:
 * the function {@link ShapedTensorTransformer} runs on the executors.
 */
final class FlatConversion implements Serializable {
  private static final long serialVersionUID = 1L;

  /** How the value is read. */
  enum Kind {
    /** {@code array<float|double|int|long|short|byte>}: a Scala {@code Seq} of numbers. */
    NUMBER_ARRAY,
    /** {@code binary}: {@code byte[]}, each byte unsigned (0..255). */
    BINARY,
    /** A Spark ML {@code Vector}, dense or sparse. */
    VECTOR
  }

  private static final int PREVIEW = 5;

  private final String column;
  private final Kind kind;
  private final int[] shape;
  private final int numel;
  private final double scale;
  private final Normalizer normalizer;
  private final boolean skip;

  FlatConversion(
      String column, Kind kind, int[] shape, double scale, Normalizer normalizer, boolean skip) {
    this.column = column;
    this.kind = kind;
    this.shape = shape.clone();
    this.numel = (int) TensorColumns.numel(shape);
    this.scale = scale;
    this.normalizer = normalizer;
    this.skip = skip;
  }

  /**
   * The sample of one row, or null for an invalid row when skipping.
   *
   * @throws InvalidRowException for a value of the wrong size, or an invalid row (null, or a
   *     null element) when not skipping
   */
  float[] apply(Object value) {
    if (value == null) {
      return invalid("null value");
    }
    float[] out = new float[numel];
    boolean valid = switch (kind) {
      case NUMBER_ARRAY -> readSeq((Seq<?>) value, out);
      case BINARY -> readBinary((byte[]) value, out);
      case VECTOR -> readVector((Vector) value, out);
    };
    if (!valid) {
      return null;
    }
    if (normalizer != null) {
      normalizer.apply(out);
    }
    return out;
  }

  private float[] invalid(String problem) {
    if (skip) {
      return null;
    }
    throw new InvalidRowException(column, problem + "; set handleInvalid to 'skip' to drop such"
        + " rows");
  }

  private float scaled(double x) {
    return (float) (x * scale);
  }

  private boolean readSeq(Seq<?> seq, float[] out) {
    // Spark hands array columns to Java UDFs as an immutable ArraySeq, wrapping a primitive array
    // when the elements cannot be null.
    if (seq instanceof ArraySeq.ofFloat f) {
      float[] a = f.unsafeArray();
      checkCount(a.length, seq);
      for (int i = 0; i < numel; i++) {
        out[i] = scaled(a[i]);
      }
    } else if (seq instanceof ArraySeq.ofDouble d) {
      double[] a = d.unsafeArray();
      checkCount(a.length, seq);
      for (int i = 0; i < numel; i++) {
        out[i] = scaled(a[i]);
      }
    } else if (seq instanceof ArraySeq.ofInt n) {
      int[] a = n.unsafeArray();
      checkCount(a.length, seq);
      for (int i = 0; i < numel; i++) {
        out[i] = scaled(a[i]);
      }
    } else {
      checkCount(seq.length(), seq);
      for (int i = 0; i < numel; i++) {
        Object x = seq.apply(i);
        if (x == null) {
          invalid("null element at index " + i);
          return false;
        }
        out[i] = scaled(((Number) x).doubleValue());
      }
    }
    return true;
  }

  private boolean readBinary(byte[] bytes, float[] out) {
    if (bytes.length != numel) {
      throw wrongSize(bytes.length + " bytes", preview(bytes));
    }
    for (int i = 0; i < numel; i++) {
      out[i] = scaled(bytes[i] & 0xFF);
    }
    return true;
  }

  private boolean readVector(Vector v, float[] out) {
    if (v.size() != numel) {
      throw wrongSize("a vector of size " + v.size(), preview(v));
    }
    if (v instanceof DenseVector d) {
      double[] a = d.values();
      for (int i = 0; i < numel; i++) {
        out[i] = scaled(a[i]);
      }
    } else {
      SparseVector s = (SparseVector) v;
      // Zeros scale to zeros; only the stored values need the multiplication.
      int[] idx = s.indices();
      double[] a = s.values();
      for (int j = 0; j < idx.length; j++) {
        out[idx[j]] = scaled(a[j]);
      }
    }
    return true;
  }

  private void checkCount(int count, Seq<?> seq) {
    if (count != numel) {
      throw wrongSize(count + " values", preview(seq));
    }
  }

  private InvalidRowException wrongSize(String what, String preview) {
    return new InvalidRowException(column, String.format(Locale.ROOT,
        "a row has %s (%s); shape %s needs %d", what, preview, Arrays.toString(shape), numel));
  }

  private static String preview(Seq<?> seq) {
    StringBuilder sb = new StringBuilder();
    int n = Math.min(PREVIEW, seq.length());
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ", ").append(seq.apply(i));
    }
    return finish(sb, seq.length() > n);
  }

  private static String preview(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    int n = Math.min(PREVIEW, bytes.length);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ", ").append(bytes[i] & 0xFF);
    }
    return finish(sb, bytes.length > n);
  }

  private static String preview(Vector v) {
    StringBuilder sb = new StringBuilder();
    int n = Math.min(PREVIEW, v.size());
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ", ").append(v.apply(i));
    }
    return finish(sb, v.size() > n);
  }

  private static String finish(StringBuilder sb, boolean more) {
    if (sb.length() == 0) {
      return "empty";
    }
    return "starting " + sb + (more ? ", ..." : "");
  }
}
