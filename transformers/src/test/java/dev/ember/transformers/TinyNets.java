package dev.ember.transformers;

import dev.ember.io.SafeTensors;
import dev.ember.spec.Network;
import dev.ember.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Small networks with fixed weights, and their outputs computed here in double precision straight
 * from the weights (not through Ember), so model tests compare against an independent reference.
 */
final class TinyNets {
  private TinyNets() {}

  /** Classifier: Linear(4, 5) -> ReLU -> Linear(5, 3). */
  static final Network CLASSIFIER = Network.sequential().linear(4, 5).relu().linear(5, 3);
  static final float[][] W1 = {
      {0.5f, -0.25f, 0.125f, 1.0f},
      {-1.0f, 0.75f, 0.5f, -0.5f},
      {0.25f, 0.25f, -0.75f, 0.5f},
      {1.5f, -0.5f, 0.0f, 0.25f},
      {-0.125f, 1.0f, 0.375f, -1.25f}};
  static final float[] B1 = {0.1f, -0.2f, 0.05f, 0.0f, 0.3f};
  static final float[][] W2 = {
      {1.0f, -0.5f, 0.25f, 0.75f, -1.0f},
      {-0.25f, 1.25f, -0.5f, 0.5f, 0.5f},
      {0.5f, 0.25f, 1.0f, -1.0f, 0.25f}};
  static final float[] B2 = {0.05f, -0.1f, 0.2f};

  /** Regressor with one output: Linear(4, 1). */
  static final Network REGRESSOR = Network.sequential().linear(4, 1);
  static final float[][] WR = {{0.5f, -1.0f, 0.25f, 2.0f}};
  static final float[] BR = {-0.5f};

  /** Regressor with two outputs: Linear(4, 2). */
  static final Network REGRESSOR2 = Network.sequential().linear(4, 2);
  static final float[][] WR2 = {{0.5f, -1.0f, 0.25f, 2.0f}, {-0.75f, 0.5f, 1.5f, 0.0f}};
  static final float[] BR2 = {-0.5f, 0.25f};

  /** Classifier over (2, 2) inputs: Flatten -> Linear(4, 3) with W2's first four columns. */
  static final Network SHAPED = Network.sequential().flatten().linear(4, 3);

  static byte[] classifierWeights() {
    Map<String, Tensor> w = new LinkedHashMap<>();
    w.put("0.weight", Tensor.of(W1));
    w.put("0.bias", Tensor.of(B1));
    w.put("2.weight", Tensor.of(W2));
    w.put("2.bias", Tensor.of(B2));
    return SafeTensors.toBytes(w, Map.of());
  }

  static byte[] linearWeights(float[][] w, float[] b) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("0.weight", Tensor.of(w));
    m.put("0.bias", Tensor.of(b));
    return SafeTensors.toBytes(m, Map.of());
  }

  static byte[] shapedWeights() {
    float[][] w = new float[3][4];
    for (int i = 0; i < 3; i++) {
      System.arraycopy(W2[i], 0, w[i], 0, 4);
    }
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("1.weight", Tensor.of(w));
    m.put("1.bias", Tensor.of(B2));
    return SafeTensors.toBytes(m, Map.of());
  }

  static double[] linear(float[][] w, float[] b, double[] x, int cols) {
    double[] y = new double[w.length];
    for (int i = 0; i < w.length; i++) {
      double s = b[i];
      for (int j = 0; j < cols; j++) {
        s += (double) w[i][j] * x[j];
      }
      y[i] = s;
    }
    return y;
  }

  /** The classifier's logits for {@code x}. */
  static double[] classifierLogits(double[] x) {
    double[] h = linear(W1, B1, x, 4);
    for (int i = 0; i < h.length; i++) {
      h[i] = Math.max(0, h[i]);
    }
    return linear(W2, B2, h, 5);
  }

  /** The shaped classifier's logits for a (2, 2) input given row-major. */
  static double[] shapedLogits(double[] x) {
    return linear(W2, B2, x, 4);
  }

  static double[] softmax(double[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      max = Math.max(max, v);
    }
    double[] p = new double[z.length];
    double sum = 0;
    for (int i = 0; i < z.length; i++) {
      p[i] = Math.exp(z[i] - max);
      sum += p[i];
    }
    for (int i = 0; i < z.length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  /** Deterministic feature rows spread over positive and negative values. */
  static double[][] features(int rows) {
    double[][] x = new double[rows][4];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < 4; j++) {
        x[r][j] = ((r * 7 + j * 13) % 17 - 8) / 4.0;
      }
    }
    return x;
  }

  static NeuralNetClassificationModel classifier(String uid) {
    return new NeuralNetClassificationModel(uid, CLASSIFIER, classifierWeights(), 3, new int[0]);
  }
}
