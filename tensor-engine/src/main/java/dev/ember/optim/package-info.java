/**
 * Optimizers, learning-rate schedulers and gradient clipping, like {@code torch.optim}, {@code
 * torch.optim.lr_scheduler} and {@code torch.nn.utils.clip_grad_*} (PyTorch 1.13 semantics,
 * defaults and state-dict layout).
 *
 * <p>Optimizers ({@link dev.ember.optim.SGD}, {@link dev.ember.optim.Adam}, {@link
 * dev.ember.optim.AdamW}, {@link dev.ember.optim.RMSprop}, {@link dev.ember.optim.Adagrad}) update
 * parameters in place through one fused backend primitive per parameter ({@link
 * dev.ember.backend.Backend#optimizerUpdate}). Schedulers change the {@code lr} of the optimizer's
 * {@link dev.ember.optim.ParamGroup}s; {@link dev.ember.optim.GradClip} rescales gradients
 * between {@code backward()} and {@code step()}.
 */
package dev.ember.optim;
