package dev.ember.transformers.feature;

import java.util.Set;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * A numeric array or binary column to a tensor column: {@code array<float>} of a fixed per-sample
 * {@code shape}, scaled and normalized per channel.
 *
 * <p>Input: {@code array<float>}, {@code array<double>}, {@code array<int>}, {@code
 * array<bigint>}, {@code array<smallint>}, {@code array<tinyint>} (each element the number Spark
 * holds, so tinyint is signed) or {@code binary} (each byte unsigned, 0..255: pixel bytes). Every
 * row must hold exactly {@code product(shape)} values, read in row-major order of the shape.
 *
 * <p>Output: {@code (float) (x * scale)}, then {@code (v - mean[c]) / std[c]} in float32 when
 * {@code mean} and {@code std} are set, c being the index along {@code shape[0]}; the shape goes
 * into the column metadata ({@link TensorColumns#shapeOf}). For example Fashion-MNIST bytes with
 * {@code setShape(1, 28, 28).setScale(1.0 / 255)} give torchvision's {@code ToTensor} values.
 *
 * <pre>{@code
 * ArrayToTensor toTensor = new ArrayToTensor().setInputCol("pixels").setOutputCol("image")
 *     .setShape(1, 28, 28).setScale(1.0 / 255).setMean(0.2860).setStd(0.3530);
 * }</pre>
 *
 * <p>Rows with a null array or a null element are invalid ({@code handleInvalid}); a row with
 * another number of values is always an error naming the column, the row's count and first
 * values, and the shape.
 */
public final class ArrayToTensor extends ShapedTensorTransformer<ArrayToTensor> {
  private static final long serialVersionUID = 1L;

  private static final Set<DataType> ELEMENT_TYPES = Set.of(DataTypes.FloatType,
      DataTypes.DoubleType, DataTypes.IntegerType, DataTypes.LongType, DataTypes.ShortType,
      DataTypes.ByteType);

  /** A transformer with a random uid. */
  public ArrayToTensor() {
    this(Identifiable.randomUID("arrayToTensor"));
  }

  /** A transformer with identifier {@code uid}. */
  public ArrayToTensor(String uid) {
    super(uid);
  }

  @Override
  protected ArrayToTensor self() {
    return this;
  }

  @Override
  protected void checkInputType(StructField input) {
    DataType t = input.dataType();
    boolean ok = t.equals(DataTypes.BinaryType)
        || (t instanceof ArrayType a && ELEMENT_TYPES.contains(a.elementType()));
    if (!ok) {
      throw new IllegalArgumentException(name() + ": input column '" + input.name()
          + "' has type " + t.simpleString() + "; expected array<float>, array<double>,"
          + " array<int>, array<bigint>, array<smallint>, array<tinyint> or binary");
    }
  }

  @Override
  FlatConversion.Kind kindOf(StructField input) {
    return input.dataType().equals(DataTypes.BinaryType)
        ? FlatConversion.Kind.BINARY : FlatConversion.Kind.NUMBER_ARRAY;
  }

  @Override
  public ArrayToTensor copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** The reader of saved {@code ArrayToTensor}s. */
  public static MLReader<ArrayToTensor> read() {
    return Persistence.reader(ArrayToTensor.class);
  }

  /** The {@code ArrayToTensor} saved at {@code path}. */
  public static ArrayToTensor load(String path) {
    return read().load(path);
  }
}
