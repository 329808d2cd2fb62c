/**
 * Tensors: n-dimensional arrays with PyTorch's semantics on any {@link dev.ember.tensor.Device}.
 *
 * <p>{@link dev.ember.tensor.Tensor} is the user-facing type; its operators are defined once, one
 * file per family ({@code Elementwise}, {@code Reduce}, {@code Movement}, {@code Indexing}, {@code
 * Linalg}, {@code Creation}, {@code RandomOps}), forward in terms of the backend primitives of
 * {@link dev.ember.backend.Backend} and backward in terms of tensor operators. {@link
 * dev.ember.tensor.Scope} gives tensors deterministic lifetimes; {@link dev.ember.tensor.Generator}
 * is the seedable, counter-based source of randomness.
 */
package dev.ember.tensor;
