package org.ldm4j.conditioning.text.tokenize;

import java.util.Arrays;
import java.util.List;
import org.ldm4j.core.tensor.Tensor;

/**
 * A fixed-length batch of token ids, as {@link Tokenizer#encode(List, int)} makes it: {@code size()} rows of
 * exactly {@code maxLength()} ids, each row its text's ids (truncated keeping the end token) followed by padding,
 * and the number of real (non-padding) ids of each row. The ids are held as plain Java arrays: {@link #ids()} and
 * {@link #attentionMask()} make tensors on demand, in the current memory scope.
 *
 * <pre>{@code
 * TokenBatch batch = tokenizer.encode(List.of("a red circle", "a blue square at the top"), 77);
 * Tensor ids = batch.ids();                      // int64 (2, 77)
 * Tensor mask = batch.attentionMask();           // int64 (2, 77): 1 for real tokens, 0 for padding
 * int n = batch.length(0);                       // 5: [CLS] a red circle [SEP]
 * }</pre>
 */
public final class TokenBatch {
    private final int size;
    private final int maxLength;
    private final long[] ids;       // (size, maxLength), row-major
    private final int[] lengths;    // real ids per row, start and end tokens included
    private final int[] truncated;  // ids cut per row

    private TokenBatch(int size, int maxLength, long[] ids, int[] lengths, int[] truncated) {
        this.size = size;
        this.maxLength = maxLength;
        this.ids = ids;
        this.lengths = lengths;
        this.truncated = truncated;
    }

    /**
     * Packs framed sequences (start token first, end token last) into a batch: each cut to its first
     * {@code maxLength - 1} ids plus its end token when longer, then padded with {@code padId}.
     *
     * @throws IllegalArgumentException if {@code maxLength < 2}, or a sequence has fewer than 2 ids
     */
    public static TokenBatch pack(List<int[]> sequences, int maxLength, int padId) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength: expected at least 2 (the start and end tokens), got "
                    + maxLength);
        }
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("sequences: expected at least one sequence, got an empty list");
        }
        int b = sequences.size();
        long[] ids = new long[Math.multiplyExact(b, maxLength)];
        Arrays.fill(ids, padId);
        int[] lengths = new int[b];
        int[] truncated = new int[b];
        for (int i = 0; i < b; i++) {
            int[] seq = sequences.get(i);
            if (seq.length < 2) {
                throw new IllegalArgumentException("sequences[" + i + "]: expected at least 2 ids (the start and end"
                        + " tokens), got " + seq.length);
            }
            int n = Math.min(seq.length, maxLength);
            int row = i * maxLength;
            for (int j = 0; j < n - 1; j++) {
                ids[row + j] = seq[j];
            }
            ids[row + n - 1] = seq[seq.length - 1];   // the end token survives truncation
            lengths[i] = n;
            truncated[i] = seq.length - n;
        }
        return new TokenBatch(b, maxLength, ids, lengths, truncated);
    }

    /** The number of rows (texts). */
    public int size() {
        return size;
    }

    /** The length of every row. */
    public int maxLength() {
        return maxLength;
    }

    /** The ids as an int64 tensor (size, maxLength), in the current memory scope. */
    public Tensor ids() {
        return Tensor.of(ids, size, maxLength);
    }

    /** The attention mask as an int64 tensor (size, maxLength): 1 where {@code j < length(i)}, 0 on padding. */
    public Tensor attentionMask() {
        long[] mask = new long[ids.length];
        for (int i = 0; i < size; i++) {
            Arrays.fill(mask, i * maxLength, i * maxLength + lengths[i], 1L);
        }
        return Tensor.of(mask, size, maxLength);
    }

    /** Row {@code i}: its {@code maxLength()} ids, padding included. */
    public int[] row(int i) {
        checkRow(i);
        int[] r = new int[maxLength];
        for (int j = 0; j < maxLength; j++) {
            r[j] = (int) ids[i * maxLength + j];
        }
        return r;
    }

    /** The ids of all rows, row-major (a copy). */
    public long[] flatIds() {
        return ids.clone();
    }

    /**
     * The number of real ids of row {@code i}, start and end tokens included: its end token sits at
     * {@code length(i) - 1} (which CLIP's pooling needs when the padding is the end token itself).
     */
    public int length(int i) {
        checkRow(i);
        return lengths[i];
    }

    /** {@link #length(int)} of every row (a copy). */
    public int[] lengths() {
        return lengths.clone();
    }

    /** How many ids of row {@code i}'s text truncation dropped (0 when it fit). */
    public int truncated(int i) {
        checkRow(i);
        return truncated[i];
    }

    private void checkRow(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("row: expected an index in [0, " + size + "), got " + i);
        }
    }

    @Override
    public String toString() {
        return "TokenBatch[size=" + size + ", maxLength=" + maxLength + ", lengths=" + Arrays.toString(lengths) + "]";
    }
}
