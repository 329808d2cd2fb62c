package dev.ember.transformers.feature;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The base of the transformers that read a flat sample per row (an array or a vector) and give
 * it a {@code shape}: {@link ArrayToTensor} and {@link VectorToTensor}.
 *
 * <p>Every value {@code x} becomes {@code (float) (x * scale)}, then, with {@code mean} and {@code
 * std} set, {@code (v - mean[c]) / std[c]} in float32 where c is the value's index along the
 * first dim of the shape (the channel, for a (C, H, W) shape). With {@code scale = 1.0 / 255} a
 * byte {@code x} gives exactly {@code x / 255f}, torchvision's {@code ToTensor} value.
 * NaN and infinite values pass through unchanged; the estimators reject them.
 *
 * @param <T> the concrete stage, returned by the setters
 */
public abstract class ShapedTensorTransformer<T extends ShapedTensorTransformer<T>>
    extends TensorTransformer<T> {
  private static final long serialVersionUID = 1L;

  private final IntArrayParam shape;
  private final DoubleParam scale;

  /** A stage with identifier {@code uid}, no shape and scale 1. */
  protected ShapedTensorTransformer(String uid) {
    super(uid);
    shape = new IntArrayParam(this, "shape", "per-sample shape of the output, e.g. [1, 28, 28]:"
        + " positive sizes whose product is the number of values in every row",
        Validators.of(ShapedTensorTransformer::validShape));
    scale = new DoubleParam(this, "scale", "factor every value is multiplied by before"
        + " normalization, e.g. 1/255 for pixel bytes (finite)",
        Validators.of(v -> Double.isFinite((Double) v)));
    setDefault(scale, 1.0);
  }

  private static boolean validShape(int[] s) {
    if (s.length == 0) {
      return false;
    }
    long n = 1;
    for (int d : s) {
      if (d <= 0) {
        return false;
      }
      n *= d;
      if (n > Integer.MAX_VALUE) {
        return false;
      }
    }
    return true;
  }

  /** The per-sample shape (no default: it must be set). */
  public IntArrayParam shape() {
    return shape;
  }

  /** The factor every value is multiplied by (default 1). */
  public DoubleParam scale() {
    return scale;
  }

  /**
   * The per-sample shape.
   *
   * @throws java.util.NoSuchElementException if it is not set
   */
  public int[] getShape() {
    return getOrDefault(shape).clone();
  }

  /** The factor every value is multiplied by. */
  public double getScale() {
    return (Double) getOrDefault(scale);
  }

  /**
   * Sets the per-sample shape, e.g. {@code setShape(1, 28, 28)}.
   *
   * @throws IllegalArgumentException if it is empty, has a size that is not positive, or holds
   *     more than {@code Integer.MAX_VALUE} values
   */
  public T setShape(int... value) {
    set(shape, value.clone());
    return self();
  }

  /**
   * Sets the factor every value is multiplied by.
   *
   * @throws IllegalArgumentException if it is not finite
   */
  public T setScale(double value) {
    set(scale, value);
    return self();
  }

  /** Checks that the shape is set and the normalization has 1 or {@code shape[0]} values. */
  @Override
  protected int[] checkParams(StructField input) {
    if (!isDefined(shape)) {
      throw new IllegalArgumentException(name() + ": set shape, the per-sample shape of column '"
          + input.name() + "' (e.g. [1, 28, 28])");
    }
    int[] s = getShape();
    checkNormalization(s[0]);
    return s;
  }

  /**
   * Appends the output column: every row's values read, scaled, normalized, with the shape in the
   * column metadata.
   *
   * @throws IllegalArgumentException for the reasons of {@link #transformSchema}
   * @throws org.apache.spark.SparkException when an action runs, wrapping a {@link
   *     dev.ember.spark.InvalidRowException} for a row whose number of values does not match the
   *     shape (naming the column, the row's count and first values, and the shape), or for a null
   *     value with {@code handleInvalid=error}
   */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType schema = dataset.schema();
    transformSchema(schema);
    int[] s = getShape();
    FlatConversion.Kind kind = kindOf(schema.apply(getInputCol()));
    FlatConversion conversion = new FlatConversion(getInputCol(), kind, s, getScale(),
        normalizer(s[0], (int) (TensorColumns.numel(s) / s[0])), isSkip());
    return appendOutput(dataset, conversion::apply, s);
  }

  /** How the input column's values are read; the column's type has been checked. */
  abstract FlatConversion.Kind kindOf(StructField input);
}
