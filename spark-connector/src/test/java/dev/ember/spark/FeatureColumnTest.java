package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.spark.testing.SparkSessionExtension;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Reading Vector (dense, sparse), array&lt;float&gt; and array&lt;double&gt; feature columns from
 * rows collected through Spark (so the Java types are the ones Spark really hands over), and every
 * rejected value.
 */
@ExtendWith(SparkSessionExtension.class)
class FeatureColumnTest {
  private static final StructType SCHEMA = new StructType()
      .add("vec", SQLDataTypes.VectorType())
      .add("af", DataTypes.createArrayType(DataTypes.FloatType))
      .add("ad", DataTypes.createArrayType(DataTypes.DoubleType))
      .add("afStrict", DataTypes.createArrayType(DataTypes.FloatType, false));

  private static final double NAN = Double.NaN;
  private static final double INF = Double.POSITIVE_INFINITY;

  private static List<Row> rows;
  private static FeatureColumn vec;
  private static FeatureColumn af;
  private static FeatureColumn ad;
  private static FeatureColumn afStrict;

  @BeforeAll
  static void collect(SparkSession spark) {
    List<Row> input = List.of(
        RowFactory.create(Vectors.dense(1, -2.5, 3), new float[] {1, -2.5f, 3},
            new double[] {1, -2.5, 3}, new float[] {1, -2.5f, 3}),
        RowFactory.create(Vectors.sparse(3, new int[] {1}, new double[] {5}),
            new float[] {0, 5, 0}, new double[] {0, 5, 0}, new float[] {0, 5, 0}),
        RowFactory.create(null, null, null, null),
        RowFactory.create(Vectors.dense(1, NAN, 3), new float[] {1, Float.NaN, 3},
            new double[] {1, NAN, 3}, new float[] {1, 2, Float.NaN}),
        RowFactory.create(Vectors.dense(1, 2, -INF), new float[] {Float.POSITIVE_INFINITY, 2, 3},
            new double[] {1, INF, 3}, new float[] {1, 2, 3}),
        RowFactory.create(Vectors.dense(1, 2), new float[] {1, 2, 3, 4}, new double[] {},
            new float[] {1}),
        RowFactory.create(Vectors.dense(1e39, 0, 0), Arrays.asList(1f, null, 3f),
            new double[] {0, -1e39, 0}, new float[] {1, 2, 3}),
        RowFactory.create(Vectors.sparse(3, new int[] {0, 2}, new double[] {1, NAN}),
            new float[] {1, 2, 3}, Arrays.asList(1.0, 2.0, null), new float[] {1, 2, 3}));
    rows = spark.createDataFrame(input, SCHEMA).collectAsList();
    vec = FeatureColumn.of(SCHEMA, "vec");
    af = FeatureColumn.of(SCHEMA, "af");
    ad = FeatureColumn.of(SCHEMA, "ad");
    afStrict = FeatureColumn.of(SCHEMA, "afStrict");
  }

  private static float[] read(FeatureColumn c, int row, int ordinal) {
    float[] dst = new float[5];
    Arrays.fill(dst, 9f);
    c.read(rows.get(row), ordinal, 3, dst, 1);
    return dst;
  }

  private static String error(FeatureColumn c, int row, int ordinal) {
    return assertThrows(InvalidRowException.class, () -> read(c, row, ordinal)).getMessage();
  }

  @Test
  void kindsFromTheSchema() {
    assertEquals(FeatureColumn.Kind.VECTOR, vec.kind());
    assertEquals(FeatureColumn.Kind.FLOAT_ARRAY, af.kind());
    assertEquals(FeatureColumn.Kind.DOUBLE_ARRAY, ad.kind());
    assertEquals("vec (vector)", vec.toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FeatureColumn.of(new StructType().add("s", DataTypes.StringType), "s"));
    assertEquals("column 's' has type string; features must be a Vector, array<float> or"
        + " array<double>", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> FeatureColumn.of(new StructType().add("a", DataTypes.createArrayType(
            DataTypes.IntegerType)), "a"));
    assertEquals("column 'a' has type array<int>; features must be a Vector, array<float> or"
        + " array<double>", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> FeatureColumn.of(SCHEMA, "x"));
    assertEquals("column 'x' does not exist; the DataFrame has vec, af, ad, afStrict",
        e.getMessage());
  }

