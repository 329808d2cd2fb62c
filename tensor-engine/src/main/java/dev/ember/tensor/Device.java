package dev.ember.tensor;

import dev.ember.backend.Backends;
import java.util.Objects;

/**
 * Where a tensor's storage lives: {@code cpu}, {@code cuda:N} or {@code opencl:N}.
 *
 * <p>A device is a name; whether a backend can serve it is decided by {@link Backends#get}.
 */
public final class Device {
  /** The CPU (the reference backend). */
  public static final Device CPU = new Device("cpu", 0);

  private final String type;
  private final int index;

  private Device(String type, int index) {
    this.type = type;
    this.index = index;
  }

  /**
   * A device of the given type and index.
   *
   * @throws IllegalArgumentException if the type is not cpu, cuda or opencl, or the index is
   *     negative
   */
  public static Device of(String type, int index) {
    if (!type.equals("cpu") && !type.equals("cuda") && !type.equals("opencl")) {
      throw new IllegalArgumentException(
          "unknown device type '" + type + "'; expected cpu, cuda or opencl");
    }
    if (index < 0) {
      throw new IllegalArgumentException("device index must be >= 0, got " + index);
    }
    if (type.equals("cpu")) {
      if (index != 0) {
        throw new IllegalArgumentException("the cpu device has index 0 only, got " + index);
      }
      return CPU;
    }
    return new Device(type, index);
  }

  /**
   * Parses {@code cpu}, {@code cuda}, {@code cuda:1}, {@code opencl:0}; a missing index means 0.
   *
   * @throws IllegalArgumentException on any other string
   */
  public static Device parse(String spec) {
    Objects.requireNonNull(spec, "device");
    String s = spec.trim();
    int colon = s.indexOf(':');
    if (colon < 0) {
      return of(s, 0);
    }
    try {
      return of(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad device index in '" + spec + "'", e);
    }
  }

  /** The best available device: the first cuda device, else the first opencl device, else cpu. */
  public static Device best() {
    return Backends.best();
  }

  /** {@code cpu}, {@code cuda} or {@code opencl}. */
  public String type() {
    return type;
  }

  /** The device index within its type. */
  public int index() {
    return index;
  }

  /** Whether this is the CPU. */
  public boolean isCpu() {
    return this == CPU;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Device d && d.type.equals(type) && d.index == index;
  }

  @Override
  public int hashCode() {
    return type.hashCode() * 31 + index;
  }

  @Override
  public String toString() {
    return isCpu() ? "cpu" : type + ":" + index;
  }
}
