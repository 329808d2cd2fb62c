/**
 * Loss functions as objects, as PyTorch's loss modules: {@code MSELoss}, {@code L1Loss}, {@code
 * SmoothL1Loss}, {@code HuberLoss}, {@code CrossEntropyLoss}, {@code NLLLoss}, {@code BCELoss},
 * {@code BCEWithLogitsLoss}. Each is configured with fluent setters and computes with the
 * matching function of {@link dev.ember.nn.F}. A custom loss is any function of tensors; autograd
 * differentiates it.
 */
package dev.ember.nn.loss;
