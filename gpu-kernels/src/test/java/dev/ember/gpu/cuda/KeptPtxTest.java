package dev.ember.gpu.cuda;

import dev.ember.gpu.Ptx;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.gpu.GpuBackend;
import dev.ember.tensor.DType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The kept PTX declares every kernel the Java side launches, with the parameters it packs. */
class KeptPtxTest {

  @Test
  void copyPtxHasEveryFillAndCastCopy() {
    String ptx = CudaRuntime.ptx("copy");
    assertTrue(ptx.contains(".target sm_75"), "built for compute_75");
    Map<String, String> entries = Ptx.entries(ptx);
    for (DType dst : DType.values()) {
      String d = GpuBackend.suffix(dst);
      // (dst, dst_off, n, value..., meta, contiguous): a long value is two ints.
      String value = switch (dst) {
        case FLOAT32 -> "F";
        case FLOAT64 -> "D";
        case INT64 -> "II";
        case INT32, BOOL -> "I";
      };
      assertEquals("LII" + value + "LI", entries.get("fill_" + d), "fill_" + d);
      for (DType src : DType.values()) {
        String k = "copy_" + GpuBackend.suffix(src) + "_" + d;
        assertEquals("LILIILI", entries.get(k), k);
      }
    }
    assertEquals(30, entries.size());
  }

  @Test
  void tensorCorePtxHasBothKernelsForComputeCapability80() {
    String ptx = CudaRuntime.ptx("matmul_tc");
    assertTrue(ptx.contains(".target sm_80"), "built for compute_80 (tensor cores)");
    Map<String, String> entries = Ptx.entries(ptx);
    // (c, c_off, a, a_off, bm, b_off, meta, alpha, beta, addend, d_off, has_addend)
    assertEquals("LILILILFFLII", entries.get("mm_tf32"));
    assertEquals("LILILILFFLII", entries.get("mm_bf16"));
    assertEquals(2, entries.size());
  }
}
