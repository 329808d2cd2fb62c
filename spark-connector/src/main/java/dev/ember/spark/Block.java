package dev.ember.spark;

import java.io.Serializable;
import java.util.Objects;

/**
 * Rows of a partition packed for training: {@code rows} feature vectors of {@code featureSize}
 * floats, their labels and (optionally) their loss weights, each in one flat array.
 *
 * <table>
 *   <caption>Layout</caption>
 *   <tr><th>array</th><th>length</th><th>row {@code i}</th></tr>
 *   <tr><td>{@code features}</td><td>{@code rows * featureSize}</td>
 *       <td>{@code [i * featureSize, (i + 1) * featureSize)}</td></tr>
 *   <tr><td>{@code labels}</td><td>{@code rows * labelSize}</td>
 *       <td>{@code [i * labelSize, (i + 1) * labelSize)}; a class index {@code 0..K-1} is stored
 *       as a float (exact below 2^24) with {@code labelSize == 1}</td></tr>
 *   <tr><td>{@code weights}</td><td>{@code rows}, or null when the fit has no weight column</td>
 *       <td>{@code weights[i]}</td></tr>
 * </table>
 *
 * <p>Blocks are built once per fit by the encoder and cached for the epochs; the arrays are not
 * copied and must not be modified after construction.
 */
public final class Block implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int rows;
  private final int featureSize;
  private final int labelSize;
  private final float[] features;
  private final float[] labels;
  private final float[] weights;

  /**
   * Wraps the arrays (not copied).
   *
   * @throws IllegalArgumentException if a size is negative or an array's length does not match
   */
  public Block(int rows, int featureSize, int labelSize, float[] features, float[] labels,
      float[] weights) {
    if (rows < 0 || featureSize < 1 || labelSize < 1) {
      throw new IllegalArgumentException("block of " + rows + " rows, " + featureSize
          + " features, " + labelSize + " label values per row");
    }
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(labels, "labels");
    check("features", features.length, (long) rows * featureSize);
    check("labels", labels.length, (long) rows * labelSize);
    if (weights != null) {
      check("weights", weights.length, rows);
    }
    this.rows = rows;
    this.featureSize = featureSize;
    this.labelSize = labelSize;
    this.features = features;
    this.labels = labels;
    this.weights = weights;
  }

  private static void check(String what, int length, long expected) {
    if (length != expected) {
      throw new IllegalArgumentException(what + " array has " + length + " values, expected "
          + expected);
    }
  }

  /** Number of rows. */
  public int rows() {
    return rows;
  }

  /** Floats per feature row. */
  public int featureSize() {
    return featureSize;
  }

  /** Floats per label (1 for a class index or a scalar regression target). */
  public int labelSize() {
    return labelSize;
  }

  /** The features, row-major (not a copy). */
  public float[] features() {
    return features;
  }

  /** The labels, row-major (not a copy). */
  public float[] labels() {
    return labels;
  }

  /** The per-row loss weights (not a copy), or null when the fit has none. */
  public float[] weights() {
    return weights;
  }
}
