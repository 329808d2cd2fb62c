package dev.ember.spark;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaRDD;

/**
 * Rows encoded by {@link BlockEncoder}: a cached RDD of {@link Block}s (persisted
 * {@code MEMORY_AND_DISK}, already computed) and its counts. {@link #close()} unpersists it.
 *
 * <p>The training and validation parts of a split share one cached RDD, unpersisted when both are
 * closed. Each partition of {@link #blocks()} holds that partition's blocks in row order.
 */
public final class EncodedData implements AutoCloseable {
  /** The cached RDD behind one or two {@code EncodedData}, unpersisted by its last owner. */
  static final class Cache {
    private final JavaRDD<?> rdd;
    private final AtomicInteger owners;

    Cache(JavaRDD<?> rdd, int owners) {
      this.rdd = rdd;
      this.owners = new AtomicInteger(owners);
    }

    void release() {
      if (owners.decrementAndGet() == 0) {
        rdd.unpersist(false);
      }
    }
  }

  private final JavaRDD<Block> blocks;
  private final Cache cache;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final long rows;
  private final long skipped;
  private final long[] classCounts;
  private final int numPartitions;
  private final int featureSize;
  private final int labelSize;

  EncodedData(JavaRDD<Block> blocks, Cache cache, long rows, long skipped, long[] classCounts,
      int numPartitions, int featureSize, int labelSize) {
    this.blocks = blocks;
    this.cache = cache;
    this.rows = rows;
    this.skipped = skipped;
    this.classCounts = classCounts;
    this.numPartitions = numPartitions;
    this.featureSize = featureSize;
    this.labelSize = labelSize;
  }

  /** The blocks, {@link #numPartitions()} partitions of them (read them before {@link #close}). */
  public JavaRDD<Block> blocks() {
    return blocks;
  }

  /** Rows in the blocks. */
  public long rows() {
    return rows;
  }

  /**
   * Invalid rows dropped by {@code handleInvalid = "skip"} in the whole encode (for a split, the
   * same total on both parts); 0 with {@code "error"}.
   */
  public long skipped() {
    return skipped;
  }

  /**
   * Rows per class index {@code 0..K-1} in the blocks (a copy), for balanced sampling and class
   * weights.
   *
   * @throws IllegalStateException for regression data
   */
  public long[] classCounts() {
    if (classCounts == null) {
      throw new IllegalStateException("regression data has no class counts");
    }
    return classCounts.clone();
  }

  /** Partitions of {@link #blocks()} (the training workers). */
  public int numPartitions() {
    return numPartitions;
  }

  /** Floats per feature row. */
  public int featureSize() {
    return featureSize;
  }

  /** Floats per label row: 1 for a class index or a single target, else the targets. */
  public int labelSize() {
    return labelSize;
  }

  /** Unpersists the blocks (once both parts of a split are closed); idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      cache.release();
    }
  }

  @Override
  public String toString() {
    return "EncodedData(" + rows + " rows, " + numPartitions + " partitions, featureSize="
        + featureSize + ", labelSize=" + labelSize + (skipped > 0 ? ", skipped=" + skipped : "")
        + ")";
  }
}
