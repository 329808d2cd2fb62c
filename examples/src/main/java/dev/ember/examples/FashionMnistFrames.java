package dev.ember.examples;

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

/**
 * Fashion-MNIST as a DataFrame, the way a Spark user holds it: {@code features} a dense Vector of
 * the 784 pixels scaled to [0, 1] (row-major 28 x 28), {@code label} the class index as a double.
 */
public final class FashionMnistFrames {
  private FashionMnistFrames() {}

  /** The schema of {@link #of}: {@code features: vector, label: double}. */
  public static final StructType SCHEMA = new StructType(new StructField[] {
      new StructField("features", new VectorUDT(), false, Metadata.empty()),
      new StructField("label", DataTypes.DoubleType, false, Metadata.empty())});

  /**
   * The split's images and labels as a DataFrame of {@code partitions} partitions, each holding a
   * contiguous, deterministic slice of the rows in order.
   */
  public static Dataset<Row> of(SparkSession spark, FashionMnist.Split split, int partitions) {
    float[] pixels = split.images().contiguous().toFloatArray();
    long[] labels = split.labels().toLongArray();
    int n = labels.length;
    int d = pixels.length / n;
    List<Row> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      double[] v = new double[d];
      for (int j = 0; j < d; j++) {
        v[j] = pixels[i * d + j];
      }
      rows.add(RowFactory.create(Vectors.dense(v), (double) labels[i]));
    }
    // parallelize slices the list in order, so partition contents are the same on every run (a
    // repartition would shuffle, and row order after a shuffle depends on fetch timing).
    return spark.createDataFrame(
        new JavaSparkContext(spark.sparkContext()).parallelize(rows, partitions), SCHEMA);
  }
}
