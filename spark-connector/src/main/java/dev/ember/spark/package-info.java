/**
 * The bridge between Spark and the tensor engine (not built yet: issue 4).
 *
 * <p>This module will own the streaming encoder from DataFrame rows to packed tensor blocks, the
 * choice of device for each executor task, one training round over a partition, the associative
 * parameter-averaging aggregate, checkpoints on any Hadoop FileSystem, and progress reporting.
 */
package dev.ember.spark;
