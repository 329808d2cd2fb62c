/** Normalization layers: {@code BatchNorm1d}, {@code BatchNorm2d}, {@code LayerNorm}. */
package dev.ember.nn.norm;
