/**
 * Layout conditioning, as the paper's layout-to-image model: bounding boxes with class labels turned into a
 * token sequence (class token plus quantised box corners; {@link org.ldm4j.conditioning.layout.LayoutTokenizer}
 * documents the schemes) and embedded by the reference's token transformer into [B, N, D].
 *
 * <pre>{@code
 * LayoutTokenizer tok = LayoutTokenizer.separateCoordinates(10, 4, 16);      // 10 classes, 4 objects, 16 bins
 * LayoutEncoder enc = new LayoutEncoder(tok, TransformerEmbedderConfig.of(64, 2, tok.vocabSize(), 20), rng);
 * Tensor c = enc.encode(List.of(Layout.of(new Box(3, 0.1, 0.1, 0.6, 0.8))));   // [1, 20, 64]
 * }</pre>
 */
package org.ldm4j.conditioning.layout;
