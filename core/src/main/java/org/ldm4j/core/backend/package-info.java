/**
 * The array backend: which ND4J library runs (CPU with oneDNN, or CUDA), and how the process is tuned for it
 * (allocator, BLAS kernels). Nothing outside this package asks which backend runs.
 *
 * <pre>{@code
 * System.out.println(Backend.describe());
 * }</pre>
 */
package org.ldm4j.core.backend;
