/**
 * Tensors: {@link org.ldm4j.core.tensor.Tensor} (an n-dimensional array with its place in the autograd graph),
 * {@link org.ldm4j.core.tensor.DType}, shape checks ({@link org.ldm4j.core.tensor.Shapes}) and
 * {@link org.ldm4j.core.tensor.MemoryScope}, which frees a step's off-heap arrays when it closes.
 *
 * <pre>{@code
 * try (MemoryScope scope = MemoryScope.open()) {
 *     Tensor y = x.matmul(w).add(b).silu();
 *     result = scope.keep(y);            // survives the scope; everything else made here is freed
 * }
 * }</pre>
 */
package org.ldm4j.core.tensor;
