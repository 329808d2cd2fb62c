package dev.ember.spark;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;

/**
 * Java serialization of the {@code double[]} states that travel each round (broadcasts, partition
 * results): as floats when every value is a float32 (model and optimizer states are, so half the
 * bytes go over the network), else as doubles. The values read back are exactly those written.
 */
final class PackedValues {
  private PackedValues() {}

  /** Writes {@code values} (null allowed). */
  static void write(ObjectOutputStream out, double[] values) throws IOException {
    if (values == null) {
      out.writeByte(0);
      return;
    }
    boolean floats = true;
    for (double v : values) {
      if ((double) (float) v != v) {
        floats = false;
        break;
      }
    }
    if (floats) {
      float[] f = new float[values.length];
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) values[i];
      }
      out.writeByte(1);
      out.writeObject(f);
    } else {
      out.writeByte(2);
      out.writeObject(values);
    }
  }

  /** Reads what {@link #write} wrote. */
  static double[] read(ObjectInputStream in) throws IOException, ClassNotFoundException {
    byte kind = in.readByte();
    switch (kind) {
      case 0:
        return null;
      case 1: {
        float[] f = (float[]) in.readObject();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
          d[i] = f[i];
        }
        return d;
      }
      case 2:
        return (double[]) in.readObject();
      default:
        throw new IOException("corrupt packed values: kind " + kind);
    }
  }
}
