/**
 * Seeded, splittable, counter-based random numbers ({@link org.ldm4j.core.random.Rng}); nothing in ldm4j uses
 * ND4J's global generator.
 *
 * <pre>{@code
 * Rng rng = new Rng(42);
 * Tensor noise = rng.normal(4, 4, 64, 64);
 * }</pre>
 */
package org.ldm4j.core.random;
