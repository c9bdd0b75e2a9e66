package org.ldm4j.conditioning.text.tokenize;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * BERT's tokenizer: {@link BasicTokenizer} then greedy longest-match-first WordPiece, framed as
 * {@code [CLS] ... [SEP]} and padded with {@code [PAD]}, as LDM's {@code BERTTokenizer} uses Hugging Face's
 * {@code BertTokenizerFast} ({@code bert-base-uncased}, {@code max_length=77}, {@code padding="max_length"},
 * {@code truncation=True}).
 *
 * <p>WordPiece splits each word from the left: the longest prefix in the vocabulary, then the longest
 * {@code ##}-prefixed continuation of the rest, and so on. A word with a part no piece matches, or longer than
 * {@value #MAX_INPUT_CHARS_PER_WORD} characters, becomes one {@code [UNK]}. Special tokens written in the text
 * ({@code "[MASK]"}, exact case) are kept whole, as Hugging Face does.
 *
 * <pre>{@code
 * WordPieceTokenizer tok = WordPieceTokenizer.load(Path.of("vocab.txt"), BasicTokenizer.uncased());
 * tok.tokenize("Unaffable circles!");        // [un, ##aff, ##able, circles, !]
 * int[] ids = tok.encode("a red circle");    // [CLS] a red circle [SEP]
 * tok.decode(ids);                           // "a red circle"
 * }</pre>
 */
public final class WordPieceTokenizer implements Tokenizer {
    /** Words longer than this (in code points) become {@code [UNK]} whole ({@code max_input_chars_per_word}). */
    public static final int MAX_INPUT_CHARS_PER_WORD = 100;
    /** LDM's text-to-image models use sequences of 77 tokens, as CLIP does. */
    public static final int LDM_MAX_LENGTH = 77;

    private final WordPieceVocabulary vocab;
    private final BasicTokenizer basic;
    private final int padId;
    private final int unkId;
    private final int clsId;
    private final int sepId;
    private final List<String> specials;   // in the vocabulary, kept whole when written in the text

    private WordPieceTokenizer(WordPieceVocabulary vocab, BasicTokenizer basic) {
        this.vocab = vocab;
        this.basic = basic;
        this.padId = vocab.id(WordPieceVocabulary.PAD);
        this.unkId = vocab.id(WordPieceVocabulary.UNK);
        this.clsId = vocab.id(WordPieceVocabulary.CLS);
        this.sepId = vocab.id(WordPieceVocabulary.SEP);
        this.specials = WordPieceVocabulary.SPECIALS.stream().filter(vocab::contains).toList();
    }

    /**
     * A tokenizer over {@code vocab}, splitting words with {@code basic}.
     *
     * @throws IllegalArgumentException if the vocabulary lacks {@code [PAD]}, {@code [UNK]}, {@code [CLS]} or
     *                                  {@code [SEP]}
     */
    public static WordPieceTokenizer of(WordPieceVocabulary vocab, BasicTokenizer basic) {
        String missing = missingSpecial(vocab);
        if (missing != null) {
            throw new IllegalArgumentException("vocab: expected the special token " + missing + ", found none in "
                    + vocab.size() + " tokens");
        }
        return new WordPieceTokenizer(vocab, basic);
    }

    /**
     * Reads a BERT {@code vocab.txt} (see {@link WordPieceVocabulary#read}) and makes a tokenizer of it.
     *
     * @throws IOException if the file is malformed (naming the file and line) or lacks a special token
     */
    public static WordPieceTokenizer load(Path vocabTxt, BasicTokenizer basic) throws IOException {
        WordPieceVocabulary vocab = WordPieceVocabulary.read(vocabTxt);
        String missing = missingSpecial(vocab);
        if (missing != null) {
            throw new IOException(vocabTxt + ": expected the special token " + missing + " on a line of its own, "
                    + "found none in " + vocab.size() + " lines");
        }
        return new WordPieceTokenizer(vocab, basic);
    }

    private static String missingSpecial(WordPieceVocabulary vocab) {
        for (String s : List.of(WordPieceVocabulary.PAD, WordPieceVocabulary.UNK, WordPieceVocabulary.CLS,
                WordPieceVocabulary.SEP)) {
            if (!vocab.contains(s)) {
                return s;
            }
        }
        return null;
    }

    /** The WordPiece tokens of {@code text}, without {@code [CLS]} and {@code [SEP]}. */
    public List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        while (start <= text.length()) {
            int[] hit = nextSpecial(text, start);           // {position, index in specials} or null
            int end = hit == null ? text.length() : hit[0];
            for (String word : basic.tokenize(text.substring(start, end))) {
                wordPiece(word, out);
            }
            if (hit == null) {
                break;
            }
            String special = specials.get(hit[1]);
            out.add(special);
            start = end + special.length();
        }
        return out;
    }

    private int[] nextSpecial(String text, int from) {
        int[] best = null;
        for (int s = 0; s < specials.size(); s++) {
            int at = text.indexOf(specials.get(s), from);
            if (at >= 0 && (best == null || at < best[0])) {
                best = new int[] {at, s};
            }
        }
        return best;
    }

    /** Greedy longest-match-first WordPiece of one word; appends its pieces, or [UNK] for the whole word. */
    private void wordPiece(String word, List<String> out) {
        int[] cps = word.codePoints().toArray();
        if (cps.length > MAX_INPUT_CHARS_PER_WORD) {
            out.add(WordPieceVocabulary.UNK);
            return;
        }
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < cps.length) {
            String found = null;
            int end = cps.length;
            for (; end > start; end--) {
                String sub = new String(cps, start, end - start);
                String piece = start > 0 ? WordPieceVocabulary.CONTINUATION + sub : sub;
                if (vocab.contains(piece)) {
                    found = piece;
                    break;
                }
            }
            if (found == null) {
                out.add(WordPieceVocabulary.UNK);         // one unknown part makes the whole word unknown
                return;
            }
            pieces.add(found);
            start = end;
        }
        out.addAll(pieces);
    }

    /** {@code [CLS]}, the ids of {@link #tokenize(String)}, {@code [SEP]}. */
    @Override
    public int[] encode(String text) {
        List<String> tokens = tokenize(text);
        int[] ids = new int[tokens.size() + 2];
        ids[0] = clsId;
        for (int i = 0; i < tokens.size(); i++) {
            ids[i + 1] = vocab.id(tokens.get(i));
        }
        ids[ids.length - 1] = sepId;
        return ids;
    }

    /**
     * The tokens of {@code ids} joined by spaces, with each {@code ##} continuation glued to the piece before it,
     * skipping {@code [CLS]}, {@code [SEP]} and {@code [PAD]} ({@code [UNK]} and {@code [MASK]} stay). Hugging
     * Face's optional clean-up of spaces before punctuation is not applied: "a red circle !" stays as it is.
     */
    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= vocab.size()) {
                throw new IllegalArgumentException("ids[" + i + "]: expected an id in [0, " + vocab.size()
                        + "), got " + id);
            }
            if (id == clsId || id == sepId || id == padId) {
                continue;
            }
            String token = vocab.token(id);
            if (token.startsWith(WordPieceVocabulary.CONTINUATION) && sb.length() > 0) {
                sb.append(token, WordPieceVocabulary.CONTINUATION.length(), token.length());
            } else {
                if (sb.length() > 0) {
                    sb.append(' ');
                }
                sb.append(token);
            }
        }
        return sb.toString();
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    /** The id of {@code [PAD]}. */
    @Override
    public int padId() {
        return padId;
    }

    /** The id of {@code [UNK]}. */
    public int unkId() {
        return unkId;
    }

    /** The id of {@code [CLS]}, the first of every sequence. */
    public int clsId() {
        return clsId;
    }

    /** The id of {@code [SEP]}, the last real id of every sequence. */
    public int sepId() {
        return sepId;
    }

    /** The vocabulary. */
    public WordPieceVocabulary vocabulary() {
        return vocab;
    }

    /** The basic tokenizer that splits words before WordPiece. */
    public BasicTokenizer basicTokenizer() {
        return basic;
    }

    @Override
    public String toString() {
        return "WordPieceTokenizer[vocab=" + vocab.size() + ", " + basic + "]";
    }
}
