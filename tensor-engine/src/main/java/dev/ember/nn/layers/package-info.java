/** Core layers: {@code Linear}, {@code Identity}, {@code Flatten}, {@code Dropout}, {@code Embedding}. */
package dev.ember.nn.layers;
