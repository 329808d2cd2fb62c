package dev.ember.backend.cpu;

import dev.ember.backend.Backend;
import dev.ember.backend.Storage;
import dev.ember.tensor.DType;

/**
 * CPU memory: one Java array per storage ({@code float[]}, {@code double[]}, {@code long[]},
 * {@code int[]}, or {@code byte[]} holding 0/1 for bool), which the JIT can vectorize loops over.
 */
public final class CpuStorage extends Storage {
  private final Object array;

  CpuStorage(Backend backend, DType dtype, Object array, int size) {
    super(backend, dtype, size);
    this.array = array;
  }

  static Object newArray(DType dtype, int size) {
    return switch (dtype) {
      case FLOAT32 -> new float[size];
      case FLOAT64 -> new double[size];
      case INT64 -> new long[size];
      case INT32 -> new int[size];
      case BOOL -> new byte[size];
    };
  }

  /** The backing array (type by dtype, see the class comment). */
  public Object array() {
    return array;
  }

  /** The backing array of a float32 storage. */
  public float[] floats() {
    return (float[]) array;
  }

  /** The backing array of a float64 storage. */
  public double[] doubles() {
    return (double[]) array;
  }

  /** The backing array of an int64 storage. */
  public long[] longs() {
    return (long[]) array;
  }

  /** The backing array of an int32 storage. */
  public int[] ints() {
    return (int[]) array;
  }

  /** The backing array of a bool storage (0 or 1 per element). */
  public byte[] bools() {
    return (byte[]) array;
  }
}