  @Test
  void readsEveryKindAtAnOffsetLeavingTheRestOfTheArray() {
    float[] expected = {9, 1, -2.5f, 3, 9};
    assertArrayEquals(expected, read(vec, 0, 0));
    assertArrayEquals(expected, read(af, 0, 1));
    assertArrayEquals(expected, read(ad, 0, 2));
    assertArrayEquals(expected, read(afStrict, 0, 3));
  }

  @Test
  void readsSparseVectorsWithTheirZeros() {
    assertArrayEquals(new float[] {9, 0, 5, 0, 9}, read(vec, 1, 0));
    assertEquals(3, vec.length(rows.get(1), 0));
  }

  @Test
  void lengths() {
    assertEquals(2, vec.length(rows.get(5), 0));
    assertEquals(4, af.length(rows.get(5), 1));
    assertEquals(0, ad.length(rows.get(5), 2));
    assertEquals("column 'af': null features",
        assertThrows(InvalidRowException.class, () -> af.length(rows.get(2), 1)).getMessage());
  }

  @Test
  void nullFeatures() {
    assertEquals("column 'vec': null features", error(vec, 2, 0));
    assertEquals("column 'af': null features", error(af, 2, 1));
    assertEquals("column 'ad': null features", error(ad, 2, 2));
  }

  @Test
  void nullElements() {
    assertEquals("column 'af': null element at index 1", error(af, 6, 1));
    assertEquals("column 'ad': null element at index 2", error(ad, 7, 2));
  }

  @Test
  void notANumber() {
    assertEquals("column 'vec': NaN at index 1", error(vec, 3, 0));
    assertEquals("column 'af': NaN at index 1", error(af, 3, 1));
    assertEquals("column 'ad': NaN at index 1", error(ad, 3, 2));
    assertEquals("column 'afStrict': NaN at index 2", error(afStrict, 3, 3));
    assertEquals("column 'vec': NaN at index 2", error(vec, 7, 0));
  }

  @Test
  void infinity() {
    assertEquals("column 'vec': -Infinity at index 2", error(vec, 4, 0));
    assertEquals("column 'af': Infinity at index 0", error(af, 4, 1));
    assertEquals("column 'ad': Infinity at index 1", error(ad, 4, 2));
  }

  @Test
  void wrongLength() {
    assertEquals("column 'vec': 2 features, expected 3", error(vec, 5, 0));
    assertEquals("column 'af': 4 features, expected 3", error(af, 5, 1));
    assertEquals("column 'ad': 0 features, expected 3", error(ad, 5, 2));
    assertEquals("column 'afStrict': 1 features, expected 3", error(afStrict, 5, 3));
  }

  @Test
  void beyondTheFloatRange() {
    assertEquals("column 'vec': 1.0E39 at index 0 (beyond the float32 range)", error(vec, 6, 0));
    assertEquals("column 'ad': -1.0E39 at index 1 (beyond the float32 range)", error(ad, 6, 2));
  }

  @Test
  void readsTheOtherScalaSeqShapes() {
    // What Scala code (rather than a DataFrame) may put in a Row: primitive ArraySeqs, a List.
    Row row = RowFactory.create(
        scala.collection.immutable.ArraySeq.unsafeWrapArray(new float[] {1, -2.5f, 3}),
        scala.collection.immutable.ArraySeq.unsafeWrapArray(new double[] {1, -2.5, 3}),
        scala.jdk.javaapi.CollectionConverters.asScala(List.of(1.0, -2.5, 3.0)).toList(),
        scala.jdk.javaapi.CollectionConverters.asScala(Arrays.asList(1.0, null, 3.0)).toList());
    float[] dst = new float[3];
    for (int ordinal = 0; ordinal < 3; ordinal++) {
      FeatureColumn c = ordinal == 0 ? af : ad;
      c.read(row, ordinal, 3, dst, 0);
      assertArrayEquals(new float[] {1, -2.5f, 3}, dst);
    }
    assertEquals("column 'ad': null element at index 1",
        assertThrows(InvalidRowException.class, () -> ad.read(row, 3, 3, dst, 0)).getMessage());
    assertEquals("column 'af': 3 features, expected 2",
        assertThrows(InvalidRowException.class, () -> af.read(row, 0, 2, dst, 0)).getMessage());
  }
}
