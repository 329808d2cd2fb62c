/**
 * Activation layers, each a module around a function of {@link dev.ember.nn.F}: {@code ReLU},
 * {@code LeakyReLU}, {@code ELU}, {@code GELU}, {@code SiLU}, {@code Sigmoid}, {@code Tanh},
 * {@code Softmax}, {@code LogSoftmax}, {@code Softplus}.
 */
package dev.ember.nn.activation;
