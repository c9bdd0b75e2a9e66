package org.ldm4j.conditioning.text.tokenize;

import java.util.ArrayList;
import java.util.List;

/**
 * Text to token ids and back, as a text encoder's embedding table expects them.
 *
 * <p>{@link #encode(String)} returns the ids framed by the model's start and end tokens ({@code [CLS] ... [SEP]}
 * for BERT, {@code <|startoftext|> ... <|endoftext|>} for CLIP), neither truncated nor padded.
 * {@link #encode(List, int)} makes the fixed-length batch a model consumes: each sequence cut to
 * {@code maxLength} keeping its end token, then filled with {@link #padId()}. Implementations are immutable and
 * safe to share between threads.
 *
 * <pre>{@code
 * Tokenizer tok = WordPieceTokenizer.load(Path.of("vocab.txt"), BasicTokenizer.uncased());
 * int[] ids = tok.encode("a small red circle");          // [CLS] a small red circle [SEP]
 * TokenBatch batch = tok.encode(List.of("a red circle", "a blue square"), 77);
 * Tensor tokens = batch.ids();                          // int64 (2, 77), padded with tok.padId()
 * String text = tok.decode(ids);                        // "a small red circle"
 * }</pre>
 */
public interface Tokenizer {

    /** The ids of {@code text} with the start and end tokens, unpadded and untruncated. */
    int[] encode(String text);

    /**
     * The batch of {@code texts}, each encoded by {@link #encode(String)}, truncated to {@code maxLength} ids
     * (the first {@code maxLength - 1}, then the end token: Hugging Face's {@code truncation=True}) and padded
     * with {@link #padId()} to exactly {@code maxLength} ({@code padding="max_length"}).
     *
     * @throws IllegalArgumentException if {@code texts} is empty or holds null, or {@code maxLength < 2}
     */
    default TokenBatch encode(List<String> texts, int maxLength) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("texts: expected at least one text, got an empty list");
        }
        List<int[]> sequences = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            if (text == null) {
                throw new IllegalArgumentException("texts[" + i + "]: expected a string, got null");
            }
            sequences.add(encode(text));
        }
        return TokenBatch.pack(sequences, maxLength, padId());
    }

    /**
     * The text of {@code ids}, without the start, end and padding tokens. It is the tokenizer's normalised view
     * of the text (lower-cased, with spaces where the tokenizer split words), not always the original string.
     *
     * @throws IllegalArgumentException if an id is outside {@code [0, vocabSize())} or not in the vocabulary
     */
    String decode(int[] ids);

    /** The number of ids: one more than the largest id {@link #encode} can return. */
    int vocabSize();

    /** The id that {@link #encode(List, int)} pads with. */
    int padId();
}
