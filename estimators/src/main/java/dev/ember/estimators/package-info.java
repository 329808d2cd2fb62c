/**
 * The Spark ML estimators: {@link dev.ember.estimators.NeuralNetClassifier} (a {@code
 * ProbabilisticClassifier}) and {@link dev.ember.estimators.NeuralNetRegressor} (a {@code
 * Predictor}). Each {@code fit} checks the network against the data, encodes the rows once into
 * packed blocks, trains on the executors with parameter averaging (module spark-connector) and
 * returns a model from module transformers; the params are declared once in {@code
 * dev.ember.transformers.params}.
 */
package dev.ember.estimators;
