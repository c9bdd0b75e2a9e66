/**
 * Optimizers, gradient clipping and learning-rate schedules, with PyTorch's update rules.
 *
 * <p>{@link org.ldm4j.core.optim.AdamW}, {@link org.ldm4j.core.optim.Adam} and {@link org.ldm4j.core.optim.Sgd}
 * update named parameters in place from their gradients and keep their state by parameter name, so that a
 * checkpoint's {@link org.ldm4j.core.optim.Optimizer#stateDict() state dict} loads by name.
 * {@link org.ldm4j.core.optim.GradClip} clips the global gradient norm; {@link org.ldm4j.core.optim.LrSchedule}
 * gives the learning rate per step.
 *
 * <pre>{@code
 * AdamW opt = AdamW.builder(params).lr(1e-4).build();
 * LrSchedule schedule = LrSchedule.linearWarmup(1e-4, 10_000);
 * opt.zeroGrad();
 * loss.backward();
 * GradClip.clipGlobalNorm(opt.params().values(), 1.0);
 * schedule.applyTo(opt);
 * opt.step();
 * }</pre>
 */
package org.ldm4j.core.optim;
