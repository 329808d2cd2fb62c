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

  /**
   * The 64 x 64 and 128 x 128 float32 tiles read their operands from shared memory four floats
   * at a time (matmul.c's float4 layout): a change to the layout that loses the 16-byte alignment
   * would silently fall back to scalar reads.
   */
  @Test
  void theFloat32TilesReadSharedMemoryAsFloat4() {
    String ptx = CudaRuntime.ptx("matmul");
    for (String kernel : new String[] {"mm4_f32", "mma4_f32", "mmp4_f32", "mm8_f32", "mma8_f32",
        "mmp8_f32"}) {
      int start = ptx.indexOf(".entry " + kernel + "(");
      assertTrue(start >= 0, kernel);
      String body = ptx.substring(start, ptx.indexOf("\n}\n", start));
      assertTrue(body.contains("ld.shared.v4.f32"), kernel + " reads float4");
      assertTrue(!body.contains("ld.shared.f32"), kernel + " has no scalar shared reads");
    }
  }
}
