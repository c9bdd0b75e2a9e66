/**
 * Benchmarks of core's ops, run by the command line ({@code ldm4j bench ops}).
 *
 * <p>{@link org.ldm4j.core.bench.OpsBenchmark} measures raw ND4J kernels and the same work through our
 * autograd side by side in one run, with interleaved repetitions, and returns a report as nested maps for the
 * CLI to print as JSON. Timings are never asserted in tests: on a shared 2-core machine they are noisy; read
 * the ratios.
 *
 * <pre>{@code
 * Map<String, Object> report = new OpsBenchmark(OpsBenchmark.Options.quickRun(), System.err::println).run();
 * }</pre>
 */
package org.ldm4j.core.bench;
