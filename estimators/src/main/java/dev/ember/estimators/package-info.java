/**
 * Spark ML {@code Estimator}s for neural networks (not built yet: issue 4).
 *
 * <p>This module will own {@code NeuralNetClassifier} and {@code NeuralNetRegressor} with their
 * shared {@code *Params}; each {@code fit} drives the spark-connector training rounds and returns a
 * model from the transformers module.
 */
package dev.ember.estimators;
