package dev.ember.transformers;

import dev.ember.spark.FeatureColumn;
import dev.ember.spark.InvalidRowException;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A model as a one-argument SQL function: features (a Vector, {@code array<float>} or {@code
 * array<double>}) in, the model's single output column out. Serializable and small: it carries
 * the {@link Inference} (spec and a broadcast of the weights), and the network is built through
 * the per-JVM {@link ModulePool}, never per row.
 */
final class RowFunction implements UDF1<Object, Object> {
  private static final long serialVersionUID = 1L;
  /** The name invalid-feature messages give the function's argument. */
  static final String ARGUMENT = "udf argument";

  private static final StructType VECTOR = new StructType().add(ARGUMENT, new VectorUDT());
  private static final StructType ARRAY =
      new StructType().add(ARGUMENT, DataTypes.createArrayType(DataTypes.DoubleType));

  private final Inference inference;
  private final boolean nullForInvalid;
  private final RowOutputs outputs;

  private RowFunction(Inference inference, boolean nullForInvalid, RowOutputs outputs) {
    this.inference = inference;
    this.nullForInvalid = nullForInvalid;
    this.outputs = outputs;
  }

  /** The SQL function; {@code outputs} must produce one column of {@code returnType}. */
  static UserDefinedFunction udf(Inference inference, boolean nullForInvalid, RowOutputs outputs,
      DataType returnType) {
    return functions.udf(new RowFunction(inference, nullForInvalid, outputs), returnType);
  }

  @Override
  public Object call(Object features) {
    float[] x = new float[inference.numFeatures()];
    try {
      read(features, x);
    } catch (InvalidRowException e) {
      if (nullForInvalid) {
        return null;
      }
      throw e;
    }
    return outputs.values(inference.forward(x, 1), 0)[0];
  }

  /**
   * Reads one value of a features column into {@code x} with {@link FeatureColumn}'s checks: a
   * Vector, or an array (Spark passes arrays to Java functions as Scala sequences).
   */
  private static void read(Object features, float[] x) {
    Row row = RowFactory.create(features);
    StructType schema = features instanceof Vector ? VECTOR : ARRAY;
    if (features != null && !(features instanceof Vector)
        && !(features instanceof scala.collection.Seq)) {
      throw new IllegalArgumentException(ARGUMENT + ": features must be a Vector, array<float> or"
          + " array<double>, got " + features.getClass().getName());
    }
    FeatureColumn.of(schema, ARGUMENT).read(row, 0, x.length, x, 0);
  }

  /** One feature vector, checked as a row of a features column named {@code column}. */
  static float[] vector(Vector features, int numFeatures, String column) {
    float[] x = new float[numFeatures];
    StructType schema = new StructType().add(column, new VectorUDT());
    FeatureColumn.of(schema, column).read(RowFactory.create(features), 0, numFeatures, x, 0);
    return x;
  }
}
