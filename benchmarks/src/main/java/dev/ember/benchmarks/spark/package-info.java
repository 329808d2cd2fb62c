/**
 * Workload W4 of {@code ../shared/WORKLOADS.md}: W1's network trained through Ember's Spark ML
 * stage ({@code NeuralNetClassifier}) on a Fashion-MNIST DataFrame in {@code local[2]}, against
 * MLlib's {@code MultilayerPerceptronClassifier} on the same DataFrame, in the same JVM and run
 * ({@link dev.ember.benchmarks.spark.SparkWorkload}; {@code benchmarks/run-spark-workload.sh}
 * runs it and writes the table).
 */
package dev.ember.benchmarks.spark;
