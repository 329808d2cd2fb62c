package dev.ember.estimators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.backend.Backends;
import dev.ember.spark.testing.SparkSessionExtension;
import dev.ember.spec.Network;
import dev.ember.tensor.Device;
import dev.ember.testdata.FashionMnist;
import dev.ember.transformers.NeuralNetClassificationModel;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Training and inference through Spark with {@code device=opencl}: each task trains its replica
 * on the executor's OpenCL device (PoCL in CI, a real OpenCL device on the CPU) and the model
 * learns as it does on the CPU. Skipped, with the reason, where there is no OpenCL device.
 */
@ExtendWith(SparkSessionExtension.class)
class OpenClTrainingTest {
  private static final Device OPENCL = Device.of("opencl", 0);

  private static Dataset<Row> train;
  private static Dataset<Row> test;

  @BeforeAll
  static void data(SparkSession spark) {
    assumeTrue(Backends.isAvailable(OPENCL),
        "skipped: no OpenCL device here (install pocl-opencl-icd to run this on the CPU)");
    train = Frames.fashion(spark, FashionMnist.trainSubset(), 2000, 2).cache();
    test = Frames.fashion(spark, FashionMnist.testSubset(), 500, 2).cache();
  }

  private static NeuralNetClassifier mlp(String device) {
    return new NeuralNetClassifier()
        .setNetwork(Network.sequential().linear(784, 64).relu().linear(64, 10))
        .setMaxEpochs(2).setBatchSize(64).setLearningRate(2e-3).setSeed(7).setDevice(device);
  }

  @Test
  void aFitOnOpenClLearnsAsOnTheCpuAndItsModelScoresOnOpenCl() {
    NeuralNetClassificationModel onGpu = mlp("opencl").fit(train);
    NeuralNetClassificationModel onCpu = mlp("cpu").fit(train);
    double gpuAccuracy = Frames.accuracy(onGpu.transform(test));
    double cpuAccuracy = Frames.accuracy(onCpu.transform(test));
    // 2,000 rows, 2 epochs: ~0.7 on either device, far above chance (0.1).
    assertTrue(gpuAccuracy > 0.6, "opencl " + gpuAccuracy + ", cpu " + cpuAccuracy);
    // Same data, seed and formulas; only summation orders differ, so the models stay close.
    assertEquals(cpuAccuracy, gpuAccuracy, 0.03, "cpu " + cpuAccuracy + ", opencl " + gpuAccuracy);
    assertEquals(onCpu.summary().epochs().get(1).trainLoss(),
        onGpu.summary().epochs().get(1).trainLoss(), 0.02);

    // The CPU-trained model scored on the OpenCL device gives the CPU's predictions.
    NeuralNetClassificationModel cpuModelOnGpu =
        onCpu.copy(new ParamMap().put(onCpu.device(), "opencl"));
    assertEquals(cpuAccuracy, Frames.accuracy(cpuModelOnGpu.transform(test)), 0.005);
  }
}
