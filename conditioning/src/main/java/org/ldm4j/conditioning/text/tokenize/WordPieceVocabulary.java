package org.ldm4j.conditioning.text.tokenize;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A WordPiece vocabulary: tokens in id order, as in a BERT {@code vocab.txt} (one token a line, id = line
 * number from 0). Word-initial pieces are plain ({@code "circ"}), pieces that continue a word carry the
 * {@code ##} prefix ({@code "##le"}).
 *
 * <p>{@link #build} makes one from a caption corpus, so that a text model can train with no download; see
 * {@link #build(List, int, BasicTokenizer, int)} for the method.
 *
 * <pre>{@code
 * WordPieceVocabulary vocab = WordPieceVocabulary.build(captions, 2000);
 * vocab.write(Path.of("vocab.txt"));                       // atomically
 * WordPieceVocabulary same = WordPieceVocabulary.read(Path.of("vocab.txt"));
 * int pad = same.id("[PAD]");                              // 0
 * }</pre>
 */
public final class WordPieceVocabulary {
    /** The padding token ({@code [PAD]}, id 0 in BERT's and in built vocabularies). */
    public static final String PAD = "[PAD]";
    /** The token of a word that WordPiece cannot split into known pieces. */
    public static final String UNK = "[UNK]";
    /** The start token, first in every sequence. */
    public static final String CLS = "[CLS]";
    /** The end token, last in every sequence. */
    public static final String SEP = "[SEP]";
    /** The masking token of masked language modelling (kept for compatibility; unused here). */
    public static final String MASK = "[MASK]";
    /** The specials in the order a built vocabulary gives them ids 0 to 4. */
    public static final List<String> SPECIALS = List.of(PAD, UNK, CLS, SEP, MASK);
    /** The prefix of a piece that continues a word. */
    public static final String CONTINUATION = "##";

    private final List<String> tokens;
    private final Map<String, Integer> ids;

    private WordPieceVocabulary(List<String> tokens, Map<String, Integer> ids) {
        this.tokens = tokens;
        this.ids = ids;
    }

    /**
     * A vocabulary of {@code tokens}, the id of each its index.
     *
     * @throws IllegalArgumentException if a token is empty, holds a line break, or appears twice
     */
    public static WordPieceVocabulary of(List<String> tokens) {
        Map<String, Integer> ids = new HashMap<>(tokens.size() * 2);
        for (int i = 0; i < tokens.size(); i++) {
            String problem = problem(tokens.get(i), i, ids);
            if (problem != null) {
                throw new IllegalArgumentException("tokens[" + i + "]: " + problem);
            }
            ids.put(tokens.get(i), i);
        }
        return new WordPieceVocabulary(List.copyOf(tokens), ids);
    }

    /**
     * Reads a {@code vocab.txt}: UTF-8, one token a line ("\n" or "\r\n"), the id of a token its line number
     * counted from 0.
     *
     * @throws IOException if the file cannot be read, is not UTF-8, or has an empty line or a repeated token
     *                     (the message names the file and the line)
     */
    public static WordPieceVocabulary read(Path file) throws IOException {
        List<String> lines = TextFiles.readLines(file);
        Map<String, Integer> ids = new HashMap<>(lines.size() * 2);
        for (int i = 0; i < lines.size(); i++) {
            String problem = problem(lines.get(i), i, ids);
            if (problem != null) {
                throw new IOException(file + " line " + (i + 1) + ": " + problem);
            }
            ids.put(lines.get(i), i);
        }
        if (lines.isEmpty()) {
            throw new IOException(file + ": expected one token a line, found an empty file");
        }
        return new WordPieceVocabulary(List.copyOf(lines), ids);
    }

    private static String problem(String token, int index, Map<String, Integer> seen) {
        if (token == null || token.isEmpty()) {
            return "expected a token, found an empty " + (token == null ? "entry (null)" : "line");
        }
        if (token.indexOf('\n') >= 0 || token.indexOf('\r') >= 0) {
            return "expected a token without line breaks, found \"" + token.strip() + "\"";
        }
        Integer first = seen.get(token);
        if (first != null) {
            return "expected each token once, found \"" + token + "\" again (first at id " + first + ", line "
                    + (first + 1) + ")";
        }
        return null;
    }

    /**
     * Builds a vocabulary of about {@code targetSize} tokens from a caption corpus with
     * {@link BasicTokenizer#uncased()} and a minimum pair frequency of 2; see
     * {@link #build(List, int, BasicTokenizer, int)}.
     */
    public static WordPieceVocabulary build(List<String> corpus, int targetSize) {
        return build(corpus, targetSize, BasicTokenizer.uncased(), 2);
    }

    /**
     * Builds a vocabulary from a caption corpus, deterministically (the same corpus and arguments give the same
     * file).
     *
     * <p>Method (the byte-pair-encoding style training that Hugging Face's WordPiece trainer also uses):
     * <ol>
     *   <li>split every caption into words with {@code basic}, the same basic tokenizer the vocabulary will be
     *       used with, and count the words;</li>
     *   <li>ids 0 to 4 are {@code [PAD] [UNK] [CLS] [SEP] [MASK]}; then every character of the corpus in code
     *       point order, then every character again with the {@code ##} prefix: so WordPiece can always fall back
     *       to single characters and never needs {@code [UNK]} on the corpus (except for words longer than 100
     *       characters, which WordPiece maps to {@code [UNK]} whole);</li>
     *   <li>write each word as its characters ({@code c ##i ##r ##c ##l ##e}) and repeatedly merge the adjacent
     *       pair that occurs most often in the corpus (word counts included) into one piece, adding the piece
     *       ({@code "ci"}, {@code "##rc"}...) to the vocabulary: frequent words become whole tokens, frequent
     *       stems and endings become pieces. Ties go to the pair whose left, then right, piece sorts first;</li>
     *   <li>stop at {@code targetSize} tokens, or when no pair occurs {@code minFrequency} times.</li>
     * </ol>
     * The result can be smaller than {@code targetSize} (a small corpus runs out of pairs) but never larger.
     *
     * @param corpus       captions; the strings themselves, not file names
     * @param targetSize   the largest vocabulary wanted; at least 5 + 2 × (distinct characters of the corpus)
     * @param basic        the basic tokenizer the vocabulary will be used with (case and accents must match)
     * @param minFrequency the least number of occurrences of a pair worth merging (at least 1)
     * @throws IllegalArgumentException if {@code targetSize} is too small for the specials and the characters,
     *                                  or {@code minFrequency < 1}
     */
    public static WordPieceVocabulary build(List<String> corpus, int targetSize, BasicTokenizer basic,
                                            int minFrequency) {
        return of(VocabularyBuilder.build(corpus, targetSize, basic, minFrequency));
    }

    /**
     * Writes this vocabulary as a {@code vocab.txt} (UTF-8, one token a line), atomically: to a temporary file in
     * the same folder, then renamed over {@code file}.
     */
    public void write(Path file) throws IOException {
        StringBuilder sb = new StringBuilder(tokens.size() * 8);
        for (String t : tokens) {
            sb.append(t).append('\n');
        }
        TextFiles.writeAtomically(file, sb.toString());
    }

    /** The number of tokens. */
    public int size() {
        return tokens.size();
    }

    /** The id of {@code token}, or -1 when it is not in the vocabulary. */
    public int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    /** Whether {@code token} is in the vocabulary. */
    public boolean contains(String token) {
        return ids.containsKey(token);
    }

    /**
     * The token of {@code id}.
     *
     * @throws IllegalArgumentException if {@code id} is outside {@code [0, size())}
     */
    public String token(int id) {
        if (id < 0 || id >= tokens.size()) {
            throw new IllegalArgumentException("id: expected an id in [0, " + tokens.size() + "), got " + id);
        }
        return tokens.get(id);
    }

    /** All tokens in id order (unmodifiable). */
    public List<String> tokens() {
        return tokens;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WordPieceVocabulary v && tokens.equals(v.tokens);
    }

    @Override
    public int hashCode() {
        return tokens.hashCode();
    }

    @Override
    public String toString() {
        return "WordPieceVocabulary[size=" + tokens.size() + "]";
    }
}
