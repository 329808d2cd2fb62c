package dev.ember.transformers.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;

/** The shape metadata of tensor columns. */
class TensorColumnsTest {
  private static StructField field(String metadataJson) {
    return new StructField("x", TensorTransformer.OUTPUT_TYPE, true,
        Metadata.fromJson(metadataJson));
  }

  @Test
  void readsTheShapeItWrites() {
    Metadata base = Metadata.fromJson("{\"ml_attr\":{\"num_attrs\":6},\"ember\":{\"other\":1}}");
    Metadata m = TensorColumns.withShape(base, new int[] {3, 32, 32});
    assertEquals(Metadata.fromJson(
        "{\"ml_attr\":{\"num_attrs\":6},\"ember\":{\"other\":1,\"shape\":[3,32,32]}}"), m,
        "other keys are kept");
    assertArrayEquals(new int[] {3, 32, 32},
        TensorColumns.shapeOf(new StructField("x", DataTypes.FloatType, true, m)));
    assertArrayEquals(new int[] {1, 28, 28}, TensorColumns.shapeOf(
        field("{\"ember\":{\"shape\":[1,28,28]}}")));
  }

  @Test
  void givesNullWithoutAShape() {
    assertNull(TensorColumns.shapeOf(field("{}")));
    assertNull(TensorColumns.shapeOf(field("{\"ember\":{\"other\":1}}")));
  }

  @Test
  void rejectsMalformedShapesNamingTheColumn() {
    for (String json : new String[] {"{\"ember\":{\"shape\":\"3x32\"}}",
        "{\"ember\":{\"shape\":[3,0]}}", "{\"ember\":{\"shape\":[1.5,2.0]}}",
        "{\"ember\":3}"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> TensorColumns.shapeOf(field(json)), json);
      assertTrue(e.getMessage().contains("column 'x'"), e.getMessage());
    }
  }
}
