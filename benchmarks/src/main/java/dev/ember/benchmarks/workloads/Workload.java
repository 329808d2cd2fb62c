package dev.ember.benchmarks.workloads;

import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import dev.ember.nn.activation.ReLU;
import dev.ember.nn.conv.Conv2d;
import dev.ember.nn.conv.MaxPool2d;
import dev.ember.nn.layers.Flatten;
import dev.ember.nn.layers.Linear;
import dev.ember.nn.recurrent.LSTM;
import dev.ember.tensor.Tensor;

/**
 * The workloads of {@code ../shared/WORKLOADS.md}: network, batch size, epochs and the input
 * layout each expects of the (N, 28, 28) images. Layers start from PyTorch's default
 * initialization, drawn from the default generator.
 */
public enum Workload {
  /** flatten 784 -> Linear 256 -> ReLU -> Linear 128 -> ReLU -> Linear 10; batch 128, 5 epochs. */
  W1(128, 5) {
    @Override
    public Module network() {
      return new Sequential(new Flatten(), new Linear(784, 256), new ReLU(), new Linear(256, 128),
          new ReLU(), new Linear(128, 10));
    }

    @Override
    public Tensor layout(Tensor images) {
      return images;
    }
  },
  /**
   * Conv2d(1->32, 3x3, pad 1) -> ReLU -> MaxPool 2 -> Conv2d(32->64, 3x3, pad 1) -> ReLU ->
   * MaxPool 2 -> flatten 3136 -> Linear 128 -> ReLU -> Linear 10; batch 64, 1 epoch.
   */
  W2(64, 1) {
    @Override
    public Module network() {
      return new Sequential(new Conv2d(1, 32, 3, 1, 1), new ReLU(), new MaxPool2d(2),
          new Conv2d(32, 64, 3, 1, 1), new ReLU(), new MaxPool2d(2), new Flatten(),
          new Linear(3136, 128), new ReLU(), new Linear(128, 10));
    }

    @Override
    public Tensor layout(Tensor images) {
      return images.unsqueeze(1);
    }
  },
  /** The 28 rows as a sequence of 28 features -> LSTM(128) -> last hidden state -> Linear 10; batch 128, 1 epoch. */
  W3(128, 1) {
    @Override
    public Module network() {
      return new LastHiddenClassifier(new LSTM(28, 128, 1, true, true, 0, false),
          new Linear(128, 10));
    }

    @Override
    public Tensor layout(Tensor images) {
      return images;
    }
  };

  private final int batchSize;
  private final int epochs;

  Workload(int batchSize, int epochs) {
    this.batchSize = batchSize;
    this.epochs = epochs;
  }

  /** A freshly initialized network. */
  public abstract Module network();

  /** The images (N, 28, 28) in the layout the network takes. */
  public abstract Tensor layout(Tensor images);

  /** The batch size. */
  public int batchSize() {
    return batchSize;
  }

  /** The number of epochs. */
  public int epochs() {
    return epochs;
  }

  /** An LSTM over the sequence followed by a linear layer on its last hidden state. */
  static final class LastHiddenClassifier extends Module {
    private final LSTM lstm;
    private final Linear head;

    LastHiddenClassifier(LSTM lstm, Linear head) {
      this.lstm = registerModule("lstm", lstm);
      this.head = registerModule("fc", head);
    }

    @Override
    public Tensor forward(Tensor input) {
      Tensor h = lstm.forward(input, null, null).hN();
      return head.forward(h.select(0, h.size(0) - 1));
    }
  }
}
