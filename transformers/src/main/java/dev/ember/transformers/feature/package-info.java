/**
 * Feature transformers that make tensor columns: {@code array<float>} columns holding one sample
 * per row in row-major order, with the sample's shape in the column metadata ({@link
 * dev.ember.transformers.feature.TensorColumns}).
 *
 * <ul>
 *   <li>{@link dev.ember.transformers.feature.ImageToTensor}: the struct column of Spark's {@code
 *       image} data source to normalized float (C, H, W) images in RGB order, with resizing and
 *       gray/RGB conversion, matching torchvision.</li>
 *   <li>{@link dev.ember.transformers.feature.ArrayToTensor}: numeric array or binary columns to
 *       a shaped, scaled, normalized tensor column.</li>
 *   <li>{@link dev.ember.transformers.feature.VectorToTensor}: Spark ML vector columns likewise.</li>
 * </ul>
 *
 * <p>All are Spark ML {@code Transformer}s: usable in a {@code Pipeline}, saved and loaded in
 * Spark ML's layout with a {@code formatVersion} in the metadata.
 */
package dev.ember.transformers.feature;
