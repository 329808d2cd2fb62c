package dev.ember.transformers.feature;

import java.util.Arrays;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.StructField;

/**
 * A Spark ML {@code Vector} column (dense or sparse) to a tensor column: {@code array<float>} of
 * a fixed per-sample {@code shape}, scaled and normalized per channel.
 *
 * <p>Every vector must have {@code product(shape)} elements, read in row-major order of the
 * shape (a sparse vector's missing elements are zeros). Output: {@code (float) (x * scale)}, then
 * {@code (v - mean[c]) / std[c]} in float32 when {@code mean} and {@code std} are set, c being the
 * index along {@code shape[0]}; the shape goes into the column metadata ({@link
 * TensorColumns#shapeOf}).
 *
 * <pre>{@code
 * VectorToTensor toTensor = new VectorToTensor().setInputCol("features").setOutputCol("image")
 *     .setShape(1, 28, 28);
 * }</pre>
 *
 * <p>A null vector is invalid ({@code handleInvalid}); a vector of another size is always an
 * error naming the column, the vector's size and first values, and the shape. When the input
 * column's ML attribute metadata records a size (as {@code VectorAssembler} writes), a size other
 * than the shape's is an error already in {@code transformSchema}.
 */
public final class VectorToTensor extends ShapedTensorTransformer<VectorToTensor> {
  private static final long serialVersionUID = 1L;

  /** A transformer with a random uid. */
  public VectorToTensor() {
    this(Identifiable.randomUID("vectorToTensor"));
  }

  /** A transformer with identifier {@code uid}. */
  public VectorToTensor(String uid) {
    super(uid);
  }

  @Override
  protected VectorToTensor self() {
    return this;
  }

  @Override
  protected void checkInputType(StructField input) {
    if (!(input.dataType() instanceof VectorUDT)) {
      throw new IllegalArgumentException(name() + ": input column '" + input.name()
          + "' has type " + input.dataType().simpleString()
          + "; expected a Vector (org.apache.spark.ml.linalg)");
    }
  }

  /** Also checks the size recorded in the input column's ML attributes, where there is one. */
  @Override
  protected int[] checkParams(StructField input) {
    int[] shape = super.checkParams(input);
    int size = AttributeGroup.fromStructField(input).size();
    if (size >= 0 && size != TensorColumns.numel(shape)) {
      throw new IllegalArgumentException(name() + ": input column '" + input.name()
          + "' holds vectors of size " + size + " (its metadata says), but shape "
          + Arrays.toString(shape) + " needs " + TensorColumns.numel(shape));
    }
    return shape;
  }

  @Override
  FlatConversion.Kind kindOf(StructField input) {
    return FlatConversion.Kind.VECTOR;
  }

  @Override
  public VectorToTensor copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** The reader of saved {@code VectorToTensor}s. */
  public static MLReader<VectorToTensor> read() {
    return Persistence.reader(VectorToTensor.class);
  }

  /** The {@code VectorToTensor} saved at {@code path}. */
  public static VectorToTensor load(String path) {
    return read().load(path);
  }
}
