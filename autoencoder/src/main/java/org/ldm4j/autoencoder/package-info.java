/**
 * The first stage: KL- and VQ-regularized autoencoders (perceptual compression), LPIPS and the patch-GAN losses. Arrives with the autoencoder issue.
 *
 * <p>Builds on {@code org.ldm4j.core}; never imports ND4J.
 */
package org.ldm4j.autoencoder;
