/**
 * The bridge between Spark and the tensor engine: rows packed into {@link dev.ember.spark.Block}s,
 * and {@link dev.ember.spark.DistributedTrainer}, which trains a network on them with synchronous
 * parameter averaging.
 *
 * <p>A fit is configured by a {@link dev.ember.spark.TrainConfig}. Each round the driver
 * broadcasts the state, every partition trains its replica on its rows, and one {@code
 * treeAggregate} of {@link dev.ember.spark.RoundResult}s (an exact, associative merge) gives the
 * sample-weighted mean state. A fit validates, stops early, checkpoints to any Hadoop FileSystem
 * and resumes, and reports its history as a {@link dev.ember.spark.TrainingSummary} in the {@link
 * dev.ember.spark.TrainResult}.
 */
package dev.ember.spark;
