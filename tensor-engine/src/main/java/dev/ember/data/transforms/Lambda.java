package dev.ember.data.transforms;

import dev.ember.tensor.Generator;
import java.util.function.Function;

/**
 * A user function as a transform (torchvision's {@code Lambda}); it draws nothing from the
 * generator.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
public final class Lambda<I, O> implements Transform<I, O> {
  private final Function<? super I, ? extends O> f;

  /** A transform that applies {@code f}. */
  public Lambda(Function<? super I, ? extends O> f) {
    if (f == null) {
      throw new IllegalArgumentException("Lambda: the function is null");
    }
    this.f = f;
  }

  @Override
  public O apply(I input, Generator gen) {
    return f.apply(input);
  }
}
