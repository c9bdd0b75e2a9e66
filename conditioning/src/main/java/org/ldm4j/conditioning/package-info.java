/**
 * Class, text, layout and spatial conditioning encoders. Arrives with the conditioning issue.
 *
 * <p>Builds on {@code org.ldm4j.core}; never imports ND4J.
 */
package org.ldm4j.conditioning;
