package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.spark.PartitionEncoder.Piece;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The task side of the encoder on rows as the driver's select hands them over ({@code features,
 * label as double, [weight as double], [indicator]}), without Spark: packing, streaming, counts
 * and every bad-row message.
 */
class PartitionEncoderTest {
  private static final StructType SCHEMA = new StructType()
      .add("features", SQLDataTypes.VectorType())
      .add("y", SQLDataTypes.VectorType())
      .add("label", DataTypes.DoubleType);

  private static BlockEncoder.Builder classifier(int k) {
    return BlockEncoder.builder().task(BlockEncoder.Task.classification(k)).featureSize(3);
  }

  private static PartitionEncoder encoder(BlockEncoder config, String indicator) {
    FeatureColumn vectorLabels = config.task().labelSize() > 1
        ? FeatureColumn.of(SCHEMA, "y", "targets") : null;
    return new PartitionEncoder(config, FeatureColumn.of(SCHEMA, "features"), vectorLabels,
        indicator);
  }

  private static List<Piece> run(PartitionEncoder encoder, int partition, List<Row> rows) {
    List<Piece> out = new ArrayList<>();
    encoder.encode(partition, rows.iterator()).forEachRemaining(out::add);
    return out;
  }

  private static Row row(double i, double label, double weight) {
    return RowFactory.create(Vectors.dense(i, i + 0.5, -i), label, weight);
  }

  private static String error(BlockEncoder config, String indicator, int partition, Row... rows) {
    PartitionEncoder encoder = encoder(config, indicator);
    return assertThrows(InvalidRowException.class,
        () -> run(encoder, partition, List.of(rows))).getMessage();
  }

