package dev.ember.spark;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;

/**
 * One task's side of {@link BlockEncoder}: streams a partition's selected rows ({@code features,
 * label, [weight], [validation indicator]}) into blocks, validating each row, and ends the
 * partition with its counts.
 */
final class PartitionEncoder implements Serializable {
  private static final long serialVersionUID = 1L;

  // Blocks start this small and double up to rowsPerBlock, so a tiny partition of large rows does
  // not allocate a full block.
  private static final int FIRST_CAPACITY = 64;

  /** An element of the encoded RDD: a training or validation block, or a partition's counts. */
  static final class Piece implements Serializable {
    private static final long serialVersionUID = 1L;

    final Block block;
    final boolean validation;
    final PartitionStats stats;

    private Piece(Block block, boolean validation, PartitionStats stats) {
      this.block = block;
      this.validation = validation;
      this.stats = stats;
    }
  }

  /** The counts of one partition (or, merged, of several). */
  static final class PartitionStats implements Serializable {
    private static final long serialVersionUID = 1L;

    final int partition;
    long trainRows;
    long validationRows;
    long skipped;
    /** Rows per class; null for regression. */
    final long[] trainClassCounts;
    final long[] validationClassCounts;
    /** The message of the first skipped row, null when none. */
    String firstSkipped;

    PartitionStats(int partition, int numClasses) {
      this.partition = partition;
      this.trainClassCounts = numClasses > 0 ? new long[numClasses] : null;
      this.validationClassCounts = numClasses > 0 ? new long[numClasses] : null;
    }

    private PartitionStats(PartitionStats s) {
      this.partition = s.partition;
      this.trainRows = s.trainRows;
      this.validationRows = s.validationRows;
      this.skipped = s.skipped;
      this.trainClassCounts = s.trainClassCounts == null ? null : s.trainClassCounts.clone();
      this.validationClassCounts =
          s.validationClassCounts == null ? null : s.validationClassCounts.clone();
      this.firstSkipped = s.firstSkipped;
    }

    PartitionStats copy() {
      return new PartitionStats(this);
    }

    /** Adds {@code s} (a later partition) into this one; returns this. */
    PartitionStats add(PartitionStats s) {
      trainRows += s.trainRows;
      validationRows += s.validationRows;
      skipped += s.skipped;
      if (trainClassCounts != null) {
        for (int k = 0; k < trainClassCounts.length; k++) {
          trainClassCounts[k] += s.trainClassCounts[k];
          validationClassCounts[k] += s.validationClassCounts[k];
        }
      }
      if (firstSkipped == null) {
        firstSkipped = s.firstSkipped;
      }
      return this;
    }
  }

  private final String labelCol;
  private final String weightCol;
  private final BlockEncoder.Task task;
  private final int featureSize;
  private final int labelSize;
  private final int rowsPerBlock;
  private final boolean skip;
  private final int numWorkers;
  private final FeatureColumn features;
  private final FeatureColumn vectorLabels;
  private final String indicatorCol;

  /**
   * @param vectorLabels the reader of a vector label column, null for a numeric one
   * @param indicatorCol the validation indicator's name for messages, null without a split
   */
  PartitionEncoder(BlockEncoder config, FeatureColumn features, FeatureColumn vectorLabels,
      String indicatorCol) {
    this.labelCol = config.labelCol();
    this.weightCol = config.weightCol();
    this.task = config.task();
    this.featureSize = config.featureSize();
    this.labelSize = task.labelSize();
    this.rowsPerBlock = config.rowsPerBlock();
    this.skip = config.handleInvalid().equals("skip");
    this.numWorkers = config.numWorkers();
    this.features = features;
    this.vectorLabels = vectorLabels;
    this.indicatorCol = indicatorCol;
  }

  /** The pieces of partition {@code partition}, computed lazily as {@code rows} is read. */
  Iterator<Piece> encode(Integer partition, Iterator<Row> rows) {
    return new Pieces(partition, rows);
  }

  private final class Pieces implements Iterator<Piece> {
    private final int partition;
    private final Iterator<Row> rows;
    private final Packer train = new Packer();
    private final Packer validation = new Packer();
    private final PartitionStats stats;
    private final ArrayDeque<Piece> ready = new ArrayDeque<>(3);
    private long index;
    private boolean finished;

    Pieces(int partition, Iterator<Row> rows) {
      this.partition = partition;
      this.rows = rows;
      this.stats = new PartitionStats(partition, task.isClassification() ? task.numClasses() : 0);
    }

    @Override
    public boolean hasNext() {
      while (ready.isEmpty() && !finished) {
        if (rows.hasNext()) {
          accept(rows.next(), index++);
        } else {
          emit(train, false);
          emit(validation, true);
          ready.add(new Piece(null, false, stats));
          finished = true;
        }
      }
      return !ready.isEmpty();
    }

