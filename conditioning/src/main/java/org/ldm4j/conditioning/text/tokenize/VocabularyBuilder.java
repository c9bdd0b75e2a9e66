package org.ldm4j.conditioning.text.tokenize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The training behind {@link WordPieceVocabulary#build(List, int, BasicTokenizer, int)}: specials, the corpus's
 * characters in both forms, then greedy merges of the most frequent adjacent pair of pieces.
 *
 * <p>Pair counts are kept up to date incrementally: merging a pair only recounts the words that hold it, and a
 * priority queue with lazy deletion (a popped entry whose count is stale is dropped) finds the next best pair.
 *
 * <pre>{@code
 * List<String> tokens = VocabularyBuilder.build(captions, 1000, BasicTokenizer.uncased(), 2);
 * }</pre>
 */
final class VocabularyBuilder {
    /** WordPiece maps longer words to [UNK] whole, so their pairs are not worth counting. */
    static final int MAX_WORD_CHARS = WordPieceTokenizer.MAX_INPUT_CHARS_PER_WORD;

    private final List<String> symbols = new ArrayList<>();          // symbol id -> piece
    private final Map<String, Integer> symbolIds = new HashMap<>();
    private final int[][] words;                                      // each distinct word as symbol ids
    private final long[] counts;                                      // occurrences of each word
    private final Map<Long, Long> pairCounts = new HashMap<>();
    private final Map<Long, Set<Integer>> pairWords = new HashMap<>(); // may list words that lost the pair
    private final PriorityQueue<Candidate> queue;

    /** A pair with its count when queued: stale when the count has changed since. */
    private record Candidate(long key, long count, String left, String right) {
    }

    private VocabularyBuilder(Map<String, Long> wordCounts) {
        words = new int[wordCounts.size()][];
        counts = new long[wordCounts.size()];
        int w = 0;
        for (Map.Entry<String, Long> e : wordCounts.entrySet()) {
            int[] cps = e.getKey().codePoints().toArray();
            int[] seq = new int[cps.length];
            for (int i = 0; i < cps.length; i++) {
                String c = new String(Character.toChars(cps[i]));
                seq[i] = symbol(i == 0 ? c : WordPieceVocabulary.CONTINUATION + c);
            }
            words[w] = seq;
            counts[w] = e.getValue();
            w++;
        }
        queue = new PriorityQueue<>(Comparator.comparingLong(Candidate::count).reversed()
                .thenComparing(Candidate::left).thenComparing(Candidate::right));
    }

    static List<String> build(List<String> corpus, int targetSize, BasicTokenizer basic, int minFrequency) {
        if (minFrequency < 1) {
            throw new IllegalArgumentException("minFrequency: expected at least 1, got " + minFrequency);
        }
        Map<String, Long> wordCounts = new TreeMap<>();
        TreeSet<Integer> alphabet = new TreeSet<>();
        for (int i = 0; i < corpus.size(); i++) {
            String caption = corpus.get(i);
            if (caption == null) {
                throw new IllegalArgumentException("corpus[" + i + "]: expected a caption, got null");
            }
            for (String word : basic.tokenize(caption)) {
                word.codePoints().forEach(alphabet::add);
                if (word.codePointCount(0, word.length()) <= MAX_WORD_CHARS) {
                    wordCounts.merge(word, 1L, Long::sum);
                }
            }
        }
        LinkedHashSet<String> vocab = new LinkedHashSet<>(WordPieceVocabulary.SPECIALS);
        for (int cp : alphabet) {
            vocab.add(new String(Character.toChars(cp)));
        }
        for (int cp : alphabet) {
            vocab.add(WordPieceVocabulary.CONTINUATION + new String(Character.toChars(cp)));
        }
        if (targetSize < vocab.size()) {
            throw new IllegalArgumentException("targetSize: expected at least " + vocab.size() + " (5 specials and "
                    + alphabet.size() + " characters in two forms), got " + targetSize);
        }
        new VocabularyBuilder(wordCounts).merge(vocab, targetSize, minFrequency);
        return new ArrayList<>(vocab);
    }

    private int symbol(String piece) {
        Integer id = symbolIds.get(piece);
        if (id == null) {
            id = symbols.size();
            symbols.add(piece);
            symbolIds.put(piece, id);
        }
        return id;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private void merge(Set<String> vocab, int targetSize, int minFrequency) {
        for (int w = 0; w < words.length; w++) {
            addPairs(w, +1, null);
        }
        for (Map.Entry<Long, Long> e : pairCounts.entrySet()) {
            enqueue(e.getKey(), e.getValue());
        }
        while (vocab.size() < targetSize && !queue.isEmpty()) {
            Candidate best = queue.poll();
            Long current = pairCounts.get(best.key());
            if (current == null || current != best.count()) {
                continue;                                   // stale: the pair's count changed after queueing
            }
            if (best.count() < minFrequency) {
                break;
            }
            String right = best.right();
            String merged = best.left() + (right.startsWith(WordPieceVocabulary.CONTINUATION)
                    ? right.substring(WordPieceVocabulary.CONTINUATION.length()) : right);
            vocab.add(merged);                             // no-op when another pair already made this piece
            applyMerge(best.key(), symbol(merged));
        }
    }

    /** Replaces every occurrence of the pair {@code key} by {@code merged} in the words that hold it. */
    private void applyMerge(long key, int merged) {
        int left = (int) (key >>> 32);
        int right = (int) key;
        Set<Long> changed = new HashSet<>();
        Set<Integer> holders = pairWords.remove(key);
        for (int w : holders) {
            int[] seq = words[w];
            int[] out = new int[seq.length];
            int n = 0;
            for (int i = 0; i < seq.length; i++) {
                if (i + 1 < seq.length && seq[i] == left && seq[i + 1] == right) {
                    out[n++] = merged;
                    i++;
                } else {
                    out[n++] = seq[i];
                }
            }
            if (n == seq.length) {
                continue;                                  // a stale holder: the word lost the pair earlier
            }
            addPairs(w, -1, changed);
            words[w] = Arrays.copyOf(out, n);
            addPairs(w, +1, changed);
        }
        pairCounts.remove(key);
        changed.remove(key);
        for (long k : changed) {
            Long c = pairCounts.get(k);
            if (c != null) {
                enqueue(k, c);
            }
        }
    }

    /** Adds ({@code sign} +1) or removes (-1) word {@code w}'s adjacent pairs, weighted by its count. */
    private void addPairs(int w, int sign, Set<Long> changed) {
        int[] seq = words[w];
        for (int i = 0; i + 1 < seq.length; i++) {
            long k = key(seq[i], seq[i + 1]);
            long c = pairCounts.getOrDefault(k, 0L) + sign * counts[w];
            if (c == 0) {
                pairCounts.remove(k);
            } else {
                pairCounts.put(k, c);
            }
            if (sign > 0) {
                pairWords.computeIfAbsent(k, x -> new HashSet<>()).add(w);
            }
            if (changed != null) {
                changed.add(k);
            }
        }
    }

    private void enqueue(long key, long count) {
        queue.add(new Candidate(key, count, symbols.get((int) (key >>> 32)), symbols.get((int) key)));
    }
}
