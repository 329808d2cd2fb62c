/**
 * The Spark ML params of Ember's stages, each declared once (doc, validator, default) and shared
 * by the estimators and the models they fit.
 *
 * <p>Spark's {@code Has*} traits are private to Spark, and a Scala trait's {@code val} cannot be
 * written in Java, so the pattern here is Java's own:
 *
 * <ul>
 *   <li>{@link dev.ember.transformers.params.NeuralNetParams} (every stage),
 *       {@link dev.ember.transformers.params.NeuralNetClassifierParams} and
 *       {@link dev.ember.transformers.params.NeuralNetRegressorParams} are interfaces extending
 *       Spark's {@code Params}. Each param is one default method that returns the {@code Param}
 *       for the implementing stage, plus a default getter. Spark finds params by reflection over
 *       public no-argument methods returning a {@code Param} and compares them by owner uid and
 *       name, so a fresh {@code Param} object per call is the same param to Spark.</li>
 *   <li>Defaults are declared by the interfaces' static {@code setDefaults(stage)}, which each
 *       stage's constructor calls once; so {@code explainParams}, persistence ({@code
 *       defaultParamMap}) and {@code copy} see them like any Spark default.</li>
 *   <li>Validators throw an {@link java.lang.IllegalArgumentException} naming the stage, the
 *       param, what it demands and the value given ({@code NeuralNetClassifier_4f2a param
 *       batchSize must be at least 1; got 0}); Spark runs them on every {@code set}.</li>
 *   <li>Setters stay in the stage classes, so that they return the concrete type.</li>
 *   <li>{@link dev.ember.transformers.params.PendingUid} gives Spark's Scala base constructors the
 *       uid of a Java stage before the Java constructor body runs (see its doc).</li>
 * </ul>
 *
 * <p>Spark's base classes already declare {@code featuresCol}, {@code labelCol}, {@code
 * predictionCol}, {@code rawPredictionCol}, {@code probabilityCol} and {@code thresholds}; they
 * are not repeated here. {@code weightCol}, {@code seed} and {@code validationIndicatorCol} are
 * declared here with Spark's names and docs because Spark's predictor bases do not carry them.
 */
package dev.ember.transformers.params;
