/**
 * Image transforms with torchvision's semantics (torchvision 0.14, tensor path): {@link
 * dev.ember.data.transforms.ToTensor}, {@link dev.ember.data.transforms.Normalize}, random crops,
 * flips, rotations and erasing, composed with {@link dev.ember.data.transforms.Compose}.
 *
 * <p>Images are tensors of shape (C, H, W); the geometric transforms also accept a batch (N, C,
 * H, W) (one set of random parameters for the whole batch, as torchvision). The deterministic
 * operations behind them are in {@link dev.ember.data.transforms.Functional} (torchvision's {@code
 * transforms.functional}).
 *
 * <p>A random transform draws from the {@link dev.ember.tensor.Generator} passed to {@link
 * dev.ember.data.transforms.Transform#apply(Object, dev.ember.tensor.Generator)}; a {@link
 * dev.ember.data.DataLoader} passes one derived from (seed, epoch, sample index), so augmentations
 * are reproducible and independent of the number of workers.
 */
package dev.ember.data.transforms;
