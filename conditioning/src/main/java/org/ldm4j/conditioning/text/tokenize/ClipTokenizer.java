package org.ldm4j.conditioning.text.tokenize;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP's byte-level BPE tokenizer, as Stable Diffusion 1.x uses it (openai/CLIP's {@code SimpleTokenizer},
 * Hugging Face's {@code CLIPTokenizer} with {@code openai/clip-vit-large-patch14}'s {@code vocab.json} and
 * {@code merges.txt}).
 *
 * <p>Encoding: (1) clean the text (see {@link #clean}); (2) split it into pre-tokens with CLIP's pattern
 * {@code <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+}: runs of
 * letters, single digits, runs of other non-space characters, and English contractions; (3) write each
 * pre-token's UTF-8 bytes as characters ({@code bytes_to_unicode}) and mark its last symbol with {@code </w>};
 * (4) merge adjacent symbols by merge rank ({@code merges.txt}, first line first) until no pair is a merge;
 * (5) look the pieces up in {@code vocab.json}; (6) frame with {@code <|startoftext|>} and {@code <|endoftext|>}.
 *
 * <p>Batches follow Stable Diffusion ({@code padding="max_length"}, {@code truncation=True}, 77 tokens): a long
 * text keeps its first 75 pieces and its end token; padding is the end token ({@link Padding#END_OF_TEXT}, as
 * SD's tokenizer config sets {@code pad_token}) or id 0 ({@link Padding#ZERO}, as openai/CLIP's
 * {@code clip.tokenize} pads).
 *
 * <pre>{@code
 * ClipTokenizer tok = ClipTokenizer.load(Path.of("vocab.json"), Path.of("merges.txt"));
 * tok.tokenize("A photo of a cat");    // [a</w>, photo</w>, of</w>, a</w>, cat</w>]
 * TokenBatch b = tok.encode(List.of("a photo of a cat"), ClipTokenizer.CONTEXT_LENGTH);
 * // row 0: 49406 320 1125 539 320 2368 49407 49407 ... 49407 (77 ids)
 * }</pre>
 */
public final class ClipTokenizer implements Tokenizer {
    /** The start token, first in every sequence. */
    public static final String START_OF_TEXT = "<|startoftext|>";
    /** The end token, last real token of every sequence (and SD's padding). */
    public static final String END_OF_TEXT = "<|endoftext|>";
    /** CLIP's context length, which Stable Diffusion pads and truncates to. */
    public static final int CONTEXT_LENGTH = 77;

    /** What pads a batch row after its end token. */
    public enum Padding {
        /** The end token's id: Hugging Face's CLIP tokenizer for Stable Diffusion ({@code pad_token}). */
        END_OF_TEXT,
        /** Id 0: openai/CLIP's {@code clip.tokenize}. */
        ZERO
    }

    // CLIP's pre-token pattern; the text is lower-case already, so only the literal alternatives need CLIP's
    // IGNORECASE (Unicode case folding matches "'ſ" to "'s" as the reference's regex does)
    private static final Pattern PRE_TOKEN = Pattern.compile(
            "(?iu:<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d)"
                    + "|\\p{L}+|\\p{N}|[^\\p{IsWhite_Space}\\p{L}\\p{N}]+");
    private static final Pattern WHITESPACE = Pattern.compile("\\p{IsWhite_Space}+");

    private final Map<String, Integer> vocab;
    private final String[] tokens;           // id -> token, null where no token has the id
    private final BytePairEncoder bpe;
    private final int startId;
    private final int endId;
    private final Padding padding;

    private ClipTokenizer(Map<String, Integer> vocab, String[] tokens, BytePairEncoder bpe, Padding padding) {
        this.vocab = vocab;
        this.tokens = tokens;
        this.bpe = bpe;
        this.startId = vocab.get(START_OF_TEXT);
        this.endId = vocab.get(END_OF_TEXT);
        this.padding = padding;
    }

    /** {@link #load(Path, Path, Padding)} with Stable Diffusion's padding, {@link Padding#END_OF_TEXT}. */
    public static ClipTokenizer load(Path vocabJson, Path mergesTxt) throws IOException {
        return load(vocabJson, mergesTxt, Padding.END_OF_TEXT);
    }

    /**
     * Reads {@code vocab.json} (token to id) and {@code merges.txt} (a version header line, then one merge
     * "left right" a line in rank order).
     *
     * @throws IOException if a file cannot be read or is malformed (the message names the file and the line or
     *                     token): not UTF-8, not a JSON object of distinct non-negative ids, no version header,
     *                     a line that is not two symbols, a repeated merge, a merge whose result is not in the
     *                     vocabulary, or no {@code <|startoftext|>} / {@code <|endoftext|>} token
     */
    public static ClipTokenizer load(Path vocabJson, Path mergesTxt, Padding padding) throws IOException {
        Map<String, Integer> vocab = ClipFiles.readVocab(vocabJson);
        for (String special : List.of(START_OF_TEXT, END_OF_TEXT)) {
            if (!vocab.containsKey(special)) {
                throw new IOException(vocabJson + ": expected the special token " + special + ", found none in "
                        + vocab.size() + " tokens");
            }
        }
        Map<String, Integer> ranks = ClipFiles.readMerges(mergesTxt, vocab);
        int size = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        String[] tokens = new String[size];
        vocab.forEach((token, id) -> tokens[id] = token);
        return new ClipTokenizer(Map.copyOf(vocab), tokens, new BytePairEncoder(ranks), padding);
    }

    /** This tokenizer with other padding (the files are shared, not read again). */
    public ClipTokenizer withPadding(Padding other) {
        return other == padding ? this : new ClipTokenizer(vocab, tokens, bpe, other);
    }

    /**
     * CLIP's text cleaning, as far as it goes without ftfy: NFC normalisation (as {@code ftfy.fix_text} does),
     * whitespace runs (Unicode White_Space) collapsed to one space, stripped at both ends, then lower-cased.
     *
     * <p>Not done, unlike the reference's {@code basic_clean}: ftfy's other fixes (mojibake such as "cafÃ©"
     * repaired to "café", curly quotes ’ “ ” straightened, ligatures such as "ﬁ" and full-width letters
     * expanded, terminal escapes and control characters removed) and HTML unescaping ("&amp;" stays "&amp;"
     * rather than "&"). Plain captions (ASCII, or accented letters in normal form) tokenize exactly as the
     * reference tokenizes them; texts with these features can differ.
     */
    public static String clean(String text) {
        String t = CodePoints.pythonStrip(Normalizer.normalize(text, Normalizer.Form.NFC));
        t = CodePoints.pythonStrip(WHITESPACE.matcher(t).replaceAll(" "));
        return CodePoints.pythonLower(t);
    }

    /** The pre-tokens of CLIP's pattern in {@link #clean clean} {@code text}: "a cat's 12" to [a, cat, 's, 1, 2]. */
    public static List<String> preTokenize(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = PRE_TOKEN.matcher(clean(text));
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** The BPE pieces of {@code text} as vocabulary tokens ({@code "cat</w>"}), without start and end tokens. */
    public List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        for (String pre : preTokenize(text)) {
            if (pre.equals(START_OF_TEXT) || pre.equals(END_OF_TEXT)) {
                out.add(pre);                               // written in the text: the special token itself
            } else {
                out.addAll(bpe.pieces(ByteLevel.encode(pre)));
            }
        }
        return out;
    }

    /**
     * {@code <|startoftext|>}, the ids of {@link #tokenize(String)}, {@code <|endoftext|>}.
     *
     * @throws IllegalArgumentException if a piece is not in the vocabulary (never with CLIP's own files, which
     *                                  hold every byte symbol in both forms)
     */
    @Override
    public int[] encode(String text) {
        List<String> pieces = tokenize(text);
        int[] ids = new int[pieces.size() + 2];
        ids[0] = startId;
        for (int i = 0; i < pieces.size(); i++) {
            Integer id = vocab.get(pieces.get(i));
            if (id == null) {
                throw new IllegalArgumentException("text: expected BPE pieces of the vocabulary, found \""
                        + pieces.get(i) + "\" missing from it (in \"" + text + "\")");
            }
            ids[i + 1] = id;
        }
        ids[ids.length - 1] = endId;
        return ids;
    }

    /**
     * The text of {@code ids}: the pieces' bytes joined, each {@code </w>} read as a space, decoded as UTF-8
     * (malformed bytes as U+FFFD) and stripped. Start tokens are skipped and the first end token ends the text,
     * so a padded batch row decodes whatever the padding. Spaces come back after every pre-token: "a red,
     * round circle" decodes as "a red , round circle".
     *
     * @throws IllegalArgumentException if an id is negative or no token has it
     */
    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= tokens.length || tokens[id] == null) {
                throw new IllegalArgumentException("ids[" + i + "]: expected an id of the vocabulary (in [0, "
                        + tokens.length + ")), got " + id);
            }
            if (id == endId) {
                break;
            }
            if (id == startId) {
                continue;
            }
            String token = tokens[id];
            boolean endOfWord = token.endsWith(BytePairEncoder.END_OF_WORD);
            ByteLevel.decode(endOfWord ? token.substring(0, token.length() - BytePairEncoder.END_OF_WORD.length())
                    : token, bytes);
            if (endOfWord) {
                bytes.write(' ');
            }
        }
        return CodePoints.pythonStrip(new String(bytes.toByteArray(), StandardCharsets.UTF_8));
    }

    /** One more than the largest id of {@code vocab.json} (49408 for CLIP). */
    @Override
    public int vocabSize() {
        return tokens.length;
    }

    /** The id of {@code <|endoftext|>} with {@link Padding#END_OF_TEXT}, 0 with {@link Padding#ZERO}. */
    @Override
    public int padId() {
        return padding == Padding.ZERO ? 0 : endId;
    }

    /** The id of {@code <|startoftext|>} (49406 for CLIP). */
    public int startId() {
        return startId;
    }

    /** The id of {@code <|endoftext|>} (49407 for CLIP). */
    public int endId() {
        return endId;
    }

    /** The padding of batches. */
    public Padding padding() {
        return padding;
    }

    /** The id of {@code token} ({@code "cat</w>"}), or -1 when it is not in the vocabulary. */
    public int id(String token) {
        Integer id = vocab.get(token);
        return id == null ? -1 : id;
    }

    @Override
    public String toString() {
        return "ClipTokenizer[vocab=" + tokens.length + ", padding=" + padding + "]";
    }
}
