/**
 * Convolution and pooling layers over {@link dev.ember.tensor.Conv}: {@code Conv1d}, {@code
 * Conv2d}, {@code ConvTranspose2d}, {@code MaxPool2d}, {@code AvgPool2d}, {@code
 * AdaptiveAvgPool2d}.
 */
package dev.ember.nn.conv;