    @Override
    public Piece next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return ready.poll();
    }

    private void emit(Packer p, boolean isValidation) {
      if (p.n > 0) {
        ready.add(new Piece(p.take(), isValidation, null));
      }
    }

    private void accept(Row row, long rowIndex) {
      try {
        boolean isValidation = indicatorCol != null && readIndicator(row);
        Packer p = isValidation ? validation : train;
        p.reserve();
        int label = read(row, p);
        p.n++;
        if (isValidation) {
          stats.validationRows++;
          if (label >= 0) {
            stats.validationClassCounts[label]++;
          }
        } else {
          stats.trainRows++;
          if (label >= 0) {
            stats.trainClassCounts[label]++;
          }
        }
        if (p.n == rowsPerBlock) {
          emit(p, isValidation);
        }
      } catch (InvalidRowException e) {
        String where = "row " + rowIndex + " of partition " + partition
            + (numWorkers > 0 ? " after repartitioning to numWorkers = " + numWorkers : "");
        InvalidRowException located =
            new InvalidRowException(e.column(), e.problem() + " (" + where + ")");
        if (!skip) {
          throw located;
        }
        stats.skipped++;
        if (stats.firstSkipped == null) {
          stats.firstSkipped = located.getMessage();
        }
      }
    }
  }

  private boolean readIndicator(Row row) {
    int ordinal = weightCol == null ? 2 : 3;
    if (row.isNullAt(ordinal)) {
      throw new InvalidRowException(indicatorCol, "null validation indicator");
    }
    return row.getBoolean(ordinal);
  }

  /**
   * Reads a row into slot {@code p.n} of {@code p} (not counted until the caller advances it).
   *
   * @return the class index, or -1 for regression
   */
  private int read(Row row, Packer p) {
    int n = p.n;
    features.read(row, 0, featureSize, p.features, n * featureSize);
    int classIndex = -1;
    if (vectorLabels != null) {
      vectorLabels.read(row, 1, labelSize, p.labels, n * labelSize);
    } else {
      if (row.isNullAt(1)) {
        throw new InvalidRowException(labelCol, "null label");
      }
      double y = row.getDouble(1);
      if (task.isClassification()) {
        int k = task.numClasses();
        if (!(y >= 0 && y <= k - 1 && y == Math.rint(y))) {
          throw new InvalidRowException(labelCol,
              y + " is not a class index in 0.." + (k - 1));
        }
        classIndex = (int) y;
      } else {
        checkFloat(labelCol, y, "label");
      }
      p.labels[n] = (float) y;
    }
    if (weightCol != null) {
      if (row.isNullAt(2)) {
        throw new InvalidRowException(weightCol, "null weight");
      }
      double w = row.getDouble(2);
      checkFloat(weightCol, w, "weight");
      if (w < 0) {
        throw new InvalidRowException(weightCol, w + " is a negative weight");
      }
      p.weights[n] = (float) w;
    }
    return classIndex;
  }

  private static void checkFloat(String column, double x, String what) {
    if (!Double.isFinite(x)) {
      throw new InvalidRowException(column, x + " is not a finite " + what);
    }
    if (!Float.isFinite((float) x)) {
      throw new InvalidRowException(column, x + " is beyond the float32 range");
    }
  }

  /** The block being filled: arrays of {@code capacity} rows, {@code n} of them written. */
  private final class Packer {
    float[] features;
    float[] labels;
    float[] weights;
    int n;
    int capacity;
    int nextCapacity = Math.min(FIRST_CAPACITY, rowsPerBlock);

    /** Makes room for one more row. */
    void reserve() {
      if (n < capacity) {
        return;
      }
      int c = capacity == 0 ? nextCapacity : Math.min(rowsPerBlock, capacity * 2);
      features = features == null ? new float[c * featureSize]
          : Arrays.copyOf(features, c * featureSize);
      labels = labels == null ? new float[c * labelSize] : Arrays.copyOf(labels, c * labelSize);
      if (weightCol != null) {
        weights = weights == null ? new float[c] : Arrays.copyOf(weights, c);
      }
      capacity = c;
    }

    /** The rows written as a block; the packer starts over (with full-size arrays next time). */
    Block take() {
      boolean exact = n == capacity;
      Block b = new Block(n, featureSize, labelSize,
          exact ? features : Arrays.copyOf(features, n * featureSize),
          exact ? labels : Arrays.copyOf(labels, n * labelSize),
          weights == null ? null : exact ? weights : Arrays.copyOf(weights, n));
      features = null;
      labels = null;
      weights = null;
      nextCapacity = n == rowsPerBlock ? rowsPerBlock : nextCapacity;
      n = 0;
      capacity = 0;
      return b;
    }
  }
}
