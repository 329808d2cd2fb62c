/**
 * Recurrent layers in the shape of PyTorch's: {@link dev.ember.nn.recurrent.RNN} (Elman, tanh or
 * relu), {@link dev.ember.nn.recurrent.LSTM} and {@link dev.ember.nn.recurrent.GRU}, stacked and
 * optionally bidirectional, with PyTorch's parameter names, shapes, gate orders and state-dict
 * keys ({@code weight_ih_l0}, {@code bias_hh_l1_reverse}, ...), so weights trained in PyTorch load
 * with {@link dev.ember.nn.Module#loadStateDict}; and the single-step cells {@link
 * dev.ember.nn.recurrent.RNNCell}, {@link dev.ember.nn.recurrent.LSTMCell} and {@link
 * dev.ember.nn.recurrent.GRUCell}.
 *
 * <p>Each layer-direction runs as one fused operator of {@link dev.ember.tensor.Recurrent}: the
 * input projection of all time steps is one matrix product, each step one product with the
 * recurrent weights and one fused cell pass, and the backward is the same in reverse.
 */
package dev.ember.nn.recurrent;
