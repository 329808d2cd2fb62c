/**
 * Small, real data sets for tests, examples and benchmarks.
 *
 * <p>{@link dev.ember.testdata.FashionMnist}: a 7,000-example subset of Fashion-MNIST bundled as
 * resources (gzipped IDX, with the script that cut it and its class counts in {@code
 * dev/ember/testdata/fashion-mnist/README.md}), and a loader for the full data set from a path.
 */
package dev.ember.testdata;
