package dev.ember.transformers;

import dev.ember.spark.FeatureColumn;
import java.util.Arrays;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Schema checks and output columns shared by the models' {@code transformSchema}. */
final class Schemas {
  private Schemas() {}

  /**
   * Checks the features column: it exists and is a Vector, {@code array<float>} or {@code
   * array<double>}.
   *
   * @throws IllegalArgumentException naming the column and its type, as {@link FeatureColumn}
   */
  static FeatureColumn features(StructType schema, String column) {
    return FeatureColumn.of(schema, column);
  }

  /**
   * {@code schema} with {@code field} appended.
   *
   * @throws IllegalArgumentException if a column of that name exists
   */
  static StructType append(StructType schema, StructField field) {
    if (Arrays.asList(schema.fieldNames()).contains(field.name())) {
      throw new IllegalArgumentException("output column '" + field.name() + "' already exists"
          + " (type " + schema.apply(field.name()).dataType().simpleString() + "); set another"
          + " name or drop it");
    }
    return schema.add(field);
  }

  /** A vector column of {@code size} values, with Spark ML's attribute-group metadata. */
  static StructField vector(String name, int size) {
    return new AttributeGroup(name, size).toStructField();
  }

  /** A class-index column of {@code numClasses} values, with nominal-attribute metadata. */
  static StructField classIndex(String name, int numClasses) {
    return NominalAttribute.defaultAttr().withName(name).withNumValues(numClasses)
        .toStructField();
  }

  /**
   * {@code df} with each column's metadata set from {@code schema} (same names, same order): a
   * typed {@code mapPartitions} keeps types but drops column metadata, which Spark ML stages read
   * (attribute groups, nominal attributes).
   */
  static Dataset<Row> withMetadata(Dataset<Row> df, StructType schema) {
    StructField[] fields = schema.fields();
    Column[] columns = new Column[fields.length];
    for (int i = 0; i < fields.length; i++) {
      String name = fields[i].name();
      columns[i] = df.col("`" + name.replace("`", "``") + "`").as(name, fields[i].metadata());
    }
    return df.select(columns);
  }

  /** A double column. */
  static StructField number(String name) {
    return DataTypes.createStructField(name, DataTypes.DoubleType, false);
  }
}
