package dev.ember.transformers.params;

import java.util.List;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.Param;

/**
 * The params of {@code NeuralNetClassifier} and {@code NeuralNetClassificationModel}: those of
 * {@link NeuralNetParams} plus the class weights and sampling, with cross-entropy as the default
 * loss. See {@link NeuralNetParams} for how params are declared.
 */
public interface NeuralNetClassifierParams extends NeuralNetParams {
  /** Values of {@link #sampling()}; the first is the default. */
  List<String> SAMPLINGS = List.of("uniform", "balanced");

  /**
   * Per-class loss weights, {@code classWeights[k]} for class {@code k} (PyTorch's {@code
   * CrossEntropyLoss(weight=...)}); non-negative, at least one positive, as many as classes
   * (checked at fit). Default empty: every class weighs 1.
   */
  default DoubleArrayParam classWeights() {
    return new DoubleArrayParam(this, "classWeights", "per-class loss weights, one per class"
        + " (>= 0, at least one > 0); empty: all 1",
        Check.of(uid(), "classWeights", Check.weights()));
  }

  /** The {@link #classWeights()} value. */
  default double[] getClassWeights() {
    return $(classWeights());
  }

  /**
   * How training rows are drawn: {@code uniform} (the default: every row once per epoch, in a
   * seeded random order) or {@code balanced} (rows drawn with replacement, weighted by the inverse
   * of their class's global count, so every class is drawn equally often).
   */
  default Param<String> sampling() {
    return new Param<>(this, "sampling", "how training rows are drawn: uniform (each row once per"
        + " epoch) or balanced (weighted by inverse global class counts)",
        Check.of(uid(), "sampling", Check.oneOf(SAMPLINGS)));
  }

  /** The {@link #sampling()} value. */
  default String getSampling() {
    return $(sampling());
  }

  /** Declares the defaults of {@link NeuralNetParams} and of the params above on {@code stage}. */
  static void setDefaults(NeuralNetClassifierParams stage) {
    NeuralNetParams.setDefaults(stage);
    stage.setDefault(stage.loss(), DEFAULT_CLASSIFICATION_LOSS);
    stage.setDefault(stage.classWeights(), new double[0]);
    stage.setDefault(stage.sampling(), SAMPLINGS.get(0));
  }
}
