/**
 * Neural-network building blocks in the shape of PyTorch's {@code torch.nn}: {@link
 * dev.ember.nn.Module} (parameters, buffers, children, train/eval, state dicts), containers
 * ({@link dev.ember.nn.Sequential}, {@link dev.ember.nn.ModuleList}), the functional namespace
 * {@link dev.ember.nn.F} that every layer calls, and {@link dev.ember.nn.Init}. Layers live in
 * family packages ({@code layers}, {@code activation}, {@code conv}, {@code norm}, {@code
 * recurrent}) and losses in {@code loss}.
 *
 * <p>State-dict keys use PyTorch's names ({@code 0.weight}, {@code running_mean}, {@code
 * weight_ih_l0}) so that weights saved by Ember open in PyTorch and the other way round.
 */
package dev.ember.nn;
