/**
 * Noise schedules, the forward process, losses, samplers and classifier-free guidance. Arrives with the diffusion issue.
 *
 * <p>Builds on {@code org.ldm4j.core}; never imports ND4J.
 */
package org.ldm4j.diffusion;
