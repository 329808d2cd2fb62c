package dev.ember.spark;

import java.io.Serializable;

/**
 * What one epoch of a distributed fit measured.
 *
 * @param epoch the epoch, counting from 1
 * @param trainLoss the weighted mean training loss over the rows of the epoch (as the replicas
 *     saw them, before averaging)
 * @param validationLoss the weighted mean loss of the averaged model on the validation data, or
 *     NaN without validation data
 * @param validationMetric accuracy (classification) or RMSE (regression) of the averaged model on
 *     the validation data, or NaN without validation data
 * @param samplesPerSecond training rows per second of wall time over the epoch's rounds
 * @param syncMillis milliseconds the driver spent in the epoch's aggregations and broadcasts
 */
public record EpochRecord(int epoch, double trainLoss, double validationLoss,
    double validationMetric, double samplesPerSecond, long syncMillis) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Whether the epoch was validated. */
  public boolean hasValidation() {
    return !Double.isNaN(validationLoss);
  }
}
