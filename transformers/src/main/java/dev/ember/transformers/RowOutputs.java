package dev.ember.transformers;

import java.io.Serializable;
import org.apache.spark.ml.linalg.DenseVector;

/**
 * Turns a network's outputs for one row into the values of the columns a model appends, and holds
 * the arithmetic the models and their UDFs share, so that {@code transform}, {@code predict} and
 * the SQL function agree to the bit.
 */
interface RowOutputs extends Serializable {
  /** How many columns {@link #values} returns. */
  int count();

  /** The appended columns' values for the row whose outputs are {@code out[offset .. offset + n)}. */
  Object[] values(float[] out, int offset);

  // ---------------------------------------------------------------------------------------------
  // Shared arithmetic

  /** Network outputs widened to doubles. */
  static double[] raw(float[] out, int offset, int n) {
    double[] raw = new double[n];
    for (int i = 0; i < n; i++) {
      raw[i] = out[offset + i];
    }
    return raw;
  }

  /** Softmax, in place, in double precision and shifted by the maximum so it cannot overflow. */
  static double[] softmaxInPlace(double[] v) {
    double max = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      max = Math.max(max, x);
    }
    double sum = 0;
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.exp(v[i] - max);
      sum += v[i];
    }
    for (int i = 0; i < v.length; i++) {
      v[i] /= sum;
    }
    return v;
  }

  /** The first index of the largest value, as Spark's {@code Vector.argmax}. */
  static int argmax(double[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  /**
   * Spark's {@code ProbabilisticClassificationModel} prediction: without thresholds the argmax of
   * the raw prediction; with them the argmax of {@code probability[k] / thresholds[k]} (a class
   * whose threshold is 0 wins unless its probability is 0 too).
   */
  static double predict(double[] raw, double[] probability, double[] thresholds) {
    if (thresholds == null) {
      return argmax(raw);
    }
    int best = 0;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < probability.length; i++) {
      double scaled = probability[i] / thresholds[i];
      if (scaled > max) {
        max = scaled;
        best = i;
      }
    }
    return best;
  }

  /** Classification: rawPrediction, probability and prediction, each only if its column is on. */
  static RowOutputs classification(int numClasses, boolean raw, boolean probability,
      boolean prediction, double[] thresholds) {
    int count = (raw ? 1 : 0) + (probability ? 1 : 0) + (prediction ? 1 : 0);
    double[] t = thresholds == null ? null : thresholds.clone();
    return new RowOutputs() {
      private static final long serialVersionUID = 1L;

      @Override
      public int count() {
        return count;
      }

      @Override
      public Object[] values(float[] out, int offset) {
        Object[] v = new Object[count];
        int c = 0;
        double[] logits = RowOutputs.raw(out, offset, numClasses);
        double[] p = probability || (prediction && t != null)
            ? softmaxInPlace(logits.clone()) : null;
        if (raw) {
          v[c++] = new DenseVector(logits);
        }
        if (probability) {
          v[c++] = new DenseVector(p);
        }
        if (prediction) {
          v[c++] = predict(logits, p, t);
        }
        return v;
      }
    };
  }

  /** Regression: the prediction, a double for one output, a vector for several. */
  static RowOutputs regression(int numOutputs) {
    return new RowOutputs() {
      private static final long serialVersionUID = 1L;

      @Override
      public int count() {
        return 1;
      }

      @Override
      public Object[] values(float[] out, int offset) {
        return new Object[] {numOutputs == 1 ? (Object) (double) out[offset]
            : new DenseVector(RowOutputs.raw(out, offset, numOutputs))};
      }
    };
  }
}
