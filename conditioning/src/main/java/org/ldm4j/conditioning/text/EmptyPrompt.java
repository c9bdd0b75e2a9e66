package org.ldm4j.conditioning.text;

import java.util.List;
import org.ldm4j.core.tensor.Tensor;

/**
 * The token ids of the empty caption, which the reference encodes as the unconditional input of
 * classifier-free guidance ({@code model.get_learned_conditioning(batch_size * [""])}): the tokenizer's start
 * and end tokens, then padding up to the sequence length.
 *
 * <pre>{@code
 * EmptyPrompt.bert().ids(2, 77);     // [[101, 102, 0, 0, ...], [101, 102, 0, ...]]   int64 [2, 77]
 * EmptyPrompt.clip().ids(1, 77);     // [[49406, 49407, 49407, ...]]  (SD 1.x pads with <|endoftext|>)
 * EmptyPrompt.of(0).ids(1, 4);       // [[0, 0, 0, 0]]
 * }</pre>
 *
 * @param tokens the leading token ids (may be empty)
 * @param pad    the padding id that fills the rest
 */
public record EmptyPrompt(List<Long> tokens, long pad) {

    /** Checks the ids (non-negative) and copies the list. */
    public EmptyPrompt {
        tokens = List.copyOf(tokens);
        for (long t : tokens) {
            if (t < 0) {
                throw new IllegalArgumentException("tokens: expected non-negative ids, got " + tokens);
            }
        }
        if (pad < 0) {
            throw new IllegalArgumentException("pad: expected a non-negative id, got " + pad);
        }
    }

    /** {@code tokens} followed by {@code pad}. */
    public static EmptyPrompt of(long pad, long... tokens) {
        Long[] boxed = new Long[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            boxed[i] = tokens[i];
        }
        return new EmptyPrompt(List.of(boxed), pad);
    }

    /**
     * A tokenizer's empty caption from int ids, e.g. {@code EmptyPrompt.ofIds(tok.padId(), tok.encode(""))}.
     */
    public static EmptyPrompt ofIds(int pad, int[] tokens) {
        long[] v = new long[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            v[i] = tokens[i];
        }
        return of(pad, v);
    }

    /** bert-base-uncased, as the reference's {@code BERTTokenizer}: [CLS] 101, [SEP] 102, [PAD] 0. */
    public static EmptyPrompt bert() {
        return of(0, 101, 102);
    }

    /** CLIP's tokenizer as Stable Diffusion 1.x uses it: start 49406, end 49407, padded with end 49407. */
    public static EmptyPrompt clip() {
        return of(49407, 49406, 49407);
    }

    /** The largest id used (to check it against a vocabulary). */
    public long maxId() {
        long m = pad;
        for (long t : tokens) {
            m = Math.max(m, t);
        }
        return m;
    }

    /** int64 [batch, length]: every row the leading tokens then padding. */
    public Tensor ids(long batch, long length) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch: expected a positive batch size, got " + batch);
        }
        if (length < tokens.size()) {
            throw new IllegalArgumentException("length: expected at least " + tokens.size() + " positions for the "
                    + "empty prompt " + tokens + ", got " + length);
        }
        long[] v = new long[Math.toIntExact(batch * length)];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < length; i++) {
                v[(int) (b * length + i)] = i < tokens.size() ? tokens.get(i) : pad;
            }
        }
        return Tensor.of(v, batch, length);
    }
}
