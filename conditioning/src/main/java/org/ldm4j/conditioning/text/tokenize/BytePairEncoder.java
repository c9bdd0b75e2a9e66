package org.ldm4j.conditioning.text.tokenize;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CLIP's byte-pair encoding of one pre-token: its symbols, the last one marked with {@code </w>}, merged pair by
 * pair in merge-rank order until no adjacent pair has a rank. Results are cached (thread-safe), as CLIP does.
 *
 * <pre>{@code
 * // merges, by rank: "l o", "lo w</w>"
 * encoder.pieces("low");   // [low</w>]:  l o w</w>  ->  lo w</w>  ->  low</w>
 * encoder.pieces("lot");   // [lo, t</w>]
 * }</pre>
 */
final class BytePairEncoder {
    /** CLIP's end-of-word marker, appended to a pre-token's last symbol. */
    static final String END_OF_WORD = "</w>";
    /** The cache stops growing here, so that an endless stream of new words cannot exhaust the heap. */
    private static final int MAX_CACHE = 200_000;

    private final Map<String, Integer> ranks;   // "left right" -> rank (0 merges first)
    private final Map<String, List<String>> cache = new ConcurrentHashMap<>();

    /** @param ranks merge ranks keyed by the two symbols joined with one space ({@code "l o"}) */
    BytePairEncoder(Map<String, Integer> ranks) {
        this.ranks = Map.copyOf(ranks);
    }

    /** The pieces of the byte-level pre-token {@code token} (non-empty), the last one ending in {@code </w>}. */
    List<String> pieces(String token) {
        List<String> cached = cache.get(token);
        if (cached != null) {
            return cached;
        }
        List<String> word = new ArrayList<>(token.length());
        token.codePoints().forEach(cp -> word.add(new String(Character.toChars(cp))));
        int last = word.size() - 1;
        word.set(last, word.get(last) + END_OF_WORD);
        while (word.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer r = ranks.get(word.get(i) + ' ' + word.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) {
                break;                                  // no adjacent pair is a merge
            }
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); i++) {
                // every occurrence, left to right, without overlap: "a a a" with "a a" gives "aa a"
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word.clear();
            word.addAll(merged);
        }
        List<String> result = List.copyOf(word);
        if (cache.size() < MAX_CACHE) {
            cache.put(token, result);
        }
        return result;
    }
}
