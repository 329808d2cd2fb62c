package dev.ember.data.transforms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tensor.DType;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TransformsTest {
  /** 1..9 as a (1, 3, 3) image. */
  private static Tensor nine() {
    return Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3);
  }

  /** 0..n-1 as a float image of the given shape: every pixel value is unique. */
  private static Tensor iota(int... shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    return Tensor.arange(n).to(DType.FLOAT32).reshape(shape);
  }

  private static void assertValues(float[] want, Tensor got) {
    assertArrayEquals(want, got.contiguous().toFloatArray(), 1e-6f, Arrays.toString(got.contiguous().toFloatArray()));
  }

  // ---------------------------------------------------------------------------------------------
  // ToTensor, Normalize

  @Test
  void toTensorReadsBytesAsUnsignedInEitherLayout() {
    // A 1x2 image with 3 channels: pixel 0 = (0, 255, 128), pixel 1 = (51, 102, 204).
    byte[] hwc = {0, (byte) 255, (byte) 128, 51, 102, (byte) 204};
    Tensor t = new ToTensor(ToTensor.Layout.HWC, 1, 2, 3).apply(hwc);
    assertArrayEquals(new int[] {3, 1, 2}, t.shape());
    assertEquals(DType.FLOAT32, t.dtype());
    assertValues(new float[] {0, 51 / 255f, 1, 102 / 255f, 128 / 255f, 204 / 255f}, t);
    byte[] chw = {0, 51, (byte) 255, 102, (byte) 128, (byte) 204};
    Tensor u = new ToTensor(ToTensor.Layout.CHW, 1, 2, 3).apply(chw);
    assertArrayEquals(t.toFloatArray(), u.toFloatArray(), 0f);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ToTensor(ToTensor.Layout.HWC, 2, 2, 3).apply(hwc));
    assertTrue(e.getMessage().contains("12 bytes"), e.getMessage());
  }

  @Test
  void toTensorOfTensorsScalesIntegersAndRearranges() {
    Tensor hw = Tensor.of(new int[] {0, 255, 51, 102}, 2, 2);
    Tensor t = ToTensor.fromTensor(hw, ToTensor.Layout.CHW);
    assertArrayEquals(new int[] {1, 2, 2}, t.shape());
    assertValues(new float[] {0, 1, 0.2f, 0.4f}, t);
    Tensor batch = Tensor.of(new long[] {0, 255, 51, 102, 0, 0, 255, 255}, 2, 2, 1, 2); // N H W C
    Tensor b = ToTensor.fromTensor(batch, ToTensor.Layout.HWC);
    assertArrayEquals(new int[] {2, 2, 2, 1}, b.shape());
    assertValues(new float[] {0, 51 / 255f, 1, 102 / 255f, 0, 1, 0, 1}, b);
    assertThrows(IllegalArgumentException.class,
        () -> ToTensor.fromTensor(Tensor.of(new int[] {0, 256}, 1, 2), ToTensor.Layout.CHW));
  }

  @Test
  void normalizeByHand() {
    Tensor img = Tensor.of(new float[] {0.5f, 1f, 0f, 0.25f}, 2, 1, 2);
    Normalize n = new Normalize(new double[] {0.5, 0.25}, new double[] {0.5, 0.25});
    Tensor out = n.apply(img);
    assertValues(new float[] {0, 1, -1, 0}, out);
    assertValues(new float[] {0.5f, 1f, 0f, 0.25f}, img);
    // A batch broadcasts over N.
    Tensor batch = Tensor.stack(0, img, img);
    assertValues(new float[] {0, 1, -1, 0, 0, 1, -1, 0}, n.apply(batch));
    // In place: the input itself.
    Tensor same = new Normalize(new double[] {0.5, 0.25}, new double[] {0.5, 0.25}, true).apply(img);
    assertSame(img, same);
    assertValues(new float[] {0, 1, -1, 0}, img);
  }

  @Test
  void normalizeRejectsBadInput() {
    Tensor img = Tensor.zeros(3, 2, 2);
    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
        () -> new Normalize(new double[] {0}, new double[] {0}).apply(img));
    assertTrue(zero.getMessage().contains("zero"), zero.getMessage());
    IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
        () -> new Normalize(new double[] {0, 0}, new double[] {1, 1}).apply(img));
    assertTrue(channels.getMessage().contains("(3)"), channels.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new Normalize(new double[] {0}, new double[] {1}).apply(Tensor.zeros(DType.INT64, 3, 2, 2)));
    assertThrows(IllegalArgumentException.class,
        () -> new Normalize(new double[] {0}, new double[] {1}).apply(Tensor.zeros(2, 2)));
  }

  // ---------------------------------------------------------------------------------------------
  // Flips

  @Test
  void flipsByHand() {
    Tensor img = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3);
    assertValues(new float[] {3, 2, 1, 6, 5, 4}, new RandomHorizontalFlip(1).apply(img));
    assertValues(new float[] {4, 5, 6, 1, 2, 3}, new RandomVerticalFlip(1).apply(img));
    assertSame(img, new RandomHorizontalFlip(0).apply(img));
    assertSame(img, new RandomVerticalFlip(0).apply(img));
    // A batch: every image flips.
    Tensor batch = Tensor.stack(0, img, img.mul(10));
    assertValues(new float[] {3, 2, 1, 6, 5, 4, 30, 20, 10, 60, 50, 40}, Functional.hflip(batch));
    assertThrows(IllegalArgumentException.class, () -> new RandomHorizontalFlip(1.5));
  }

  @Test
  void flipFrequencyMatchesP() {
    // 4000 fixed per-sample generators; the count is Binomial(4000, 0.3): mean 1200, sd 29.
    Tensor img = Tensor.of(new float[] {1, 2}, 1, 1, 2);
    RandomHorizontalFlip flip = new RandomHorizontalFlip(0.3);
    int flipped = 0;
    for (int s = 0; s < 4000; s++) {
      if (flip.apply(img, new Generator(s)).toFloatArray()[0] == 2) {
        flipped++;
      }
    }
    assertTrue(Math.abs(flipped - 1200) < 6 * 29, "flipped " + flipped + " of 4000");
  }

  // ---------------------------------------------------------------------------------------------
  // Crops and padding

  @Test
  void paddingModesByHand() {
    Tensor row = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 4);
    assertValues(new float[] {9, 9, 1, 2, 3, 4, 9, 9},
        Functional.pad(row, 2, 0, 2, 0, PaddingMode.CONSTANT, 9));
    assertValues(new float[] {1, 1, 1, 2, 3, 4, 4, 4},
        Functional.pad(row, 2, 0, 2, 0, PaddingMode.EDGE, 0));
    assertValues(new float[] {3, 2, 1, 2, 3, 4, 3, 2},
        Functional.pad(row, 2, 0, 2, 0, PaddingMode.REFLECT, 0));
    assertValues(new float[] {2, 1, 1, 2, 3, 4, 4, 3},
        Functional.pad(row, 2, 0, 2, 0, PaddingMode.SYMMETRIC, 0));
    Tensor col = Functional.pad(nine(), 0, 1, 0, 1, PaddingMode.REFLECT, 0);
    assertValues(new float[] {4, 5, 6, 1, 2, 3, 4, 5, 6, 7, 8, 9, 4, 5, 6}, col);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Functional.pad(row, 4, 0, 0, 0, PaddingMode.REFLECT, 0));
    assertTrue(e.getMessage().contains("smaller than the image width 4"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Functional.pad(row, -1, 0, 0, 0, PaddingMode.CONSTANT, 0));
  }

  @Test
  void knownCrop() {
    assertValues(new float[] {5, 6, 8, 9}, Functional.crop(nine(), 1, 1, 2, 2));
    // Sticking out at the top-left: zeros where there is no image.
    assertValues(new float[] {0, 0, 0, 1}, Functional.crop(nine(), -1, -1, 2, 2));
  }

  @Test
  void randomCropIsAWindowAtTheDrawnPosition() {
    Tensor img = iota(2, 6, 7);
    RandomCrop crop = new RandomCrop(3, 4);
    boolean[][] seen = new boolean[4][4];
    for (int s = 0; s < 200; s++) {
      Tensor out = crop.apply(img, new Generator(s));
      assertArrayEquals(new int[] {2, 3, 4}, out.shape());
      int[] p = RandomCrop.getParams(6, 7, 3, 4, new Generator(s));
      assertTrue(p[0] >= 0 && p[0] <= 3 && p[1] >= 0 && p[1] <= 3, Arrays.toString(p));
      seen[p[0]][p[1]] = true;
      // Same generator state, same position: the top-left value says where the window is.
      assertEquals(p[0] * 7 + p[1], out.toFloatArray()[0], 0);
      assertTrue(out.allClose(img.narrow(1, p[0], 3).narrow(2, p[1], 4)));
    }
    for (boolean[] r : seen) {
      for (boolean b : r) {
        assertTrue(b, "every position is reachable in 200 draws");
      }
    }
  }

  @Test
  void randomCropPadsAndChecksSizes() {
    Tensor img = iota(1, 3, 3).add(1);
    // Padding 1 on every side: a 3x3 crop of the 5x5 padded image; with fill -1 the corner
    // crop shows the fill.
    RandomCrop padded = new RandomCrop(3, 3, new int[] {1}, false, -1, PaddingMode.CONSTANT);
    for (int s = 0; s < 50; s++) {
      Tensor out = padded.apply(img, new Generator(s));
      int[] p = RandomCrop.getParams(5, 5, 3, 3, new Generator(s));
      Tensor ref = Functional.pad(img, 1, 1, 1, 1, PaddingMode.CONSTANT, -1).narrow(1, p[0], 3).narrow(2, p[1], 3);
      assertTrue(out.allClose(ref));
    }
    // pad_if_needed: a 3x3 image and a 5x5 crop pad both sides by 2 (to 7x7).
    RandomCrop needed = new RandomCrop(5, 5, null, true, 0, PaddingMode.EDGE);
    Tensor out = needed.apply(img, new Generator(3));
    assertArrayEquals(new int[] {1, 5, 5}, out.shape());
    float[] v = out.toFloatArray();
    for (float x : v) {
      assertTrue(x >= 1 && x <= 9, "edge padding repeats image values");
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new RandomCrop(4, 4).apply(img, new Generator(1)));
    assertTrue(e.getMessage().contains("larger than input image size (3, 3)"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new RandomCrop(2, 2, new int[] {1, 2, 3}, false, 0, PaddingMode.CONSTANT));
  }

  // ---------------------------------------------------------------------------------------------
  // Rotation

  @Test
  void rotationBy90IsCounterClockwise() {
    float[] ccw = {3, 6, 9, 2, 5, 8, 1, 4, 7};
    assertValues(ccw, Functional.rotate(nine(), 90, Interpolation.NEAREST, false, null, null));
    assertValues(ccw, Functional.rotate(nine(), 90, Interpolation.BILINEAR, false, null, null));
    assertValues(new float[] {7, 4, 1, 8, 5, 2, 9, 6, 3},
        Functional.rotate(nine(), -90, Interpolation.NEAREST, false, null, null));
    assertValues(new float[] {9, 8, 7, 6, 5, 4, 3, 2, 1},
        Functional.rotate(nine(), 180, Interpolation.NEAREST, false, null, null));
    assertValues(nine().toFloatArray(), Functional.rotate(nine(), 0, Interpolation.BILINEAR, false, null, null));
    // RandomRotation with a one-point range draws exactly that angle.
    RandomRotation r = new RandomRotation(90, 90, Interpolation.NEAREST, false, null, new double[] {0});
    assertValues(ccw, r.apply(nine(), new Generator(7)));
  }

  @Test
  void rotationAboutAPixelCenterWithFill() {
    // About the center of the top-left pixel, (x, y) = (0.5, 0.5): output row 0 is input column 0
    // (top to bottom); everything else comes from outside the image.
    Tensor out = Functional.rotate(nine(), 90, Interpolation.NEAREST, false, new double[] {0.5, 0.5}, new double[] {-1});
    assertValues(new float[] {1, 4, 7, -1, -1, -1, -1, -1, -1}, out);
    // Per-channel fill on a 2-channel image; a batch rotates every image the same way.
    Tensor two = Tensor.stack(0, nine().squeeze(0), nine().squeeze(0).mul(10));
    Tensor b = Functional.rotate(Tensor.stack(0, two, two), 90, Interpolation.NEAREST, false,
        new double[] {0.5, 0.5}, new double[] {-1, -2});
    assertArrayEquals(new int[] {2, 2, 3, 3}, b.shape());
    float[] v = b.toFloatArray();
    assertArrayEquals(new float[] {1, 4, 7, -1, -1, -1, -1, -1, -1, 10, 40, 70, -2, -2, -2, -2, -2, -2},
        Arrays.copyOfRange(v, 0, 18), 0f);
    assertArrayEquals(Arrays.copyOfRange(v, 0, 18), Arrays.copyOfRange(v, 18, 36), 0f);
    assertThrows(IllegalArgumentException.class,
        () -> Functional.rotate(two, 10, Interpolation.NEAREST, false, null, new double[] {1, 2, 3}));
  }

  @Test
  void randomRotationDrawsItsAngleInRange() {
    Tensor img = iota(1, 5, 5);
    RandomRotation r = new RandomRotation(-30, 45, Interpolation.BILINEAR, false, null, new double[] {0});
    for (int s = 0; s < 50; s++) {
      double angle = RandomRotation.getParams(-30, 45, new Generator(s));
      assertTrue(angle >= -30 && angle < 45, "angle " + angle);
      Tensor want = Functional.rotate(img, angle, Interpolation.BILINEAR, false, null, new double[] {0});
      assertTrue(want.allClose(r.apply(img, new Generator(s)), 0, 0));
    }
    assertThrows(IllegalArgumentException.class, () -> new RandomRotation(-1));
  }

  @Test
  void integerImagesAreRotatedAndRounded() {
    Tensor img = Tensor.of(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3);
    Tensor out = Functional.rotate(img, 90, Interpolation.NEAREST, false, null, null);
    assertEquals(DType.INT32, out.dtype());
    assertArrayEquals(new int[] {3, 6, 9, 2, 5, 8, 1, 4, 7}, out.toIntArray());
  }

  // ---------------------------------------------------------------------------------------------
  // RandomResizedCrop

  @Test
  void randomResizedCropParamsRespectScaleAndRatio() {
    // A 40x50 image (area 2000), area fraction in [0.08, 1), aspect in [3/4, 4/3). Each side is
    // rounded by at most half a pixel, so w * h >= 160 - sqrt(160 * 4/3) > 145 and w / h lies in
    // [(sqrt(120) - 0.5) / (sqrt(213.3) + 0.5), (sqrt(213.3) + 0.5) / (sqrt(120) - 0.5)] =
    // [0.69, 1.45]. The fallback (the whole image, ratio 1.25) satisfies both too.
    double[] scale = {0.08, 1.0};
    double[] ratio = {3.0 / 4, 4.0 / 3};
    double minArea = 2000;
    double maxArea = 0;
    for (int s = 0; s < 300; s++) {
      int[] p = RandomResizedCrop.getParams(40, 50, scale, ratio, new Generator(s));
      int top = p[0];
      int left = p[1];
      int h = p[2];
      int w = p[3];
      assertTrue(h > 0 && w > 0 && top >= 0 && left >= 0 && top + h <= 40 && left + w <= 50, Arrays.toString(p));
      assertTrue(w * h > 145, "area of " + Arrays.toString(p));
      double r = (double) w / h;
      assertTrue(r >= 0.69 && r <= 1.45, "ratio " + r + " of " + Arrays.toString(p));
      minArea = Math.min(minArea, w * h);
      maxArea = Math.max(maxArea, w * h);
    }
    // The areas spread over the range (uniform fractions: 300 draws reach both ends).
    assertTrue(minArea < 300 && maxArea > 1600, minArea + " .. " + maxArea);
  }

  @Test
  void randomResizedCropFallsBackToACenterCrop() {
    // A 100x10 image: every attempt needs w >= sqrt(900 * 3/4) = 26 > 10, so the fallback runs;
    // its ratio 0.1 < 3/4 gives w = 10, h = round(10 / 0.75) = 13, centered: top = (100 - 13) / 2.
    int[] p = RandomResizedCrop.getParams(100, 10, new double[] {0.9, 1.0}, new double[] {0.75, 4.0 / 3}, new Generator(5));
    assertArrayEquals(new int[] {43, 0, 13, 10}, p);
    // A wide one: h = 10, w = round(10 * 4/3) = 13, left = (100 - 13) / 2.
    p = RandomResizedCrop.getParams(10, 100, new double[] {0.9, 1.0}, new double[] {0.75, 4.0 / 3}, new Generator(5));
    assertArrayEquals(new int[] {0, 43, 10, 13}, p);
  }

  @Test
  void randomResizedCropOfTheWholeImageAtItsSizeIsTheImage() {
    Tensor img = iota(3, 6, 6);
    RandomResizedCrop whole = new RandomResizedCrop(6, 6, new double[] {1, 1}, new double[] {1, 1}, Interpolation.BILINEAR);
    assertTrue(img.allClose(whole.apply(img, new Generator(1)), 0, 0));
    RandomResizedCrop any = new RandomResizedCrop(8, 5);
    for (int s = 0; s < 20; s++) {
      Tensor out = any.apply(img, new Generator(s));
      assertArrayEquals(new int[] {3, 8, 5}, out.shape());
      assertTrue(out.min().item() >= 0 && out.max().item() <= 107, "bilinear stays within the input's range");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // RandomErasing

  @Test
  void eraseByHand() {
    Tensor out = Functional.erase(nine(), 0, 1, 2, 2, Tensor.scalar(0.0), false);
    assertValues(new float[] {1, 0, 0, 4, 0, 0, 7, 8, 9}, out);
    assertValues(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, nine());
  }

  @Test
  void randomErasingErasesOneRectangleWithinTheScaleRange() {
    Tensor img = iota(2, 20, 30).add(1);
    RandomErasing erasing = new RandomErasing(1, new double[] {0.05, 0.2}, new double[] {0.5, 2}, new double[] {-1, -2}, false);
    for (int s = 0; s < 50; s++) {
      Tensor out = erasing.apply(img, new Generator(s));
      float[] a = img.toFloatArray();
      float[] b = out.toFloatArray();
      int r0 = 20;
      int r1 = -1;
      int c0 = 30;
      int c1 = -1;
      int count = 0;
      for (int k = 0; k < 600; k++) {
        if (a[k] != b[k]) {
          assertEquals(-1, b[k], 0);
          assertEquals(-2, b[600 + k], 0, "the same rectangle in channel 1 with its own value");
          count++;
          r0 = Math.min(r0, k / 30);
          r1 = Math.max(r1, k / 30);
          c0 = Math.min(c0, k % 30);
          c1 = Math.max(c1, k % 30);
        } else {
          assertEquals(a[600 + k], b[600 + k], 0);
        }
      }
      assertEquals((r1 - r0 + 1) * (c1 - c0 + 1), count, "a filled rectangle");
      // Area fraction in [0.05, 0.2] of 600, up to the rounding of each side.
      assertTrue(count >= 0.05 * 600 * 0.6 && count <= 0.2 * 600 * 1.4, "erased " + count);
    }
    // p = 0: the image itself; inplace writes the input.
    assertSame(img, new RandomErasing(0, new double[] {0.1, 0.2}, new double[] {1, 1}, new double[] {0}, false).apply(img));
    Tensor copy = img.clone();
    Tensor same = new RandomErasing(1, new double[] {0.1, 0.2}, new double[] {1, 1}, new double[] {0}, true).apply(copy, new Generator(1));
    assertSame(copy, same);
    assertFalse(copy.allClose(img));
  }

  @Test
  void randomErasingWithRandomValuesAndNoFit() {
    Tensor img = Tensor.zeros(3, 16, 16);
    Tensor out = new RandomErasing(1, new double[] {0.2, 0.3}, new double[] {1, 1}, null, false).apply(img, new Generator(4));
    Tensor changed = out.ne(0).to(DType.FLOAT32).sum();
    assertTrue(changed.item() > 3 * 0.2 * 256 * 0.5, "normal values fill the rectangle");
    // Every attempt needs h >= 16 (area 1 of a 16x16 image): nothing fits, the image is returned.
    int[] none = RandomErasing.getParams(3, 16, 16, new double[] {1, 1}, new double[] {1, 1}, false, new Generator(1), new Tensor[1]);
    assertNull(none);
    assertThrows(IllegalArgumentException.class, () -> new RandomErasing(1, new double[] {0.1, 1.5}, new double[] {1, 1}, null, false));
    assertThrows(IllegalArgumentException.class,
        () -> new RandomErasing(1, new double[] {0.1, 0.2}, new double[] {1, 1}, new double[] {1, 2}, false).apply(img, new Generator(1)));
  }

  // ---------------------------------------------------------------------------------------------
  // Composition and reproducibility

  @Test
  void composeLambdaAndThenApplyInOrder() {
    Transform<Tensor, Tensor> plusOne = new Lambda<>(t -> t.add(1));
    Transform<Tensor, Tensor> twice = Transform.of(t -> t.mul(2));
    assertValues(new float[] {4, 6}, Compose.of(plusOne, twice).apply(Tensor.of(new float[] {1, 2})));
    assertValues(new float[] {3, 5}, twice.andThen(plusOne).apply(Tensor.of(new float[] {1, 2})));
    Tensor[] item = {Tensor.of(new float[] {1}), Tensor.scalar(7L)};
    Tensor[] out = Transform.onComponent(0, plusOne).apply(item);
    assertValues(new float[] {2}, out[0]);
    assertSame(item[1], out[1]);
    byte[] px = {0, (byte) 255};
    Tensor t = new ToTensor(ToTensor.Layout.CHW, 1, 2, 1).andThen(new Normalize(new double[] {0.5}, new double[] {0.5})).apply(px);
    assertValues(new float[] {-1, 1}, t);
  }

  @Test
  void randomPipelinesAreReproducibleFromTheGenerator() {
    Tensor img = iota(3, 12, 12).div(144);
    Compose<Tensor> aug = Compose.of(
        new RandomCrop(10, 10, new int[] {2}, false, 0, PaddingMode.REFLECT),
        new RandomHorizontalFlip(),
        new RandomRotation(-20, 20, Interpolation.BILINEAR, false, null, new double[] {0}),
        new RandomErasing());
    int distinct = 0;
    Tensor first = aug.apply(img, new Generator(100));
    for (int s = 100; s < 110; s++) {
      Tensor a = aug.apply(img, new Generator(s));
      Tensor b = aug.apply(img, new Generator(s));
      assertTrue(a.allClose(b, 0, 0), "seed " + s);
      if (s > 100 && !a.allClose(first, 0, 0)) {
        distinct++;
      }
    }
    assertNotEquals(0, distinct);
    assertEquals(9, distinct, "different generators give different augmentations");
  }
}
