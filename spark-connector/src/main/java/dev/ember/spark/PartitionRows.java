package dev.ember.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * The rows of one partition's blocks, addressed 0..rows-1 in block order, with the copying of
 * selected rows into a mini-batch and the checks of each row's label and weight.
 */
final class PartitionRows {
  private final List<Block> blocks = new ArrayList<>();
  private final int[] starts;
  private final int rows;
  private final int featureSize;
  private final int labelSize;
  private final int partition;

  /**
   * Collects {@code it}'s blocks.
   *
   * @throws IllegalArgumentException if blocks disagree on the feature or label size (naming the
   *     partition and both sizes)
   */
  PartitionRows(Iterator<Block> it, int partition) {
    this.partition = partition;
    int fs = -1;
    int ls = -1;
    long total = 0;
    while (it.hasNext()) {
      Block b = it.next();
      if (b.rows() == 0) {
        continue;
      }
      if (fs < 0) {
        fs = b.featureSize();
        ls = b.labelSize();
      } else if (b.featureSize() != fs || b.labelSize() != ls) {
        throw new IllegalArgumentException("partition " + partition + " holds blocks of "
            + fs + " features / " + ls + " label values and of " + b.featureSize() + " / "
            + b.labelSize());
      }
      blocks.add(b);
      total += b.rows();
    }
    if (total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("partition " + partition + " holds " + total
          + " rows; at most " + Integer.MAX_VALUE + " fit in one task");
    }
    this.rows = (int) total;
    this.featureSize = fs;
    this.labelSize = ls;
    this.starts = new int[blocks.size() + 1];
    for (int i = 0; i < blocks.size(); i++) {
      starts[i + 1] = starts[i] + blocks.get(i).rows();
    }
  }

  int rows() {
    return rows;
  }

  /** Floats per feature row, or -1 when the partition is empty. */
  int featureSize() {
    return featureSize;
  }

  /** Floats per label, or -1 when the partition is empty. */
  int labelSize() {
    return labelSize;
  }

  private int block(int row) {
    int i = Arrays.binarySearch(starts, row);
    return i >= 0 ? i : -i - 2;
  }

  /** Copies the features of {@code rowIds} into {@code out} (row-major). */
  void features(int[] rowIds, int from, int count, float[] out) {
    for (int i = 0; i < count; i++) {
      int r = rowIds[from + i];
      int b = block(r);
      System.arraycopy(blocks.get(b).features(), (r - starts[b]) * featureSize, out,
          i * featureSize, featureSize);
    }
  }

  /** Copies the labels of {@code rowIds} into {@code out} (row-major). */
  void labels(int[] rowIds, int from, int count, float[] out) {
    for (int i = 0; i < count; i++) {
      int r = rowIds[from + i];
      int b = block(r);
      System.arraycopy(blocks.get(b).labels(), (r - starts[b]) * labelSize, out, i * labelSize,
          labelSize);
    }
  }

  /** The label of row {@code r} as a class index. */
  float label(int r) {
    int b = block(r);
    return blocks.get(b).labels()[(r - starts[b]) * labelSize];
  }

  /**
   * The class indices of {@code rowIds}.
   *
   * @throws IllegalArgumentException naming the partition, row and value if a label is not an
   *     integer in {@code [0, numClasses)}
   */
  long[] classes(int[] rowIds, int from, int count, int numClasses) {
    long[] out = new long[count];
    for (int i = 0; i < count; i++) {
      out[i] = checkClass(rowIds[from + i], numClasses);
    }
    return out;
  }

  /** The class index of row {@code r}, checked as {@link #classes}. */
  int checkClass(int r, int numClasses) {
    if (labelSize != 1) {
      throw new IllegalArgumentException("classification labels are one value per row, but"
          + " partition " + partition + " has " + labelSize);
    }
    float y = label(r);
    if (!(y >= 0 && y < numClasses && y == Math.rint(y))) {
      throw new IllegalArgumentException("label " + y + " of row " + r + " of partition "
          + partition + " is not a class index in 0.." + (numClasses - 1));
    }
    return (int) y;
  }

  /**
   * The loss weights of {@code rowIds} (1 where the blocks have none).
   *
   * @throws IllegalArgumentException naming the partition, row and value of a weight that is
   *     negative or not finite
   */
  float[] weights(int[] rowIds, int from, int count) {
    float[] out = new float[count];
    for (int i = 0; i < count; i++) {
      int r = rowIds[from + i];
      int b = block(r);
      float[] w = blocks.get(b).weights();
      float v = w == null ? 1f : w[r - starts[b]];
      if (!(v >= 0) || Float.isInfinite(v)) {
        throw new IllegalArgumentException("weight " + v + " of row " + r + " of partition "
            + partition + " is not a finite value >= 0");
      }
      out[i] = v;
    }
    return out;
  }
}
