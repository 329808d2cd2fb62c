package dev.ember.estimators;

import dev.ember.testdata.FashionMnist;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Small real DataFrames for the estimator tests. */
final class Frames {
  private Frames() {}

  static final StructType SCHEMA = new StructType(new StructField[] {
      new StructField("features", new VectorUDT(), false, Metadata.empty()),
      new StructField("label", DataTypes.DoubleType, false, Metadata.empty())});

  /** The first {@code n} images of {@code split}: dense Vectors in [0, 1] and double labels. */
  static Dataset<Row> fashion(SparkSession spark, FashionMnist.Split split, int n,
      int partitions) {
    float[] pixels = split.images().contiguous().toFloatArray();
    long[] labels = split.labels().toLongArray();
    List<Row> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      double[] v = new double[784];
      for (int j = 0; j < 784; j++) {
        v[j] = pixels[i * 784 + j];
      }
      rows.add(RowFactory.create(Vectors.dense(v), (double) labels[i]));
    }
    return spark.createDataFrame(
        new JavaSparkContext(spark.sparkContext()).parallelize(rows, partitions), SCHEMA);
  }

  /** Accuracy of {@code predictions} ({@code prediction} against {@code label}). */
  static double accuracy(Dataset<Row> predictions) {
    long n = predictions.count();
    long right = predictions.filter("prediction = label").count();
    return (double) right / n;
  }
}
