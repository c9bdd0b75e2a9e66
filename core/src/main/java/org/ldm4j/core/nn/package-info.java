/**
 * Neural-network building blocks: {@link org.ldm4j.core.nn.Module} (explicitly registered parameters, buffers
 * and children with PyTorch's state-dict keys, strict or lenient loading with a
 * {@link org.ldm4j.core.nn.LoadReport}, train/eval, freeze, dtype conversion), the layers the paper's models
 * use with PyTorch's defaults ({@link org.ldm4j.core.nn.Linear}, {@link org.ldm4j.core.nn.Conv2d},
 * {@link org.ldm4j.core.nn.Conv1d}, {@link org.ldm4j.core.nn.GroupNorm}, {@link org.ldm4j.core.nn.LayerNorm},
 * {@link org.ldm4j.core.nn.BatchNorm2d}, {@link org.ldm4j.core.nn.Embedding}, {@link org.ldm4j.core.nn.Dropout},
 * activations), the containers {@link org.ldm4j.core.nn.Sequential} and {@link org.ldm4j.core.nn.ModuleList},
 * and {@link org.ldm4j.core.nn.F}, the stateless functions.
 *
 * <pre>{@code
 * Sequential timeEmbed = new Sequential(
 *         new Linear(32, 128, true, rng), new SiLU(), new Linear(128, 128, true, rng));
 * timeEmbed.load(checkpoint, true);                       // keys 0.weight, 0.bias, 2.weight, 2.bias
 * Optimizer opt = AdamW.builder(timeEmbed.namedParameters()).lr(1e-4).build();
 * }</pre>
 */
package org.ldm4j.core.nn;