  @Test
  void packsRowsIntoBlocksOfAtMostRowsPerBlockThenCounts() {
    BlockEncoder config = classifier(3).weightCol("w").rowsPerBlock(4).build();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rows.add(row(i, i % 3, i * 0.25));
    }
    List<Piece> pieces = run(encoder(config, null), 0, rows);
    assertEquals(4, pieces.size());
    int[] sizes = {4, 4, 2};
    int r = 0;
    for (int b = 0; b < 3; b++) {
      Block block = pieces.get(b).block;
      assertFalse(pieces.get(b).validation);
      assertEquals(sizes[b], block.rows());
      assertEquals(3, block.featureSize());
      assertEquals(1, block.labelSize());
      for (int j = 0; j < block.rows(); j++, r++) {
        assertArrayEquals(new float[] {r, r + 0.5f, -(float) r},
            java.util.Arrays.copyOfRange(block.features(), 3 * j, 3 * j + 3));
        assertEquals(r % 3, block.labels()[j]);
        assertEquals(r * 0.25f, block.weights()[j]);
      }
    }
    PartitionEncoder.PartitionStats stats = pieces.get(3).stats;
    assertNull(pieces.get(3).block);
    assertEquals(10, stats.trainRows);
    assertEquals(0, stats.validationRows);
    assertEquals(0, stats.skipped);
    assertArrayEquals(new long[] {4, 3, 3}, stats.trainClassCounts);
  }

  @Test
  void readsThePartitionLazilyOneBlockAtATime() {
    BlockEncoder config = classifier(2).rowsPerBlock(4).build();
    int[] consumed = {0};
    Iterator<Row> rows = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return consumed[0] < 1_000_000;
      }

      @Override
      public Row next() {
        return row(consumed[0]++, 1, 1);
      }
    };
    Iterator<Piece> pieces = encoder(config, null).encode(0, rows);
    assertEquals(4, pieces.next().block.rows());
    assertEquals(4, consumed[0]);
    assertEquals(4, pieces.next().block.rows());
    assertEquals(8, consumed[0]);
  }

  @Test
  void growsABlockPastItsFirstCapacityAndTrimsTheLastOne() {
    BlockEncoder config = classifier(2).weightCol("w").rowsPerBlock(1000).build();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      rows.add(row(i, i % 2, 1));
    }
    List<Piece> pieces = run(encoder(config, null), 0, rows);
    Block b = pieces.get(0).block;
    assertEquals(150, b.rows());
    assertEquals(450, b.features().length);
    assertEquals(150, b.labels().length);
    assertEquals(150, b.weights().length);
    assertEquals(149f, b.features()[447]);
    assertEquals(2, pieces.size());
  }

  @Test
  void splitsByTheIndicatorIntoSeparateBlocksAndCounts() {
    BlockEncoder config = classifier(2).rowsPerBlock(2).build();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      rows.add(RowFactory.create(Vectors.dense(i, 0, 0), (double) (i % 2), i % 3 == 0));
    }
    List<Piece> pieces = run(encoder(config, "isVal"), 0, rows);
    List<Float> train = new ArrayList<>();
    List<Float> validation = new ArrayList<>();
    for (Piece p : pieces) {
      if (p.block != null) {
        assertTrue(p.block.rows() <= 2);
        for (int j = 0; j < p.block.rows(); j++) {
          (p.validation ? validation : train).add(p.block.features()[3 * j]);
        }
      }
    }
    assertEquals(List.of(1f, 2f, 4f, 5f), train);
    assertEquals(List.of(0f, 3f, 6f), validation);
    PartitionEncoder.PartitionStats stats = pieces.get(pieces.size() - 1).stats;
    assertEquals(4, stats.trainRows);
    assertEquals(3, stats.validationRows);
    assertArrayEquals(new long[] {2, 2}, stats.trainClassCounts);
    assertArrayEquals(new long[] {2, 1}, stats.validationClassCounts);
  }

  @Test
  void classificationLabelsMustBeClassIndices() {
    BlockEncoder config = classifier(10).build();
    Row good = row(1, 9, 1);
    assertEquals("column 'label': 10.0 is not a class index in 0..9 (row 3 of partition 0)",
        error(config, null, 0, good, good, good, row(1, 10, 1)));
    assertEquals("column 'label': 2.5 is not a class index in 0..9 (row 0 of partition 2)",
        error(config, null, 2, row(1, 2.5, 1)));
    assertEquals("column 'label': -1.0 is not a class index in 0..9 (row 0 of partition 0)",
        error(config, null, 0, row(1, -1, 1)));
    assertEquals("column 'label': NaN is not a class index in 0..9 (row 0 of partition 0)",
        error(config, null, 0, row(1, Double.NaN, 1)));
    assertEquals("column 'label': null label (row 1 of partition 0)",
        error(config, null, 0, good, RowFactory.create(Vectors.dense(1, 2, 3), null)));
  }

  @Test
  void badFeaturesNameTheColumnValueAndPlace() {
    BlockEncoder config = classifier(2).build();
    assertEquals("column 'features': null features (row 1 of partition 3)",
        error(config, null, 3, row(0, 0, 1), RowFactory.create(null, 1.0)));
    assertEquals("column 'features': NaN at index 1 (row 0 of partition 0)",
        error(config, null, 0, RowFactory.create(Vectors.dense(0, Double.NaN, 0), 1.0)));
    assertEquals("column 'features': 2 features, expected 3 (row 0 of partition 0)",
        error(config, null, 0, RowFactory.create(Vectors.dense(0, 1), 1.0)));
    assertEquals("column 'features': 4 features, expected 3 (row 0 of partition 1"
            + " after repartitioning to numWorkers = 4)",
        error(classifier(2).numWorkers(4).build(), null, 1,
            RowFactory.create(Vectors.sparse(4, new int[] {1}, new double[] {2}), 1.0)));
  }

  @Test
  void regressionLabelsMustBeFiniteFloatsOfTheRightLength() {
    BlockEncoder scalar = BlockEncoder.builder().labelCol("y")
        .task(BlockEncoder.Task.regression(1)).featureSize(3).build();
    assertEquals("column 'y': NaN is not a finite label (row 0 of partition 0)",
        error(scalar, null, 0, row(1, Double.NaN, 1)));
    assertEquals("column 'y': Infinity is not a finite label (row 0 of partition 0)",
        error(scalar, null, 0, row(1, Double.POSITIVE_INFINITY, 1)));
    assertEquals("column 'y': 1.0E39 is beyond the float32 range (row 0 of partition 0)",
        error(scalar, null, 0, row(1, 1e39, 1)));
    assertEquals("column 'y': null label (row 0 of partition 0)",
        error(scalar, null, 0, RowFactory.create(Vectors.dense(1, 2, 3), null)));

    BlockEncoder vector = scalar.toBuilder().task(BlockEncoder.Task.regression(2)).build();
    assertEquals("column 'y': 3 targets, expected 2 (row 0 of partition 0)",
        error(vector, null, 0, RowFactory.create(Vectors.dense(1, 2, 3), Vectors.dense(1, 2, 3))));
    assertEquals("column 'y': null targets (row 0 of partition 0)",
        error(vector, null, 0, RowFactory.create(Vectors.dense(1, 2, 3), null)));
    assertEquals("column 'y': NaN at index 1 (row 0 of partition 0)",
        error(vector, null, 0,
            RowFactory.create(Vectors.dense(1, 2, 3), Vectors.dense(0, Double.NaN))));

    List<Piece> pieces = run(encoder(vector, null), 0,
        List.of(RowFactory.create(Vectors.dense(1, 2, 3), Vectors.dense(-1.5, 2e3))));
    assertEquals(2, pieces.get(0).block.labelSize());
    assertArrayEquals(new float[] {-1.5f, 2000f}, pieces.get(0).block.labels());
    assertNull(pieces.get(1).stats.trainClassCounts);
  }

  @Test
  void weightsMustBeFiniteAndNonNegative() {
    BlockEncoder config = classifier(2).weightCol("w").build();
    assertEquals("column 'w': -0.5 is a negative weight (row 0 of partition 0)",
        error(config, null, 0, row(1, 1, -0.5)));
    assertEquals("column 'w': Infinity is not a finite weight (row 0 of partition 0)",
        error(config, null, 0, row(1, 1, Double.POSITIVE_INFINITY)));
    assertEquals("column 'w': null weight (row 0 of partition 0)",
        error(config, null, 0, RowFactory.create(Vectors.dense(1, 2, 3), 1.0, null)));
    assertEquals(0f,
        run(encoder(config, null), 0, List.of(row(1, 1, 0))).get(0).block.weights()[0]);
  }

  @Test
  void validationRowsAreValidatedAndTheIndicatorMustBeSet() {
    BlockEncoder config = classifier(2).build();
    assertEquals("column 'isVal': null validation indicator (row 1 of partition 0)",
        error(config, "isVal", 0, RowFactory.create(Vectors.dense(1, 2, 3), 1.0, false),
            RowFactory.create(Vectors.dense(1, 2, 3), 1.0, null)));
    assertEquals("column 'features': NaN at index 0 (row 0 of partition 0)",
        error(config, "isVal", 0,
            RowFactory.create(Vectors.dense(Double.NaN, 2, 3), 1.0, true)));
  }

  @Test
  void skipDropsAndCountsBadRowsAndKeepsTheFirstReason() {
    BlockEncoder config = classifier(3).weightCol("w").handleInvalid("skip").rowsPerBlock(2)
        .build();
    List<Row> rows = List.of(row(0, 0, 1), RowFactory.create(null, 1.0, 1.0), row(2, 2, 1),
        row(3, 7, 1), row(4, 1, -1), row(5, 1, 1));
    List<Piece> pieces = run(encoder(config, null), 1, rows);
    List<Float> kept = new ArrayList<>();
    for (Piece p : pieces) {
      if (p.block != null) {
        for (int j = 0; j < p.block.rows(); j++) {
          kept.add(p.block.features()[3 * j]);
          assertEquals(1f, p.block.weights()[j]);
        }
      }
    }
    assertEquals(List.of(0f, 2f, 5f), kept);
    PartitionEncoder.PartitionStats stats = pieces.get(pieces.size() - 1).stats;
    assertEquals(3, stats.skipped);
    assertEquals(3, stats.trainRows);
    assertArrayEquals(new long[] {1, 1, 1}, stats.trainClassCounts);
    assertEquals("column 'features': null features (row 1 of partition 1)", stats.firstSkipped);
  }

  @Test
  void anEmptyPartitionGivesOnlyItsCounts() {
    List<Piece> pieces = run(encoder(classifier(2).build(), null), 5, List.of());
    assertEquals(1, pieces.size());
    assertEquals(5, pieces.get(0).stats.partition);
    assertEquals(0, pieces.get(0).stats.trainRows);
  }
}
