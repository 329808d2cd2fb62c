package dev.ember.transformers.feature;

import java.util.Arrays;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;

/**
 * The per-sample shape of a tensor column, kept in the column's metadata.
 *
 * <p>The feature transformers of this package write {@code array<float>} columns whose metadata
 * holds the shape of one sample under {@value #METADATA_KEY}.{@value #SHAPE_KEY}, e.g. {@code
 * {"ember": {"shape": [3, 32, 32]}}} for 32x32 RGB images in (C, H, W) order. The values are the
 * row's floats in row-major order; an estimator reads the shape with {@link #shapeOf} to infer
 * its {@code inputShape}. Spark keeps column metadata through {@code select}, {@code withColumn}
 * and caching, and drops it through most expressions that compute a new value.
 */
public final class TensorColumns {
  /** The top-level metadata key under which Ember keeps its column information. */
  public static final String METADATA_KEY = "ember";

  /** The key, inside {@value #METADATA_KEY}, of the per-sample shape: an array of longs. */
  public static final String SHAPE_KEY = "shape";

  private TensorColumns() {}

  /**
   * The per-sample shape recorded in {@code field}'s metadata, or null when it records none.
   *
   * @throws IllegalArgumentException if the metadata has a shape that is not an array of positive
   *     integers (the message names the column)
   */
  public static int[] shapeOf(StructField field) {
    Metadata m = field.metadata();
    if (!m.contains(METADATA_KEY)) {
      return null;
    }
    Metadata ember;
    long[] dims;
    try {
      ember = m.getMetadata(METADATA_KEY);
      if (!ember.contains(SHAPE_KEY)) {
        return null;
      }
      dims = ember.getLongArray(SHAPE_KEY);
    } catch (ClassCastException e) {
      throw new IllegalArgumentException("column '" + field.name() + "': metadata "
          + METADATA_KEY + "." + SHAPE_KEY + " must be an array of integers, got "
          + m.json(), e);
    }
    int[] shape = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] <= 0 || dims[i] > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("column '" + field.name() + "': metadata "
            + METADATA_KEY + "." + SHAPE_KEY + " must hold positive sizes, got "
            + Arrays.toString(dims));
      }
      shape[i] = (int) dims[i];
    }
    return shape;
  }

  /**
   * {@code base} with the per-sample {@code shape} recorded, keeping every other key (including
   * other keys under {@value #METADATA_KEY}).
   */
  static Metadata withShape(Metadata base, int[] shape) {
    long[] dims = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      dims[i] = shape[i];
    }
    MetadataBuilder ember = new MetadataBuilder();
    if (base.contains(METADATA_KEY)) {
      ember.withMetadata(base.getMetadata(METADATA_KEY));
    }
    ember.putLongArray(SHAPE_KEY, dims);
    return new MetadataBuilder().withMetadata(base).putMetadata(METADATA_KEY, ember.build())
        .build();
  }

  /** The number of values of a sample of {@code shape}. */
  static long numel(int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }
}
