package dev.ember.transformers.params;

/**
 * The params of {@code NeuralNetRegressor} and {@code NeuralNetRegressionModel}: those of {@link
 * NeuralNetParams}, with mean squared error as the default loss.
 */
public interface NeuralNetRegressorParams extends NeuralNetParams {
  /** Declares the defaults of {@link NeuralNetParams} and the regression loss on {@code stage}. */
  static void setDefaults(NeuralNetRegressorParams stage) {
    NeuralNetParams.setDefaults(stage);
    stage.setDefault(stage.loss(), DEFAULT_REGRESSION_LOSS);
  }
}
