/**
 * The time-conditioned U-Net with cross-attention (SpatialTransformer), the paper's denoiser. Arrives with the unet issue.
 *
 * <p>Builds on {@code org.ldm4j.core}; never imports ND4J.
 */
package org.ldm4j.unet;
