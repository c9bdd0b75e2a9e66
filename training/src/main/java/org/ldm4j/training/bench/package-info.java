/**
 * Benchmarks of whole models, run by {@code ldm4j bench} (core's op benchmark lives in
 * {@code org.ldm4j.core.bench}). Speed is measured here, never in tests.
 *
 * <pre>{@code
 * Map<String, Object> report = new AutoencoderBenchmark(AutoencoderBenchmark.Options.defaults(), System.err::println).run();
 * }</pre>
 */
package org.ldm4j.training.bench;
