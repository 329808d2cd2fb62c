/**
 * Fitted neural-network models as Spark ML {@code Transformer}s (not built yet: issue 4).
 *
 * <p>This module will own {@code NeuralNetClassificationModel} and {@code NeuralNetRegressionModel}
 * (batched {@code transform} on the executor's device, {@code predict}, SQL UDFs), the feature
 * transformers that make tensor columns, and Spark ML persistence (params metadata, network spec and
 * safetensors weights).
 */
package dev.ember.transformers;
