/**
 * Runnable Ember jobs (not built yet: issue 4).
 *
 * <p>This module will own the main job (Fashion-MNIST trained through the Spark ML stage, runnable
 * with {@code spark-submit} or with {@code java -jar} on an embedded local Spark), the other example
 * jobs and the notebook sources.
 */
package dev.ember.examples;
