/**
 * Reverse-mode automatic differentiation: the primitive ops, each with its forward computation on ND4J arrays
 * and its backward rule ({@link org.ldm4j.core.autograd.Arithmetic}, {@link org.ldm4j.core.autograd.Activations},
 * {@link org.ldm4j.core.autograd.Reductions}, {@link org.ldm4j.core.autograd.ShapeOps},
 * {@link org.ldm4j.core.autograd.LinearAlgebra}, {@link org.ldm4j.core.autograd.Convolutions},
 * {@link org.ldm4j.core.autograd.Normalizations}, {@link org.ldm4j.core.autograd.Attention},
 * {@link org.ldm4j.core.autograd.Indexing}, {@link org.ldm4j.core.autograd.Losses},
 * {@link org.ldm4j.core.autograd.RandomOps}), the graph ({@link org.ldm4j.core.autograd.Node}), the backward
 * pass ({@link org.ldm4j.core.autograd.Autograd}) and no-grad scopes ({@link org.ldm4j.core.autograd.GradMode}).
 *
 * <p>Every op is checked against finite differences in double precision by the tests. An op's output either owns
 * fresh memory or is a view of one of its inputs; temporaries are freed before the op returns, and what an op
 * saves for backward is freed after its backward runs or when its memory scope closes.
 *
 * <pre>{@code
 * Tensor loss = Losses.mse(Convolutions.conv2d(x, w, b, 1, 1), target, Losses.Reduction.MEAN);
 * loss.backward();
 * }</pre>
 */
package org.ldm4j.core.autograd;
