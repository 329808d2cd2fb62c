/**
 * Fitted neural-network models as Spark ML {@code Transformer}s: {@link
 * dev.ember.transformers.NeuralNetClassificationModel} (a {@code ProbabilisticClassificationModel})
 * and {@link dev.ember.transformers.NeuralNetRegressionModel} (a {@code RegressionModel}).
 *
 * <p>Each holds a {@link dev.ember.spec.Network} spec and its weights in safetensors form, checked
 * against each other at construction. {@code transform} runs on the executors: the weights travel
 * in one broadcast, each partition is read in batches of {@code batchSize} rows (features as a
 * Vector, {@code array<float>} or {@code array<double>}, through {@link
 * dev.ember.spark.FeatureColumn}), and each batch is one forward pass in evaluation mode without
 * autograd. Built networks are pooled per JVM by content hash, lent to one thread at a time, so a
 * network is built once per concurrent task, never per row or batch; {@code predict} and the SQL
 * function from {@code udf()} use the same pool.
 *
 * <p>Persistence follows Spark ML's layout ({@code metadata/} with Spark's params JSON plus
 * Ember's {@code formatVersion}, {@code network.json}, {@code weights.safetensors}) through the
 * Hadoop FileSystem of the path, written to a temporary directory and renamed, so {@code
 * Pipeline} and {@code PipelineModel} save and load these models like Spark's own. Saved models of
 * each format version are kept under the test resources and must keep loading.
 *
 * <p>The params the models share with the estimators are declared in {@link
 * dev.ember.transformers.params}.
 */
package dev.ember.transformers;
