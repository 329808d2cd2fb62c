/**
 * Define-by-run automatic differentiation.
 *
 * <p>Operators record {@link dev.ember.autograd.Node}s with {@link dev.ember.autograd.Autograd#record};
 * the engine walks them in reverse topological order, summing gradients per node; saved tensors
 * are checked against their storage's version counter so an in-place write to a value backward
 * still needs fails loudly; nodes release what they saved after a backward pass unless the graph
 * is retained. {@link dev.ember.autograd.GradCheck} verifies any backward against central
 * differences in float64.
 */
package dev.ember.autograd;
