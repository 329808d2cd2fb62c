package dev.ember.nn.layers;

import dev.ember.nn.F;
import dev.ember.nn.Init;
import dev.ember.nn.Module;
import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * A lookup table of {@code numEmbeddings} vectors, as {@code torch.nn.Embedding}; weights start
 * from N(0, 1), and the row at {@code paddingIdx} (if any) starts at zero and gets no gradient.
 *
 * <pre>
 * input (*) int64   output (*, embeddingDim)   weight (numEmbeddings, embeddingDim)
 * </pre>
 */
public class Embedding extends Module {
  private final int numEmbeddings;
  private final int embeddingDim;
  private final Integer paddingIdx;

  /** A table without padding index, initialized from the default generator. */
  public Embedding(int numEmbeddings, int embeddingDim) {
    this(numEmbeddings, embeddingDim, null, Generator.getDefault());
  }

  /**
   * A table initialized from {@code gen}; {@code paddingIdx} may be null or negative (from the
   * end).
   *
   * @throws IllegalArgumentException if {@code paddingIdx} is out of range
   */
  public Embedding(int numEmbeddings, int embeddingDim, Integer paddingIdx, Generator gen) {
    if (paddingIdx != null && (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings)) {
      throw new IllegalArgumentException(
          "paddingIdx " + paddingIdx + " must be within num_embeddings " + numEmbeddings);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = paddingIdx == null ? null
        : paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
    Tensor w = registerParameter("weight", Tensor.empty(numEmbeddings, embeddingDim));
    Init.normal_(w, 0, 1, gen);
    if (this.paddingIdx != null) {
      try (GradMode ng = Autograd.noGrad()) {
        w.select(0, this.paddingIdx).zero_();
      }
    }
  }

  /** The table, (numEmbeddings, embeddingDim). */
  public Tensor weight() {
    return parameter("weight");
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.embedding(input, weight(), paddingIdx);
  }

  @Override
  protected String extraRepr() {
    return numEmbeddings + ", " + embeddingDim + (paddingIdx != null ? ", padding_idx=" + paddingIdx : "");
  }
}
