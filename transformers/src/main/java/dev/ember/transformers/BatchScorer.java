package dev.ember.transformers;

import dev.ember.spark.FeatureColumn;
import dev.ember.spark.InvalidRowException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model's {@code transform} on one partition: reads up to {@code batchSize} rows, runs the
 * network once on the batch, and emits each input row with the model's columns appended, in input
 * order. Rows whose features are invalid throw ({@code handleInvalid=error}) or are dropped and
 * counted in the executor's log ({@code skip}).
 */
final class BatchScorer implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(BatchScorer.class);

  private final Inference inference;
  private final FeatureColumn features;
  private final int ordinal;
  private final int batchSize;
  private final boolean skipInvalid;
  private final RowOutputs outputs;

  BatchScorer(Inference inference, FeatureColumn features, int ordinal, int batchSize,
      boolean skipInvalid, RowOutputs outputs) {
    this.inference = inference;
    this.features = features;
    this.ordinal = ordinal;
    this.batchSize = batchSize;
    this.skipInvalid = skipInvalid;
    this.outputs = outputs;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> input) {
    return new Iterator<>() {
      private final int n = inference.numFeatures();
      private final int k = inference.outputSize();
      private final float[] x = new float[Math.multiplyExact(batchSize, n)];
      private final Row[] rows = new Row[batchSize];
      private float[] out;
      private int size;
      private int next;
      private long skipped;

      @Override
      public boolean hasNext() {
        if (next < size) {
          return true;
        }
        fill();
        return size > 0;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Row in = rows[next];
        rows[next] = null;
        Object[] appended = outputs.values(out, next * k);
        next++;
        Object[] v = new Object[in.length() + appended.length];
        for (int i = 0; i < in.length(); i++) {
          v[i] = in.get(i);
        }
        System.arraycopy(appended, 0, v, in.length(), appended.length);
        return RowFactory.create(v);
      }

      private void fill() {
        size = 0;
        next = 0;
        while (size < batchSize && input.hasNext()) {
          Row r = input.next();
          try {
            features.read(r, ordinal, n, x, size * n);
          } catch (InvalidRowException e) {
            if (!skipInvalid) {
              throw e;
            }
            skipped++;
            continue;
          }
          rows[size++] = r;
        }
        if (size > 0) {
          out = inference.forward(x, size);
        } else if (skipped > 0) {
          TaskContext task = TaskContext.get();
          LOG.warn("handleInvalid=skip: dropped {} rows with invalid features in column {}{}",
              skipped, features.name(),
              task == null ? "" : " (partition " + task.partitionId() + ")");
          skipped = 0;
        }
      }
    };
  }
}
