package dev.ember.benchmarks;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.backend.cpu.Parallel;
import dev.ember.optim.Adam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One optimizer step over the parameters of workload W1's MLP (784-256-128-10: weights and biases,
 * 235,146 float32 values in 6 tensors), gradients already in place: the fused Adam and SGD
 * (momentum 0.9) updates, and for comparison Adam composed of tensor operators as PyTorch's
 * single-tensor code runs it (about 10 passes over the data instead of one).
 *
 * <p>Bytes moved per fused Adam step: read param, grad, exp_avg, exp_avg_sq and write param,
 * exp_avg, exp_avg_sq: 7 x 4 x 235,146 = 6.6 MB.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 9, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class OptimizerBenchmark {
  /** W1's parameter shapes (nn.Linear weight is out x in). */
  private static final int[][] SHAPES = {{256, 784}, {256}, {128, 256}, {128}, {10, 128}, {10}};

  /** Threads of the engine's CPU kernels. */
  @Param({"1", "2"})
  public int threads;

  private List<Tensor> adamParams;
  private List<Tensor> sgdParams;
  private List<Tensor> composedParams;
  private Optimizer adam;
  private Optimizer sgd;
  private final List<Tensor> expAvg = new ArrayList<>();
  private final List<Tensor> expAvgSq = new ArrayList<>();
  private long composedStep;

  /** Parameters with random gradients, and the optimizers after one step (state allocated). */
  @Setup
  public void setup() {
    Parallel.setNumThreads(threads);
    Generator g = new Generator(7);
    adamParams = params(g);
    sgdParams = params(g);
    composedParams = params(g);
    adam = new Adam(adamParams, 1e-3);
    sgd = new SGD(sgdParams, SGD.options().lr(1e-3).momentum(0.9));
    adam.step();
    sgd.step();
    for (Tensor p : composedParams) {
      expAvg.add(Tensor.zerosLike(p));
      expAvgSq.add(Tensor.zerosLike(p));
    }
  }

  private static List<Tensor> params(Generator g) {
    List<Tensor> ps = new ArrayList<>();
    for (int[] shape : SHAPES) {
      Tensor p = Tensor.randn(g, DType.FLOAT32, Device.CPU, shape).mul(0.05).requiresGrad(true);
      p.setGrad(Tensor.randn(g, DType.FLOAT32, Device.CPU, shape));
      ps.add(p);
    }
    return ps;
  }

  /** Restores the default thread count. */
  @TearDown
  public void tearDown() {
    Parallel.setNumThreads(Runtime.getRuntime().availableProcessors());
  }

  /** {@code Adam.step()}: one fused pass per parameter. */
  @Benchmark
  public int adamStep() {
    adam.step();
    return adamParams.size();
  }

  /** {@code SGD(momentum=0.9).step()}: one fused pass per parameter. */
  @Benchmark
  public int sgdMomentumStep() {
    sgd.step();
    return sgdParams.size();
  }

  /** Adam composed of in-place and out-of-place tensor operators (PyTorch's single-tensor form). */
  @Benchmark
  public int adamComposed() {
    composedStep++;
    double b1 = 0.9;
    double b2 = 0.999;
    double lr = 1e-3;
    double stepSize = lr / (1 - Math.pow(b1, composedStep));
    double bc2 = Math.sqrt(1 - Math.pow(b2, composedStep));
    try (Scope s = Tensor.scope(); GradMode m = Autograd.noGrad()) {
      for (int i = 0; i < composedParams.size(); i++) {
        Tensor p = composedParams.get(i);
        Tensor grad = p.grad();
        expAvg.get(i).mul_(b1).add_(grad, 1 - b1);
        expAvgSq.get(i).mul_(b2).add_(grad.mul(1 - b2).mul(grad));
        Tensor denom = expAvgSq.get(i).sqrt().div(bc2).add(1e-8);
        p.add_(expAvg.get(i).mul(-stepSize).div(denom));
      }
    }
    return composedParams.size();
  }
}
