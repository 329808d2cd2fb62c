package dev.ember.data.transforms;

/** How geometric transforms read between pixels (torchvision's {@code InterpolationMode}). */
public enum Interpolation {
  /** The nearest pixel. */
  NEAREST,
  /** Linear in x and y from the four nearest pixels. */
  BILINEAR
}
