/**
 * Runnable Ember jobs: the main job ({@link dev.ember.examples.FashionMnistJob}, {@code java -jar
 * examples/target/ember-examples.jar} on an embedded local Spark) and the {@code spark-submit} job
 * ({@link dev.ember.examples.TrainJob}), and the data helpers they share.
 */
package dev.ember.examples;
