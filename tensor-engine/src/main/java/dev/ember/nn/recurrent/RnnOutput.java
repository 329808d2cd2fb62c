package dev.ember.nn.recurrent;

import dev.ember.tensor.Tensor;

/**
 * What a recurrent layer returns, as PyTorch's {@code output, h_n} (and {@code c_n} for an LSTM).
 *
 * <pre>
 * output  (L, N, D * H), or (N, L, D * H) with batchFirst, or (L, D * H) for unbatched input
 * hN      (D * numLayers, N, H), or (D * numLayers, H) for unbatched input (never batch first)
 * cN      as hN for an LSTM; null for RNN and GRU
 * </pre>
 *
 * <p>D is 2 for a bidirectional layer, else 1. {@code output} holds the last layer's hidden state
 * at every step (both directions side by side); {@code hN} and {@code cN} the final states of
 * every layer and direction, ordered layer by layer, forward before reverse.
 *
 * @param output the last layer's hidden states at every step
 * @param hN the final hidden state of each layer and direction
 * @param cN the final cell state of each layer and direction (LSTM), or null
 */
public record RnnOutput(Tensor output, Tensor hN, Tensor cN) {}
