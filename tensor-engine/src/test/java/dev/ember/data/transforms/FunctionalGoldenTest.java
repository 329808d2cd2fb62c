package dev.ember.data.transforms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ember.tensor.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Functional} against torchvision 0.14 ({@code golden/transforms.txt}, written by {@code
 * make_transforms_golden.py} beside it).
 */
class FunctionalGoldenTest {
  /** One case of the golden file. */
  record Case(String name, String op, Map<String, String[]> args, Tensor input, Tensor output) {
    @Override
    public String toString() {
      return name;
    }

    String arg(String key) {
      return args.get(key)[0];
    }

    int[] ints(String key) {
      return Arrays.stream(args.get(key)).mapToInt(Integer::parseInt).toArray();
    }

    double[] doubles(String key) {
      String[] v = args.get(key);
      return v[0].equals("none") ? null : Arrays.stream(v).mapToDouble(Double::parseDouble).toArray();
    }
  }

  static List<Case> cases() throws IOException {
    List<Case> out = new ArrayList<>();
    try (InputStream in = FunctionalGoldenTest.class.getResourceAsStream("/golden/transforms.txt");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String name = null;
      String op = null;
      Map<String, String[]> args = new LinkedHashMap<>();
      Tensor input = null;
      Tensor output = null;
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.startsWith("#") || line.isBlank()) {
          continue;
        }
        String[] tok = line.trim().split(" ");
        switch (tok[0]) {
          case "case" -> {
            name = tok[1];
            args = new LinkedHashMap<>();
          }
          case "op" -> op = tok[1];
          case "arg" -> args.put(tok[1], Arrays.copyOfRange(tok, 2, tok.length));
          case "input" -> input = tensor(tok, op.equals("to_tensor_hwc"));
          case "output" -> output = tensor(tok, false);
          case "end" -> out.add(new Case(name, op, args, input, output));
          default -> fail("bad golden line: " + line);
        }
      }
    }
    return out;
  }

  private static Tensor tensor(String[] tok, boolean integral) {
    int colon = Arrays.asList(tok).indexOf(":");
    int[] shape = new int[colon - 1];
    for (int k = 1; k < colon; k++) {
      shape[k - 1] = Integer.parseInt(tok[k]);
    }
    int n = tok.length - colon - 1;
    if (integral) {
      long[] v = new long[n];
      for (int k = 0; k < n; k++) {
        v[k] = Long.parseLong(tok[colon + 1 + k]);
      }
      return Tensor.of(v, shape);
    }
    float[] v = new float[n];
    for (int k = 0; k < n; k++) {
      v[k] = Float.parseFloat(tok[colon + 1 + k]);
    }
    return Tensor.of(v, shape);
  }

  static Stream<Case> goldenCases() throws IOException {
    return cases().stream();
  }

  private static Interpolation interpolation(Case c) {
    return Interpolation.valueOf(c.arg("interpolation").toUpperCase());
  }

  static Tensor run(Case c) {
    Tensor x = c.input();
    switch (c.op()) {
      case "rotate":
        return Functional.rotate(x, Double.parseDouble(c.arg("angle")), interpolation(c),
            c.arg("expand").equals("1"), c.doubles("center"), c.doubles("fill"));
      case "resize": {
        int[] s = c.ints("size");
        return Functional.resize(x, s[0], s[1], interpolation(c));
      }
      case "resized_crop": {
        int[] b = c.ints("box");
        int[] s = c.ints("size");
        return Functional.resizedCrop(x, b[0], b[1], b[2], b[3], s[0], s[1], interpolation(c));
      }
      case "pad": {
        int[] p = c.ints("padding");
        return Functional.pad(x, p[0], p[1], p[2], p[3],
            PaddingMode.valueOf(c.arg("mode").toUpperCase()), Double.parseDouble(c.arg("fill")));
      }
      case "crop": {
        int[] b = c.ints("box");
        return Functional.crop(x, b[0], b[1], b[2], b[3]);
      }
      case "normalize":
        return Functional.normalize(x, c.doubles("mean"), c.doubles("std"), false);
      case "to_tensor_hwc":
        return ToTensor.fromTensor(x, ToTensor.Layout.HWC);
      default:
        throw new IllegalArgumentException("unknown op " + c.op());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goldenCases")
  void matchesTorchvision(Case c) {
    Tensor got = run(c);
    assertArrayEquals(c.output().shape(), got.shape(), c.name() + ": shape");
    float[] want = c.output().toFloatArray();
    float[] have = got.contiguous().toFloatArray();
    // Index choices (nearest, pad, crop) must be exact; interpolated values agree to float32
    // rounding of a few operations on values in [0, 1].
    boolean exact = !(c.args().containsKey("interpolation") && c.arg("interpolation").equals("bilinear"))
        && !c.op().equals("normalize");
    double tol = exact ? 0 : 2e-6;
    for (int k = 0; k < want.length; k++) {
      if (Math.abs(want[k] - have[k]) > tol) {
        fail(c.name() + ": element " + k + " of shape " + Arrays.toString(got.shape()) + " is "
            + have[k] + ", torchvision " + want[k]);
      }
    }
  }

  @Test
  void everyOperationHasCases() throws IOException {
    List<String> ops = cases().stream().map(Case::op).distinct().toList();
    assertEquals(List.of("rotate", "resize", "resized_crop", "pad", "crop", "normalize", "to_tensor_hwc"), ops);
    assertTrue(cases().size() >= 29);
  }
}
