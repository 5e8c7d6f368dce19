package dev.vit4j.models;

import java.util.List;

/**
 * What a family's attention maps are. {@code defaultBlocks}: the blocks whose maps are drawn when none are asked
 * for; {@code rolloutBlocks}: the blocks attention rollout multiplies (Abnar &amp; Zuidema 2020), empty when the
 * family has no token-to-token attention from the first block on, with {@code whyNoRollout} saying so;
 * {@code whyNoDistances}: null when mean attention distance can be measured, else why not.
 */
public record AttentionLayout(
        List<String> defaultBlocks, List<String> rolloutBlocks, String whyNoRollout, String whyNoDistances) {
    public AttentionLayout {
        defaultBlocks = List.copyOf(defaultBlocks);
        rolloutBlocks = List.copyOf(rolloutBlocks);
    }

    public boolean rollout() {
        return !rolloutBlocks.isEmpty();
    }
}
