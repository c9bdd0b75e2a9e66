/**
 * Tokenizers of the text conditioning: text to the token ids a text encoder embeds, and back.
 *
 * <ul>
 *   <li>{@link org.ldm4j.conditioning.text.tokenize.WordPieceTokenizer}: BERT's uncased WordPiece, as LDM's
 *       text-to-image model tokenizes captions ({@code [CLS] ... [SEP]}, {@code [PAD]}, 77 tokens), reading a
 *       standard {@code vocab.txt}; {@link org.ldm4j.conditioning.text.tokenize.WordPieceVocabulary#build}
 *       makes a vocabulary from a caption corpus, so that text models train with no download.</li>
 *   <li>{@link org.ldm4j.conditioning.text.tokenize.ClipTokenizer}: CLIP's byte-level BPE, as Stable
 *       Diffusion 1.x tokenizes prompts, reading {@code vocab.json} and {@code merges.txt}.</li>
 * </ul>
 * Both implement {@link org.ldm4j.conditioning.text.tokenize.Tokenizer}, whose batches
 * ({@link org.ldm4j.conditioning.text.tokenize.TokenBatch}) are int64 tensors {@code (B, maxLength)}. Pure Java:
 * no native tokenizer library.
 *
 * <pre>{@code
 * WordPieceVocabulary vocab = WordPieceVocabulary.build(captions, 1000);
 * Tokenizer tok = WordPieceTokenizer.of(vocab, BasicTokenizer.uncased());
 * Tensor ids = tok.encode(List.of("a small red circle at the top left"), 77).ids();   // int64 (1, 77)
 * }</pre>
 */
package org.ldm4j.conditioning.text.tokenize;
