/**
 * Small, real data sets for tests and the main job (not built yet: issue 3).
 *
 * <p>This module will own a subset of Fashion-MNIST (IDX, gzipped) bundled as resources and its
 * loader; the full data set is read from a path.
 */
package dev.ember.testdata;
